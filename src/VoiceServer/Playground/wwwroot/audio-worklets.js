// Audio-thread half of the playground: microphone → μ-law frames, and a μ-law jitter buffer → speakers.
// Both processors speak to the page through their MessagePort; the page owns the Twilio protocol.

import { MULAW_DECODE_FLOAT, Resampler, floatToInt16, muLawEncode } from "./dsp.js";

const TELEPHONY_RATE = 8000;
const FRAME_BYTES = 160; // 20 ms of μ-law at 8 kHz, the frame size Twilio sends
const REPORTS_PER_SECOND = 10;

/**
 * Microphone capture. Averages the input channels, converts the context rate to 8 kHz, encodes μ-law and posts
 * exact 160-byte frames: {type:"frame", bytes:Uint8Array} (buffer transferred). Also posts {type:"level", rms}
 * about ten times a second for the level meter.
 */
class MuLawCaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.resampler = new Resampler(sampleRate, TELEPHONY_RATE);
    this.mono = new Float32Array(128);
    this.resampled = new Float32Array(this.resampler.maxOutputLength(128));
    this.frame = new Uint8Array(FRAME_BYTES);
    this.frameFill = 0;
    this.levelSum = 0;
    this.levelFrames = 0;
    this.levelInterval = Math.round(sampleRate / REPORTS_PER_SECOND);
  }

  process(inputs) {
    const input = inputs[0];
    const channels = input ? input.length : 0;
    const frames = channels > 0 ? input[0].length : 128;
    if (this.mono.length < frames) {
      this.mono = new Float32Array(frames);
      this.resampled = new Float32Array(this.resampler.maxOutputLength(frames));
    }
    const mono = this.mono;
    if (channels === 0) {
      // No live input (track ended or not yet connected): keep the 20 ms cadence with silence, as Twilio does.
      mono.fill(0, 0, frames);
    } else {
      const scale = 1 / channels;
      const first = input[0];
      for (let i = 0; i < frames; i++) {
        let sum = first[i];
        for (let channel = 1; channel < channels; channel++) {
          sum += input[channel][i];
        }
        mono[i] = sum * scale;
      }
    }

    let squares = 0;
    for (let i = 0; i < frames; i++) {
      squares += mono[i] * mono[i];
    }
    this.levelSum += squares;
    this.levelFrames += frames;
    if (this.levelFrames >= this.levelInterval) {
      this.port.postMessage({ type: "level", rms: Math.sqrt(this.levelSum / this.levelFrames) });
      this.levelSum = 0;
      this.levelFrames = 0;
    }

    const count = this.resampler.processInto(mono, this.resampled, frames);
    const resampled = this.resampled;
    for (let i = 0; i < count; i++) {
      this.frame[this.frameFill++] = muLawEncode(floatToInt16(resampled[i]));
      if (this.frameFill === FRAME_BYTES) {
        const bytes = this.frame;
        this.port.postMessage({ type: "frame", bytes }, [bytes.buffer]);
        this.frame = new Uint8Array(FRAME_BYTES);
        this.frameFill = 0;
      }
    }
    return true;
  }
}

// Playback starts once this much is buffered, or this long after the first byte arrived (so a short reply plays).
const START_BYTES = 480; // 60 ms
const START_WAIT_SECONDS = 0.1;
const FEED_BYTES = 32; // μ-law bytes decoded and resampled per refill (4 ms)

/**
 * Jitter buffer and player for the server's audio, playing Twilio's part.
 *
 * Messages in: {type:"audio", bytes:Uint8Array} (μ-law, 8 kHz), {type:"mark", name}, {type:"clear"}.
 * Messages out: {type:"mark", name} once every byte queued before the mark has been output (at once when nothing is
 * queued); {type:"cleared", marks:[…], droppedBytes} at once on clear; {type:"played", bytes, totalBytes, level}
 * about ten times a second, where bytes is the μ-law bytes output since the previous report and totalBytes the sum.
 *
 * Positions are counted in μ-law bytes "fed" to the resampler since the last reset. Marks keep their place in the
 * audio stream as the fed position at which the audio queued before them ends, so they stay in order with the audio.
 * An output frame n represents fed position n·8000/sampleRate − delay, which is how far playback has really got.
 */
class MuLawPlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.resampler = new Resampler(TELEPHONY_RATE, sampleRate);
    this.bytesPerFrame = TELEPHONY_RATE / sampleRate;
    this.decoded = new Float32Array(FEED_BYTES);
    this.pending = new Float32Array(this.resampler.maxOutputLength(FEED_BYTES));
    this.pendingStart = 0;
    this.pendingEnd = 0;
    this.chunks = []; // queued Uint8Array chunks not yet fed, oldest first
    this.chunkOffset = 0; // bytes of chunks[0] already fed
    this.queuedBytes = 0;
    this.marks = []; // {name, at}: pending marks in order, `at` = fed position the mark waits for
    this.fed = 0; // bytes fed to the resampler, audio and tail-flushing silence alike
    this.realFed = 0; // audio bytes only
    this.audioEnd = 0; // fed position just after the last audio byte
    this.emitted = 0; // output frames produced from the resampler
    this.playedBefore = 0; // audio bytes played before the last reset
    this.playing = false;
    this.bufferingSince = -1;
    this.reportedTotal = 0;
    this.levelSum = 0;
    this.levelFrames = 0;
    this.lastLevel = 0;
    this.reportInterval = Math.round(sampleRate / REPORTS_PER_SECOND);
    this.port.onmessage = (event) => this.receive(event.data);
  }

  receive(message) {
    switch (message && message.type) {
      case "audio": {
        const bytes = message.bytes;
        if (!bytes || bytes.length === 0) {
          return;
        }
        this.chunks.push(bytes);
        this.queuedBytes += bytes.length;
        if (!this.playing && this.bufferingSince < 0) {
          this.bufferingSince = currentTime;
        }
        return;
      }
      case "mark": {
        // Queued audio is fed right after what is already fed, so it ends at fed + queued; with nothing queued
        // the mark waits only for the audio already in the pipeline.
        const at = this.queuedBytes > 0 ? this.fed + this.queuedBytes : this.audioEnd;
        if (this.marks.length === 0 && at <= this.playedPosition()) {
          this.port.postMessage({ type: "mark", name: message.name });
        } else {
          this.marks.push({ name: message.name, at });
        }
        return;
      }
      case "clear": {
        // Played and dropped are computed from the same count, so together they are exactly what arrived.
        const played = this.audioPlayed();
        const droppedBytes = this.queuedBytes + this.realFed - played;
        const marks = this.marks.map((mark) => mark.name);
        this.playedBefore += played;
        this.chunks = [];
        this.chunkOffset = 0;
        this.queuedBytes = 0;
        this.marks = [];
        this.resampler.reset();
        this.pendingStart = 0;
        this.pendingEnd = 0;
        this.fed = 0;
        this.realFed = 0;
        this.audioEnd = 0;
        this.emitted = 0;
        this.playing = false;
        this.bufferingSince = -1;
        this.port.postMessage({ type: "cleared", marks, droppedBytes });
        return;
      }
      default:
        return;
    }
  }

  // Fed position that playback has reached (fractional bytes).
  playedPosition() {
    return Math.max(0, this.emitted * this.bytesPerFrame - this.resampler.delay);
  }

  // Audio bytes output since the last reset (the flushing silence after each stretch of audio is not counted).
  audioPlayed() {
    const unplayed = Math.max(0, this.audioEnd - this.playedPosition());
    return Math.max(0, Math.floor(this.realFed - Math.min(unplayed, this.realFed)));
  }

  // Decodes and resamples the next few bytes into `pending`. Returns false when there is nothing left to play.
  refill() {
    let count = 0;
    if (this.queuedBytes > 0) {
      while (count < FEED_BYTES && this.chunks.length > 0) {
        const chunk = this.chunks[0];
        const take = Math.min(FEED_BYTES - count, chunk.length - this.chunkOffset);
        for (let i = 0; i < take; i++) {
          this.decoded[count + i] = MULAW_DECODE_FLOAT[chunk[this.chunkOffset + i]];
        }
        count += take;
        this.chunkOffset += take;
        if (this.chunkOffset === chunk.length) {
          this.chunks.shift();
          this.chunkOffset = 0;
        }
      }
      this.queuedBytes -= count;
      this.realFed += count;
      this.fed += count;
      this.audioEnd = this.fed;
    } else if (this.playedPosition() < this.audioEnd) {
      // The filter still holds the end of the audio: push it out with silence so it plays and its marks return.
      count = Math.min(FEED_BYTES, this.resampler.delay + 1);
      this.decoded.fill(0, 0, count);
      this.fed += count;
    } else {
      return false;
    }
    this.pendingStart = 0;
    this.pendingEnd = this.resampler.processInto(this.decoded, this.pending, count);
    return true;
  }

  process(inputs, outputs) {
    const output = outputs[0];
    const channel = output && output[0];
    if (!channel) {
      return true;
    }
    const frames = channel.length;
    if (!this.playing && this.queuedBytes > 0 &&
      (this.queuedBytes >= START_BYTES || currentTime - this.bufferingSince >= START_WAIT_SECONDS)) {
      this.playing = true;
      this.bufferingSince = -1;
    }
    let written = 0;
    while (this.playing && written < frames) {
      if (this.pendingStart < this.pendingEnd) {
        const count = Math.min(frames - written, this.pendingEnd - this.pendingStart);
        channel.set(this.pending.subarray(this.pendingStart, this.pendingStart + count), written);
        this.pendingStart += count;
        this.emitted += count;
        written += count;
      } else if (!this.refill()) {
        // Underrun: silence until enough is buffered again.
        this.playing = false;
        this.bufferingSince = this.queuedBytes > 0 ? currentTime : -1;
      }
    }
    channel.fill(0, written);
    for (let extra = 1; extra < output.length; extra++) {
      output[extra].set(channel);
    }

    if (this.marks.length > 0) {
      const position = this.playedPosition();
      while (this.marks.length > 0 && this.marks[0].at <= position) {
        this.port.postMessage({ type: "mark", name: this.marks.shift().name });
      }
    }

    let squares = 0;
    for (let i = 0; i < frames; i++) {
      squares += channel[i] * channel[i];
    }
    this.levelSum += squares;
    this.levelFrames += frames;
    if (this.levelFrames >= this.reportInterval) {
      const level = Math.sqrt(this.levelSum / this.levelFrames);
      const total = this.playedBefore + this.audioPlayed();
      const bytes = Math.max(0, total - this.reportedTotal);
      if (bytes > 0 || level > 0 || this.lastLevel > 0) {
        this.port.postMessage({ type: "played", bytes, totalBytes: Math.max(total, this.reportedTotal), level });
      }
      this.reportedTotal = Math.max(total, this.reportedTotal);
      this.lastLevel = level;
      this.levelSum = 0;
      this.levelFrames = 0;
    }
    return true;
  }
}

registerProcessor("mulaw-capture", MuLawCaptureProcessor);
registerProcessor("mulaw-playback", MuLawPlaybackProcessor);
