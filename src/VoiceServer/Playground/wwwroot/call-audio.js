// The page's half of a call's audio: the microphone and the two AudioWorklet processors of audio-worklets.js in one
// graph, microphone → capture (μ-law frames out) and playback (μ-law in) → speakers.

import { PlaygroundError } from "./playground-error.js";

const WORKLET_URL = new URL("./audio-worklets.js", import.meta.url);

function microphoneMessage(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Microphone access was refused. Allow the microphone for this page and try again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found.";
    case "NotReadableError":
    case "AbortError":
      return "The microphone is in use or could not be started.";
    default:
      return `The microphone could not be opened: ${error && error.message ? error.message : error}`;
  }
}

/**
 * One call's audio graph. Tells its owner, through `handlers`: onFrame(bytes) (160 bytes of μ-law, every 20 ms),
 * onInputLevel(rms), onMarkPlayed(name), onCleared(marks, droppedBytes) and onPlayed(totalBytes, level).
 */
export class CallAudio {
  #handlers;
  #context;
  #microphone = null;
  #captureNode = null;
  #playbackNode = null;
  #graph = [];
  #closed = false;

  /** Creates and resumes the AudioContext at once, so a caller within a click keeps the user's gesture. */
  constructor(handlers) {
    this.#handlers = handlers;
    this.#context = new AudioContext({ latencyHint: "interactive" });
    // Not awaited: without a gesture the promise may wait for one, and the call can proceed.
    this.#context.resume().catch(() => {});
  }

  /** Opens the microphone, loads the worklets and connects the graph; does nothing more once closed. */
  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new PlaygroundError("This browser cannot open the microphone here (a secure context, https or localhost, is required).");
    }
    if (!this.#context.audioWorklet) {
      throw new PlaygroundError("This browser has no AudioWorklet support.");
    }
    const microphone = navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1,
        // Without echo cancellation the agent's voice from the speakers reaches the model and reads as barge-in.
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
    const worklets = this.#context.audioWorklet.addModule(WORKLET_URL);
    let stream;
    try {
      stream = await microphone;
    } catch (error) {
      worklets.catch(() => {});
      throw new PlaygroundError(microphoneMessage(error));
    }
    this.#microphone = stream;
    if (this.#closed) {
      this.#stopMicrophone();
      worklets.catch(() => {});
      return;
    }
    try {
      await worklets;
    } catch (error) {
      throw new PlaygroundError(`The audio worklets could not be loaded: ${error && error.message ? error.message : error}`);
    }
    if (this.#closed) {
      return;
    }
    const context = this.#context;
    const source = context.createMediaStreamSource(stream);
    const capture = new AudioWorkletNode(context, "mulaw-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    // The capture node must be pulled by the graph to run, but its (silent) output must never reach the speakers.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(capture);
    capture.connect(mute);
    mute.connect(context.destination);
    const playback = new AudioWorkletNode(context, "mulaw-playback", {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    playback.connect(context.destination);
    capture.port.onmessage = (event) => this.#onCaptureMessage(event.data);
    playback.port.onmessage = (event) => this.#onPlaybackMessage(event.data);
    this.#captureNode = capture;
    this.#playbackNode = playback;
    this.#graph = [source, capture, mute, playback];
  }

  /** Queues the agent's μ-law audio for playback (the buffer is transferred). */
  play(bytes) {
    if (this.#playbackNode && bytes.length > 0) {
      this.#playbackNode.port.postMessage({ type: "audio", bytes }, [bytes.buffer]);
    }
  }

  /** Queues a mark behind the audio queued so far; false when there is no player to queue it on. */
  queueMark(name) {
    if (!this.#playbackNode) {
      return false;
    }
    this.#playbackNode.port.postMessage({ type: "mark", name });
    return true;
  }

  /** Drops everything queued for playback; the player reports the marks it held through onCleared. */
  clear() {
    if (this.#playbackNode) {
      this.#playbackNode.port.postMessage({ type: "clear" });
    }
  }

  close() {
    this.#closed = true;
    this.#stopMicrophone();
    for (const node of this.#graph) {
      try {
        node.disconnect();
      } catch {
        // already disconnected
      }
    }
    if (this.#captureNode) {
      this.#captureNode.port.onmessage = null;
    }
    if (this.#playbackNode) {
      this.#playbackNode.port.onmessage = null;
    }
    this.#graph = [];
    if (this.#context.state !== "closed") {
      this.#context.close().catch(() => {});
    }
  }

  #onCaptureMessage(message) {
    if (message.type === "frame") {
      this.#handlers.onFrame(message.bytes);
    } else if (message.type === "level") {
      this.#handlers.onInputLevel(message.rms);
    }
  }

  #onPlaybackMessage(message) {
    switch (message.type) {
      case "mark":
        this.#handlers.onMarkPlayed(message.name);
        break;
      case "cleared":
        this.#handlers.onCleared(message.marks, message.droppedBytes);
        break;
      case "played":
        this.#handlers.onPlayed(message.totalBytes, message.level);
        break;
      default:
        break;
    }
  }

  #stopMicrophone() {
    if (this.#microphone) {
      for (const track of this.#microphone.getTracks()) {
        track.stop();
      }
      this.#microphone = null;
    }
  }
}
