"""The web UI in headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium): unlock (creating the vault) → new encounter → transcript → generate (streamed)
→ edit → approve → draft beside approved → export, with a screenshot of each step under
the test's output folder (CLINOTE_TEST_OUT/browser); and the training page: a short LoRA
run on a tiny dataset with its live loss plot, served afterwards as an adapter, and
"Improve from my notes" on approved notes with its comparison, decision and rollback."""
import json
import os
import shutil
import sys
import tempfile
import unittest

from serve_util import Server, output_dir, tiny_dataset

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # scripts/setup.d/server.sh installs it
    webdriver = None

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

TRANSCRIPT = """Doctor: Good morning, what brings you in today?
Patient: I have had a headache for three days, mostly behind my eyes.
Doctor: Any nausea or changes in vision?
Patient: A little nausea, no vision changes. I took ibuprofen 400 mg twice a day.
Doctor: Your blood pressure is 128 over 82. Let's continue ibuprofen and follow up in one week."""


@unittest.skipIf(webdriver is None or CHROMIUM is None or not os.path.exists(DRIVER),
                 "selenium, chromium or chromium-driver missing (scripts/setup.sh installs them)")
class BrowserTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(*os.environ.get("CLINOTE_BROWSER_SERVER_ARGS", "").split())
        self.profile = tempfile.mkdtemp(prefix="clinote-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1366,1000",
                     f"--user-data-dir={self.profile}"]:
            opts.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        self.wait = WebDriverWait(self.driver, 120)
        self.shots = output_dir("browser")

    def tearDown(self):
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
        self.server.stop()

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.shots, name + ".png"))

    def new_encounter(self, title):
        # By keyboard: the title field has focus after unlocking.
        self.wait.until(EC.visibility_of_element_located((By.ID, "new-title")))
        self.wait.until(lambda _: self.driver.switch_to.active_element.get_attribute("id") == "new-title")
        self.driver.switch_to.active_element.send_keys(title + Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "encounter-title"), title))

    def el(self, id_):
        return self.driver.find_element(By.ID, id_)

    def test_unlock_encounter_generate_edit_approve_export(self):
        d = self.driver
        d.get(self.server.url + "/")
        self.wait.until(EC.visibility_of_element_located((By.ID, "passphrase")))
        self.assertTrue(self.el("create").is_selected(), "a fresh folder offers to create the vault")
        self.shot("1-unlock")
        # A new vault's short passphrase is refused on the page, in words, before any request.
        self.el("passphrase").send_keys("short" + Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "at least 8 characters"))
        self.el("passphrase").clear()
        self.el("passphrase").send_keys("correct horse battery" + Keys.ENTER)

        self.new_encounter("Headache follow-up")
        self.el("transcript").send_keys(TRANSCRIPT)
        # The model picker offers what /v1/models lists, the notes' default chosen.
        models = Select(self.el("note-model"))
        self.assertEqual([o.get_attribute("value") for o in models.options], ["stories"])
        self.assertEqual(models.first_selected_option.get_attribute("value"), "stories")
        # The clinic's own template: the example in "Your own templates" saved to the vault
        # appears in the Template list, marked as theirs.
        d.find_element(By.CSS_SELECTOR, "#templates-box summary").click()
        self.el("template-save").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "template wound_care saved"))
        self.assertIn("Wound care note (yours)", [o.text for o in Select(self.el("template")).options])
        Select(self.el("template")).select_by_value("soap")
        self.el("max-tokens").clear()
        self.el("max-tokens").send_keys(os.environ.get("CLINOTE_BROWSER_MAX_TOKENS", "60"))
        self.shot("2-encounter")

        # Generate: the draft streams in, is saved as version 1 and fills the editor.
        self.el("generate").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "draft saved"))
        self.wait.until(lambda _: self.el("editor").get_attribute("value") != "")
        draft_text = self.el("editor").get_attribute("value")
        # Shown once: the streamed draft now lives in the editor only.
        self.assertFalse(self.el("draft").is_displayed())
        self.assertEqual(len(d.find_elements(By.ID, "side-draft")), 0)
        self.shot("3-draft")

        # Review: a dose the visit does not give is flagged as it is typed; its flag selects
        # it in the editor, and the Approve button counts what is left.
        editor = self.el("editor")
        editor.send_keys(Keys.CONTROL, Keys.END)
        editor.send_keys("\n\nPLAN:\nIbuprofen 800 mg.")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "flags"), "800 mg"))
        flag = [b for b in d.find_elements(By.CSS_SELECTOR, "#flags button") if "800 mg" in b.text][0]
        self.assertIn("transcript has 400 mg", flag.text)
        self.assertIn("flag", self.el("approve").text)
        flag.click()
        selected = d.execute_script(
            "const e = document.getElementById('editor'); return e.value.slice(e.selectionStart, e.selectionEnd);")
        self.assertEqual(selected, "800 mg")
        self.shot("4-review-flags")
        editor.send_keys(Keys.CONTROL, Keys.END)
        for _ in range(len("Ibuprofen 800 mg.") + len("\n\nPLAN:\n")):
            editor.send_keys(Keys.BACKSPACE)

        # Edit (with entity tags) and approve with Ctrl+Enter.
        editor.send_keys(Keys.CONTROL, Keys.END)
        editor.send_keys("\n\nPLAN:\n{{drug:ibuprofen}} {{dose:400 mg}} twice daily; follow up in one week.")
        editor.send_keys(Keys.CONTROL, Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "approved"))
        marks = d.find_elements(By.CSS_SELECTOR, "#approved mark.ent-drug")
        self.assertEqual([m.text for m in marks], ["ibuprofen"])
        diff = self.el("diff").get_attribute("textContent")
        self.assertIn("+{{drug:ibuprofen}} {{dose:400 mg}} twice daily", diff)
        self.assertNotIn("No newline at end of file", diff)
        self.assertIn("approved", self.el("encounter-list").text)
        self.shot("5-approved")

        # Copy and print hand over the approved note without its tags (the clipboard and the
        # print dialog are stubbed: headless Chromium has neither).
        d.execute_script("window.copied = null; navigator.clipboard.writeText = async (t) => { window.copied = t; };"
                         "window.printed = null; window.print = () => {"
                         " window.printed = document.getElementById('print-note').textContent; };")
        self.el("copy-approved").click()
        self.wait.until(lambda _: d.execute_script("return window.copied") is not None)
        copied = d.execute_script("return window.copied")
        self.assertIn("ibuprofen 400 mg twice daily; follow up in one week.", copied)
        self.assertNotIn("{{", copied)
        self.el("print-approved").click()
        printed = d.execute_script("return window.printed")
        self.assertTrue(printed.startswith("Headache follow-up\n\n"), printed)
        self.assertIn(copied, printed)

        # Export Markdown: the approved note without tags, and the transcript.
        self.el("export-markdown").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "export-preview"), "# Headache follow-up"))
        preview = self.el("export-preview").text
        self.assertIn("ibuprofen 400 mg twice daily; follow up in one week.", preview)
        self.assertNotIn("{{drug:", preview)
        self.assertIn("Doctor: Good morning", preview)
        self.assertTrue(self.el("export-download").is_displayed())
        # FHIR needs an approved ClinicalSummary first: the page says so beside the export buttons.
        self.el("export-fhir").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "export-error"), "no approved ClinicalSummary"))
        self.assertTrue(self.el("export-error").is_displayed())
        d.execute_script("document.getElementById('export-preview').scrollIntoView()")
        self.shot("6-export")
        self.assertTrue(draft_text)

        # The ClinicalSummary from the approved note: extracted into the editor as a JSON draft,
        # approved, then exported as FHIR naming the approving clinician.
        self.el("extract-summary").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "draft saved"))
        self.wait.until(lambda _: self.el("editor").get_attribute("value").lstrip().startswith("{"))
        summary = json.loads(self.el("editor").get_attribute("value"))
        self.assertIsInstance(summary, dict)
        status, _, body = self.server.request("GET", "/api/encounters/1/notes")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"][-1]["kind"], "draft")  # the summary, a draft until approved
        self.el("editor").send_keys(Keys.CONTROL, Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "approved"))
        self.el("export-fhir").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "export-preview"), '"Bundle"'))
        bundle = json.loads(self.el("export-preview").text)
        composition = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Composition"][0]
        self.assertEqual(composition["status"], "final")
        self.assertEqual(composition["attester"][0]["mode"], "legal")
        self.assertEqual(self.el("export-error").text, "")

        # Locking returns to the unlock screen; the passphrase opens the same vault again.
        self.el("lock-btn").click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "passphrase")))
        self.assertFalse(self.el("create-row").is_displayed())
        self.el("passphrase").send_keys("correct horse battery" + Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "encounter-list"), "Headache follow-up"))

    def test_notes_through_a_backend_and_a_backend_that_goes_down(self):
        # This test's server is the backend; a second clinote is the clinician's front end.
        front = Server("--backend", self.server.url)
        try:
            d = self.driver
            d.get(front.url + "/")
            self.wait.until(EC.visibility_of_element_located((By.ID, "passphrase")))
            self.el("passphrase").send_keys("correct horse battery" + Keys.ENTER)
            self.new_encounter("Via the backend")
            self.el("transcript").send_keys(TRANSCRIPT)
            # Where notes are decoded is shown instead of a model picker.
            self.assertEqual(Select(self.el("note-model")).first_selected_option.text,
                             "backend: its default at " + self.server.url)
            self.el("max-tokens").clear()
            self.el("max-tokens").send_keys("40")
            self.el("generate").click()
            self.wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "draft saved"))
            # The editor is filled once the saved encounter is read back, just after the status.
            self.wait.until(lambda _: self.el("editor").get_attribute("value") != "")
            draft = self.el("editor").get_attribute("value")
            self.assertTrue(draft.startswith("SUBJECTIVE:"), draft)
            # The backend stops: the error names it beside the button, and the draft stays.
            self.server.stop()
            self.el("generate").click()
            self.wait.until(EC.text_to_be_present_in_element((By.ID, "generate-error"), "backend " + self.server.url))
            self.assertIn("cannot reach", self.el("generate-error").text)
            self.assertFalse(self.el("draft").is_displayed())
            self.shot("backend-down")
            _, _, body = front.request("GET", "/api/encounters/1/notes")
            notes = json.loads(body)["data"]
            self.assertEqual([n["kind"] for n in notes], ["draft"])
        finally:
            front.stop()

    def test_training_page_runs_plots_and_serves_the_adapter(self):
        d = self.driver
        data = tiny_dataset(os.path.join(self.server.folder, "dataset"))

        # From the main page's header link, by keyboard-reachable controls only.
        d.get(self.server.url + "/")
        self.wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Training"))).click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "dataset")))
        # The data chosen from this computer (the file inputs), not typed as a server path.
        self.el("train-file").send_keys(os.path.join(data, "train.jsonl"))
        self.el("valid-file").send_keys(os.path.join(data, "valid.jsonl"))
        for id_, value in [("steps", "20"), ("lr", "0.01"), ("rank", "4"), ("batch", "2"), ("max-seq", "64"),
                           ("eval-every", "5")]:
            self.el(id_).clear()
            self.el(id_).send_keys(value)
        self.el("adapter-name").send_keys("browser")
        self.el("start").click()

        # The run finishes; the plot shows 20 train points as a line and 5 validations (0, 5, ... 20).
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "run-status"), "done: step 20 of 20"))
        path = d.find_element(By.CSS_SELECTOR, "#loss-plot path.train-line").get_attribute("d")
        self.assertEqual(path.count("L") + 1, 20)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#loss-plot circle.val-dot")), 5)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "adapters"), "stories+browser"))
        status, _, body = self.server.request("GET", "/api/training/1")
        self.assertEqual(status, 200)
        run = json.loads(body)
        self.assertEqual(run["state"], "done")
        self.assertEqual(len(run["train_loss"]), 20)
        self.assertIn("best validation loss", self.el("run-status").text)
        self.shot("7-training")

    def test_improve_from_my_notes(self):
        """Twelve approved notes in the vault (added over the API) → the training page's
        "Improve from my notes" → the comparison, the decision and the version list → roll back."""
        d = self.driver
        srv = self.server
        self.assertEqual(srv.request("POST", "/api/vault/unlock", {"passphrase": "correct horse", "create": True})[0], 200)
        tiny = {"name": "tiny", "title": "Tiny note", "description": "A short note.",
                "sections": [{"title": "PLAN", "instruction": "what happens next", "covers": ["plan"]}]}
        self.assertEqual(srv.request("PUT", "/api/templates/tiny", tiny)[0], 200)
        for name in ["Tim", "Sue", "Max", "Lily", "Ben", "Mia", "Sam", "Amy", "Tom", "Ann", "Bob", "Kim"]:
            status, _, body = srv.request("POST", "/api/encounters", {
                "title": "visit", "transcript": f"Doctor: How is the cat, {name}?\nPatient: The cat is sad.\n"})
            self.assertEqual(status, 201, body)
            path = "/api/encounters/%d" % json.loads(body)["id"]
            self.assertEqual(srv.request("POST", path + "/notes", {"template": "tiny", "max_tokens": 8})[0], 200)
            self.assertEqual(srv.request("POST", path + "/approve", {"text": f"PLAN:\n{name} will play with the cat.\n"})[0], 201)

        d.get(srv.url + "/training.html")
        self.wait.until(EC.visibility_of_element_located((By.ID, "improve-start")))
        self.wait.until(lambda _: len(Select(self.el("improve-template")).options) > 1)
        Select(self.el("improve-template")).select_by_value("tiny")
        for id_, value in [("improve-steps", "12"), ("improve-lr", "0.01"), ("improve-max-tokens", "24")]:
            self.el(id_).clear()
            self.el(id_).send_keys(value)
        self.el("improve-start").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "improve-decision"), "Version 1"))
        decision = self.el("improve-decision").text
        self.assertIn("Trained on", decision)
        status, _, body = srv.request("GET", "/api/improve")
        state = json.loads(body)
        result = state["run"]["result"]
        self.assertIn("promoted" if result["promoted"] else "refused", decision)
        rows = d.find_elements(By.CSS_SELECTOR, "#improve-compare-rows tr")
        self.assertEqual(rows[0].text.split()[-1], "%.3f" % result["candidate"]["rouge1"])
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#versions-rows tr")), 1)
        d.execute_script("document.getElementById('improve-title').scrollIntoView()")
        self.shot("8-improve")
        if result["promoted"]:
            self.assertIn("1 (in use)", self.el("versions-rows").text)
            self.el("use-none").click()
            self.wait.until(lambda _: "in use" not in self.el("versions-rows").text)
            self.assertIsNone(json.loads(srv.request("GET", "/api/improve")[2])["versions"]["current"])
            d.find_element(By.CSS_SELECTOR, "#versions-rows button").click()
            self.wait.until(EC.text_to_be_present_in_element((By.ID, "versions-rows"), "1 (in use)"))


if __name__ == "__main__":
    sys.exit(unittest.main())
