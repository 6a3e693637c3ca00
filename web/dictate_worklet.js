// The dictation recorder's audio thread: hands each block of microphone samples (mono, the
// context's rate) to the page, which keeps them until the clinician stops.
class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor("pcm-capture", PcmCapture);
