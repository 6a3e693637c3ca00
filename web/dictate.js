// Dictation: the Dictate button records the microphone as PCM (an AudioWorklet, at 16 kHz
// where the browser can resample, else the device rate), and Stop uploads it as a WAV to
// POST /api/encounters/{id}/audio?stream=true. Whisper runs on the server as a job of the one
// queue; its text arrives window by window and is written into the transcript box as it comes.
// An empty transcript is stored as the encounter's next transcript version by the server;
// dictation into existing text is appended for the clinician to review and save.
import * as api from "./api.js";

function wavEncode(blocks, rate) {
  const n = blocks.reduce((k, b) => k + b.length, 0);
  const view = new DataView(new ArrayBuffer(44 + 2 * n));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + 2 * n, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, 2 * rate, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, "data"); view.setUint32(40, 2 * n, true);
  let at = 44;
  for (const b of blocks) for (const x of b) { view.setInt16(at, Math.max(-1, Math.min(1, x)) * 32767, true); at += 2; }
  return new Blob([view], { type: "audio/wav" });
}

async function recorderStart() {
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  let context;
  try { context = new AudioContext({ sampleRate: 16000 }); } catch (_) { context = new AudioContext(); }
  await context.audioWorklet.addModule("dictate_worklet.js");
  const node = new AudioWorkletNode(context, "pcm-capture");
  const blocks = [];
  node.port.onmessage = (e) => blocks.push(e.data);
  context.createMediaStreamSource(media).connect(node);
  node.connect(context.destination);  // a node nobody pulls is never run; it outputs silence
  return {
    seconds: () => blocks.reduce((k, b) => k + b.length, 0) / context.sampleRate,
    async stop() {
      media.getTracks().forEach((t) => t.stop());
      await context.close();
      return wavEncode(blocks, context.sampleRate);
    },
  };
}

// encounterId(): the open encounter; transcript: its textarea; onStored(): reload after the
// server stored a transcript; status(text): the page's status line.
export function dictationSetup({ button, label, encounterId, transcript, onStored, status }) {
  let recorder = null, timer = null;
  button.addEventListener("click", async () => {
    if (!recorder) {
      try {
        recorder = await recorderStart();
      } catch (e) {
        status("microphone: " + e.message);
        return;
      }
      button.textContent = "Stop dictation";
      button.setAttribute("aria-pressed", "true");
      timer = setInterval(() => { label.textContent = "recording " + recorder.seconds().toFixed(0) + " s"; }, 500);
      return;
    }
    clearInterval(timer);
    const wav = await recorder.stop();
    recorder = null;
    button.textContent = "Dictate";
    button.setAttribute("aria-pressed", "false");
    button.disabled = true;
    label.textContent = "transcribing…";
    const store = transcript.value.trim() === "";
    const before = transcript.value;
    let dictated = "", stored = false;
    try {
      await api.streamBytes("/api/encounters/" + encounterId() + "/audio?stream=true&store=" + store, wav, (ev) => {
        if (ev.delta !== undefined) {
          dictated += ev.delta;
          transcript.value = before + (before && !before.endsWith("\n") ? "\n" : "") + dictated;
        } else if (ev.error) {
          throw new Error(ev.error.message);
        } else if (ev.transcript) {
          stored = true;
        }
      });
      label.textContent = dictated ? "" : "no speech recognised";
      status(stored ? "dictation transcribed and saved" : "dictation transcribed: review and save the transcript");
      if (stored) await onStored();
    } catch (e) {
      label.textContent = "";
      status("dictation: " + e.message);
    } finally {
      button.disabled = false;
    }
  });
}
