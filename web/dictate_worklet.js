// The dictation recorder's audio thread: hands each block of microphone samples (mono, the
// context's rate) to the page, which sends them to the server in pieces while recording.
class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor("pcm-capture", PcmCapture);
