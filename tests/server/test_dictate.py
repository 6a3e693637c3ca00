"""Dictation through the server with the real Whisper base (skipped when models/whisper-base
is absent: scripts/setup.sh installs it). The audio API: jfk.wav uploaded as the raw body and
as a multipart form is transcribed through the job queue and stored as the encounter's
transcript; bad input gets one clear error. The web UI's Dictate button in headless Chromium
whose fake microphone plays ../shared/audio/jfk.wav (--use-file-for-fake-audio-capture):
the page sends the audio in pieces while recording, the transcript box shows committed text
BEFORE Stop is clicked, and after Stop it holds the sentence, stored as version 1."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import uuid

import subprocess

from serve_util import ROOT, Server, binary, output_dir

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # scripts/setup.d/server.sh installs it
    webdriver = None

WHISPER = os.path.join(ROOT, "models", "whisper-base")
JFK = os.path.join(os.path.dirname(ROOT), "shared", "audio", "jfk.wav")


def read_jfk():
    with open(JFK, "rb") as f:
        return f.read()


CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSPHRASE = "correct horse battery"
# Whisper base's greedy/beam output for jfk.wav (tests/speech/whisper_base_test.cpp).
SENTENCE = "ask not what your country can do for you, ask what you can do for your country."

# The whole sentence, for dictation cut into chunks at the speaker's pauses: Whisper sees each
# chunk on its own, so one word may differ ("asked not"); tests/server/dictation_api_test.cpp
# allows the same one word error.
FULL_SENTENCE = "And so my fellow Americans, " + SENTENCE


def words(text):
    return "".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split()


def word_errors(ref, hyp):
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diag, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diag + (ref[i - 1] != hyp[j - 1]))
    return row[-1]


have_whisper = os.path.exists(os.path.join(WHISPER, "model.bin")) and os.path.exists(JFK)


def multipart(field, filename, content, content_type):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@unittest.skipUnless(have_whisper, "models/whisper-base or ../shared/audio/jfk.wav absent (run scripts/setup.sh)")
class AudioApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--whisper", WHISPER)
        status, _, _ = cls.server.request("POST", "/api/vault/unlock", {"passphrase": PASSPHRASE, "create": True})
        assert status == 200

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def encounter(self):
        status, _, body = self.server.request("POST", "/api/encounters", {"title": "dictation"})
        self.assertEqual(status, 201)
        return json.loads(body)["id"]

    def upload(self, encounter, body, content_type, query=""):
        status, _, reply = self.server.request("POST", f"/api/encounters/{encounter}/audio{query}", body,
                                               {"Content-Type": content_type}, timeout=300)
        return status, json.loads(reply)

    def test_raw_and_multipart_uploads_are_transcribed_and_stored(self):
        wav = read_jfk()
        e = self.encounter()
        status, reply = self.upload(e, wav, "audio/wav")
        self.assertEqual(status, 200, reply)
        self.assertIn(SENTENCE, reply["text"])
        self.assertEqual(reply["language"], "en")
        self.assertAlmostEqual(reply["audio_s"], 11.0, delta=0.1)
        self.assertEqual(reply["transcript"]["version"], 1)
        self.assertEqual(reply["transcript"]["source"], "dictation")
        status, _, body = self.server.request("GET", f"/api/encounters/{e}")
        self.assertEqual(json.loads(body)["transcripts"][-1]["text"], reply["text"])

        body, content_type = multipart("audio", "jfk.wav", wav, "audio/wav")
        status, reply2 = self.upload(e, body, content_type, "?store=false")
        self.assertEqual(status, 200, reply2)
        self.assertEqual(reply2["text"], reply["text"])
        self.assertIsNone(reply2["transcript"])  # store=false: nothing new in the vault
        status, _, body = self.server.request("GET", f"/api/encounters/{e}")
        self.assertEqual(len(json.loads(body)["transcripts"]), 1)

    def test_speakers_on_a_mono_recording_label_as_the_cli_does(self):
        # One pipeline (speech/speech_transcribe): a mono upload with speaker names is clustered
        # by voice, exactly as `clinote transcribe --speakers` labels the same file.
        status, reply = self.upload(self.encounter(), read_jfk(), "audio/wav", "?store=false&speakers=Doctor,Patient")
        self.assertEqual(status, 200, reply)
        cli = subprocess.run([binary(), "transcribe", JFK, "--whisper", WHISPER, "--speakers", "Doctor,Patient",
                              "--json"], capture_output=True, text=True, check=True)
        expected = json.loads(cli.stdout)["segments"]
        self.assertTrue(all("speaker" in s for s in reply["segments"]), reply["segments"])
        self.assertEqual([(s["speaker"], s["text"].strip()) for s in reply["segments"]],
                         [(s["speaker"], s["text"].strip()) for s in expected])
        self.assertRegex(reply["text"], r"^(Doctor|Patient): And so my fellow Americans")

    def test_bad_input(self):
        e = self.encounter()
        status, reply = self.upload(e, b"Doctor: not a recording", "audio/wav")
        self.assertEqual(status, 400)
        self.assertIn("audio: not a readable audio file", reply["error"]["message"])
        status, reply = self.upload(e, b"", "audio/wav")
        self.assertEqual(status, 400)
        body, content_type = multipart("file", "jfk.wav", b"RIFF", "audio/wav")
        status, reply = self.upload(e, body, content_type)
        self.assertEqual(status, 400)
        self.assertIn("\"audio\" file field", reply["error"]["message"])
        status, reply = self.upload(999999, read_jfk(), "audio/wav")
        self.assertEqual(status, 404)

    def test_without_whisper_the_route_says_so(self):
        other = Server("--whisper", os.path.join(tempfile.gettempdir(), "no-such-whisper"))
        try:
            other.request("POST", "/api/vault/unlock", {"passphrase": PASSPHRASE, "create": True})
            status, _, body = other.request("POST", "/api/encounters", {"title": "x"})
            e = json.loads(body)["id"]
            status, _, body = other.request("POST", f"/api/encounters/{e}/audio", read_jfk(),
                                            {"Content-Type": "audio/wav"})
            self.assertEqual(status, 409)
            self.assertIn("whisper: no Whisper model", json.loads(body)["error"]["message"])
        finally:
            other.stop()


@unittest.skipUnless(have_whisper, "models/whisper-base or ../shared/audio/jfk.wav absent (run scripts/setup.sh)")
@unittest.skipIf(webdriver is None or CHROMIUM is None or not os.path.exists(DRIVER),
                 "selenium, chromium or chromium-driver missing (scripts/setup.sh installs them)")
class DictateBrowserTest(unittest.TestCase):
    def setUp(self):
        self.server = Server("--whisper", WHISPER)
        self.profile = tempfile.mkdtemp(prefix="clinote-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1366,1000",
                     f"--user-data-dir={self.profile}", "--use-fake-ui-for-media-stream",
                     "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={JFK}%noloop",
                     "--autoplay-policy=no-user-gesture-required"]:
            opts.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        self.wait = WebDriverWait(self.driver, 300)
        self.shots = output_dir("dictate")

    def tearDown(self):
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
        self.server.stop()

    def el(self, id_):
        return self.driver.find_element(By.ID, id_)

    def test_dictate_fills_and_stores_the_transcript(self):
        d = self.driver
        d.get(self.server.url + "/")
        self.wait.until(EC.visibility_of_element_located((By.ID, "passphrase")))
        self.el("passphrase").send_keys(PASSPHRASE + Keys.ENTER)
        self.wait.until(EC.visibility_of_element_located((By.ID, "new-title")))
        self.el("new-title").send_keys("Dictated visit" + Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "encounter-title"), "Dictated visit"))

        self.el("dictate").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "dictate-status"), "recording"))
        self.assertEqual(self.el("dictate").get_attribute("aria-pressed"), "true")
        # The fake microphone plays the 11 s file once, then silence.
        deadline = time.time() + 60
        while time.time() < deadline:
            seconds = float(self.el("dictate-status").text.split()[1])
            if seconds >= 12:
                break
            time.sleep(0.5)
        d.save_screenshot(os.path.join(self.shots, "1-recording.png"))
        # Still recording: the server has cut the speech at the pause after it and the text
        # committed so far is in the box before Stop.
        WebDriverWait(d, 180).until(lambda _: "country" in self.el("transcript").get_attribute("value").lower())
        self.assertEqual(self.el("dictate").get_attribute("aria-pressed"), "true")
        partial = self.el("transcript").get_attribute("value")
        d.save_screenshot(os.path.join(self.shots, "2-partial-before-stop.png"))
        self.el("dictate").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "dictation transcribed and saved"))
        text = self.el("transcript").get_attribute("value")
        self.assertLessEqual(word_errors(words(FULL_SENTENCE), words(text)), 1, text)
        self.assertTrue(text.startswith(partial.strip()), (partial, text))
        self.assertIn("version 1", self.el("transcript-version").text)
        d.save_screenshot(os.path.join(self.shots, "3-transcribed.png"))


if __name__ == "__main__":
    sys.exit(unittest.main())
