// Dictation: the Dictate button records the microphone as PCM (an AudioWorklet, at 16 kHz
// where the browser can resample, else the device rate) and sends it to a dictation session
// on the server every two seconds while recording (POST /api/dictation/{id}/audio, 16-bit
// PCM). The server transcribes each stretch of speech that has ended in a pause as a job of
// the one queue and answers each piece with the text committed so far, which grows in the
// transcript box as the clinician speaks. Stop sends the last piece and finishes the
// session: the rest is transcribed and the whole text returned. An empty transcript box is
// stored as the encounter's next transcript version by the server; dictation into existing
// text is appended for the clinician to review and save.
import * as api from "./api.js";

const PIECE_S = 2;

function pcm16(blocks) {
  const n = blocks.reduce((k, b) => k + b.length, 0);
  const out = new Int16Array(n);
  let at = 0;
  for (const b of blocks) for (const x of b) out[at++] = Math.max(-1, Math.min(1, x)) * 32767;
  return new Blob([out.buffer], { type: "audio/pcm" });
}

// onPiece(blob, rate): called with each PIECE_S of audio while recording and the rest at stop.
async function recorderStart(onPiece) {
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  let context;
  try { context = new AudioContext({ sampleRate: 16000 }); } catch (_) { context = new AudioContext(); }
  await context.audioWorklet.addModule("dictate_worklet.js");
  const node = new AudioWorkletNode(context, "pcm-capture");
  let blocks = [], pending = 0, total = 0;
  const flush = () => {
    if (pending === 0) return;
    onPiece(pcm16(blocks), context.sampleRate);
    blocks = [];
    pending = 0;
  };
  node.port.onmessage = (e) => {
    blocks.push(e.data);
    pending += e.data.length;
    total += e.data.length;
    if (pending >= PIECE_S * context.sampleRate) flush();
  };
  context.createMediaStreamSource(media).connect(node);
  node.connect(context.destination);  // a node nobody pulls is never run; it outputs silence
  return {
    seconds: () => total / context.sampleRate,
    async stop() {
      media.getTracks().forEach((t) => t.stop());
      await context.close();
      flush();
    },
  };
}

// encounterId(): the open encounter; transcript: its textarea; onStored(): reload after the
// server stored a transcript; status(text): the page's status line.
export function dictationSetup({ button, label, encounterId, transcript, onStored, status }) {
  let recorder = null, timer = null, session = null, sending = null, failure = null, before = "";
  const show = (text) => {
    transcript.value = before + (before && text && !before.endsWith("\n") ? "\n" : "") + text;
  };
  button.addEventListener("click", async () => {
    if (!recorder) {
      try {
        before = transcript.value;
        failure = null;
        session = (await api.send("POST", "/api/encounters/" + encounterId() + "/dictation")).session;
        sending = Promise.resolve();
        // Pieces go one after another, in order; each reply carries the committed text.
        recorder = await recorderStart((blob, rate) => {
          sending = sending.then(async () => {
            if (failure) return;
            try {
              show((await api.sendBytes("/api/dictation/" + session + "/audio?rate=" + rate, blob)).text);
            } catch (e) {
              failure = e;
            }
          });
        });
      } catch (e) {
        status("dictation: " + e.message);
        recorder = null;
        return;
      }
      button.textContent = "Stop dictation";
      button.setAttribute("aria-pressed", "true");
      timer = setInterval(() => { label.textContent = "recording " + recorder.seconds().toFixed(0) + " s"; }, 500);
      return;
    }
    clearInterval(timer);
    await recorder.stop();
    recorder = null;
    button.textContent = "Dictate";
    button.setAttribute("aria-pressed", "false");
    button.disabled = true;
    label.textContent = "transcribing the rest…";
    const store = before.trim() === "";
    try {
      await sending;
      if (failure) throw failure;
      const done = await api.send("POST", "/api/dictation/" + session + "/finish?store=" + store);
      if (done.error) throw new Error(done.error.message);
      show(done.text);
      label.textContent = done.text ? "" : "no speech recognised";
      // The encounter is reloaded before the status says "saved", so what the page shows
      // (the transcript's version) is already the stored one when the status appears.
      if (done.transcript) await onStored();
      status(done.transcript ? "dictation transcribed and saved" : "dictation transcribed: review and save the transcript");
    } catch (e) {
      label.textContent = "";
      status("dictation: " + e.message);
    } finally {
      button.disabled = false;
    }
  });
}
