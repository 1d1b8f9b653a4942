// Signal processing for the playground: G.711 μ-law, base64 and a streaming windowed-sinc resampler.
// Pure module with no DOM use, so the page and the audio worklets import the same code.

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

/** μ-law byte of digital silence (the encoding of 0). */
export const MULAW_SILENCE = 0xff;

/** G.711 μ-law encode: a 16-bit linear sample (clamped, truncated to an integer) to one byte. */
export function muLawEncode(sample16) {
  let sample = sample16 | 0;
  let sign = 0;
  if (sample < 0) {
    sign = 0x80;
    sample = -sample;
  }
  if (sample > MULAW_CLIP) {
    sample = MULAW_CLIP;
  }
  sample += MULAW_BIAS;
  // The segment (exponent) is the position of the highest set bit above bit 7; the bias guarantees bit 7 or higher.
  const exponent = 24 - Math.clz32(sample);
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeByte(byte) {
  const value = ~byte & 0xff;
  const exponent = (value >> 4) & 0x07;
  const magnitude = ((((value & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return value & 0x80 ? -magnitude : magnitude;
}

/** The 256 μ-law bytes decoded to 16-bit linear samples. */
export const MULAW_DECODE_TABLE = new Int16Array(256);

/** The same table scaled to floats in [-1, 1), for Web Audio. */
export const MULAW_DECODE_FLOAT = new Float32Array(256);

for (let byte = 0; byte < 256; byte++) {
  MULAW_DECODE_TABLE[byte] = decodeByte(byte);
  MULAW_DECODE_FLOAT[byte] = MULAW_DECODE_TABLE[byte] / 32768;
}

/** G.711 μ-law decode: one byte to a 16-bit linear sample. */
export function muLawDecode(byte) {
  return MULAW_DECODE_TABLE[byte & 0xff];
}

/** Encodes floats in [-1, 1] to μ-law bytes: count samples from input into output (no allocation). */
export function muLawEncodeFloats(input, output, count = input.length, outputOffset = 0) {
  for (let i = 0; i < count; i++) {
    output[outputOffset + i] = muLawEncode(floatToInt16(input[i]));
  }
}

/** A float sample in [-1, 1] to a rounded, clamped 16-bit integer. */
export function floatToInt16(value) {
  const scaled = Math.round(value * 32768);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}

// Base64 by hand: AudioWorkletGlobalScope has neither btoa nor atob, and this avoids the binary-string detour.
const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) {
  BASE64_VALUES[BASE64_ALPHABET.charCodeAt(i)] = i;
}

/** Standard base64 (with padding) of a byte array. */
export function base64FromBytes(bytes) {
  const length = bytes.length;
  const parts = [];
  let text = "";
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const triple = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    text += BASE64_ALPHABET[triple >> 18] + BASE64_ALPHABET[(triple >> 12) & 63] +
      BASE64_ALPHABET[(triple >> 6) & 63] + BASE64_ALPHABET[triple & 63];
    // Flush now and then so long inputs do not build one huge rope string.
    if (text.length >= 8192) {
      parts.push(text);
      text = "";
    }
  }
  const rest = length - i;
  if (rest === 1) {
    const value = bytes[i] << 16;
    text += BASE64_ALPHABET[value >> 18] + BASE64_ALPHABET[(value >> 12) & 63] + "==";
  } else if (rest === 2) {
    const value = (bytes[i] << 16) | (bytes[i + 1] << 8);
    text += BASE64_ALPHABET[value >> 18] + BASE64_ALPHABET[(value >> 12) & 63] + BASE64_ALPHABET[(value >> 6) & 63] + "=";
  }
  parts.push(text);
  return parts.join("");
}

/** Bytes of a standard base64 string. Padding is optional, whitespace is skipped; other characters throw. */
export function bytesFromBase64(text) {
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let count = 0;
  let accumulator = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 61) {
      break; // "=": padding ends the data
    }
    const value = code < 128 ? BASE64_VALUES[code] : -1;
    if (value < 0) {
      if (code === 32 || code === 9 || code === 10 || code === 13) {
        continue;
      }
      throw new Error(`Invalid base64 character at ${i}.`);
    }
    accumulator = ((accumulator << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[count++] = (accumulator >> bits) & 0xff;
    }
  }
  return count === bytes.length ? bytes : bytes.slice(0, count);
}

function greatestCommonDivisor(a, b) {
  while (b) {
    [a, b] = [b, a % b];
  }
  return a;
}

// Zeroth-order modified Bessel function of the first kind, for the Kaiser window.
function besselI0(x) {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
    if (term < sum * 1e-17) {
      break;
    }
  }
  return sum;
}

// Kaiser's empirical formula for the window's shape parameter from the stopband attenuation in dB.
function kaiserBeta(attenuationDb) {
  if (attenuationDb > 50) {
    return 0.1102 * (attenuationDb - 8.7);
  }
  if (attenuationDb >= 21) {
    return 0.5842 * Math.pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21);
  }
  return 0;
}

// Beyond this many phases the exact rational table grows too big; the ratio is then approximated (odd rates only).
const MAX_PHASES = 4096;

/**
 * Streaming sample-rate converter: a Kaiser-windowed sinc low-pass evaluated as a polyphase filter.
 *
 * The rate ratio is kept as an exact fraction (up / down), so output sample n sits at input position n·down/up with
 * no drift, and the phase table holds one row of taps per distinct fractional position. The low-pass cutoff sits at
 * `cutoff` × the lower Nyquist frequency (0.9 by default) and the stopband starts at that Nyquist frequency, so
 * anything that would alias (down) or image (up) is attenuated by about `attenuationDb`.
 *
 * History is kept between calls, so feeding a signal in blocks of any size gives the same output as one call.
 * Output sample n represents input time n·inputRate/outputRate − `delay` input samples.
 */
export class Resampler {
  constructor(inputRate, outputRate, options = {}) {
    if (!(inputRate > 0) || !(outputRate > 0) || !Number.isFinite(inputRate) || !Number.isFinite(outputRate)) {
      throw new RangeError("Resampler rates must be positive numbers.");
    }
    const cutoff = options.cutoff ?? 0.9;
    const attenuationDb = options.attenuationDb ?? 80;
    if (!(cutoff > 0 && cutoff < 1)) {
      throw new RangeError("cutoff must be between 0 and 1 (a fraction of the lower Nyquist frequency).");
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;

    let up;
    let down;
    if (Number.isInteger(inputRate) && Number.isInteger(outputRate)) {
      const divisor = greatestCommonDivisor(inputRate, outputRate);
      up = outputRate / divisor;
      down = inputRate / divisor;
    }
    if (up === undefined || up > MAX_PHASES) {
      up = MAX_PHASES;
      down = Math.max(1, Math.round((inputRate / outputRate) * MAX_PHASES));
    }
    this.up = up;
    this.down = down;
    this.stepWhole = Math.floor(down / up);
    this.stepFraction = down % up;

    const nyquist = Math.min(inputRate, outputRate) / 2;
    const cutoffHz = cutoff * nyquist;
    const transitionHz = options.transitionHz ?? 2 * (nyquist - cutoffHz);
    // Kaiser's length estimate, N = (A − 8) / (2.285 · Δω), expressed as a duration so it holds for any rate.
    const filterSeconds = (attenuationDb - 8) / (2.285 * 2 * Math.PI * transitionHz);
    const halfWidth = Math.max(1, (filterSeconds * inputRate) / 2); // in input samples
    const centre = Math.ceil(halfWidth);
    const taps = 2 * centre + 1;
    this.taps = taps;
    /** Group delay in input samples. */
    this.delay = centre;

    const beta = kaiserBeta(attenuationDb);
    const windowScale = 1 / besselI0(beta);
    const normalisedCutoff = (2 * cutoffHz) / inputRate; // cutoff as a fraction of the input Nyquist
    const coefficients = new Float32Array(up * taps);
    for (let phase = 0; phase < up; phase++) {
      const fraction = phase / up;
      let sum = 0;
      for (let tap = 0; tap < taps; tap++) {
        // Tap k of this phase weighs input sample (position − k); its distance from the output instant is tau.
        const tau = fraction + tap - centre;
        const x = tau / halfWidth;
        let value = 0;
        if (x >= -1 && x <= 1) {
          const argument = Math.PI * normalisedCutoff * tau;
          const sinc = argument === 0 ? 1 : Math.sin(argument) / argument;
          value = normalisedCutoff * sinc * besselI0(beta * Math.sqrt(1 - x * x)) * windowScale;
        }
        coefficients[phase * taps + tap] = value;
        sum += value;
      }
      // Unit gain at DC for every phase, so a constant input gives a constant output.
      for (let tap = 0; tap < taps; tap++) {
        coefficients[phase * taps + tap] /= sum;
      }
    }
    this.coefficients = coefficients;
    this.passthrough = up === 1 && down === 1 && options.filterEqualRates !== true;
    this.work = new Float32Array(taps - 1 + 1024);
    this.reset();
  }

  /** Forgets the history, as if the converter had just been created. */
  reset() {
    this.work.fill(0);
    this.position = this.taps - 1; // index in `work` of the newest input sample the next output needs
    this.phase = 0; // fractional part of the position, in 1/up of an input sample
  }

  /** The most output samples `inputLength` input samples can produce in one call. */
  maxOutputLength(inputLength) {
    return Math.ceil(((inputLength + 1) * this.up) / this.down) + 1;
  }

  /** Converts one block; returns a new array with the output samples it completes. */
  process(input) {
    const output = new Float32Array(this.maxOutputLength(input.length));
    const count = this.processInto(input, output);
    return count === output.length ? output : output.slice(0, count);
  }

  /**
   * Converts the first `length` samples of `input` into `output` (sized with maxOutputLength) and returns how many
   * samples were written. Allocates nothing unless a block is larger than any seen before.
   */
  processInto(input, output, length = input.length) {
    if (this.passthrough) {
      output.set(length === input.length ? input : input.subarray(0, length));
      return length;
    }
    if (output.length < this.maxOutputLength(length)) {
      throw new RangeError("Resampler output array is too small; size it with maxOutputLength().");
    }
    const history = this.taps - 1;
    if (this.work.length < history + length) {
      const grown = new Float32Array(history + length);
      grown.set(this.work.subarray(0, history));
      this.work = grown;
    }
    const work = this.work;
    for (let i = 0; i < length; i++) {
      work[history + i] = input[i];
    }
    const end = history + length;
    const taps = this.taps;
    const coefficients = this.coefficients;
    const up = this.up;
    const stepWhole = this.stepWhole;
    const stepFraction = this.stepFraction;
    let position = this.position;
    let phase = this.phase;
    let count = 0;
    while (position < end) {
      const row = phase * taps;
      let sum = 0;
      for (let tap = 0; tap < taps; tap++) {
        sum += work[position - tap] * coefficients[row + tap];
      }
      output[count++] = sum;
      position += stepWhole;
      phase += stepFraction;
      if (phase >= up) {
        phase -= up;
        position++;
      }
    }
    // Keep the last taps − 1 samples as the history for the next block.
    work.copyWithin(0, length, end);
    this.position = position - length;
    this.phase = phase;
    return count;
  }
}
