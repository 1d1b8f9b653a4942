// The media socket, with the page in Twilio's part: it speaks Twilio Media Streams to the server to the letter
// (connected, start, 20 ms media frames, mark echoes, dtmf, stop) and checks what the server sends back against the
// shapes Twilio accepts (docs/reference/twilio-media-streams.md).

import { base64FromBytes, bytesFromBase64 } from "./dsp.js";
import { PlaygroundError } from "./playground-error.js";

const FRAME_MS = 20;
const SOCKET_OPEN_TIMEOUT_MS = 15000;

function randomHex(bytes) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, "0")).join("");
}

/** Fresh Twilio-shaped ids for one call: {streamSid, accountSid, callSid}. */
export function newTwilioIds() {
  return {
    streamSid: `MZ${randomHex(16)}`,
    accountSid: `AC${randomHex(16)}`,
    callSid: `CA${randomHex(16)}`,
  };
}

export function closeDescription(code, reason) {
  return reason ? `socket closed ${code}: ${reason}` : `socket closed ${code}`;
}

// The exact outbound shapes Twilio accepts from a server (docs/reference/twilio-media-streams.md §4); anything else is counted.
const SERVER_MESSAGE_SHAPES = {
  media: { keys: ["event", "streamSid", "media"], inner: "media", innerKeys: ["payload"] },
  mark: { keys: ["event", "streamSid", "mark"], inner: "mark", innerKeys: ["name"] },
  clear: { keys: ["event", "streamSid"] },
};

function shapeProblem(message, streamSid) {
  const shape = SERVER_MESSAGE_SHAPES[message.event];
  if (!shape) {
    return `unknown event ${JSON.stringify(message.event)}`;
  }
  const keys = Object.keys(message);
  if (keys.length !== shape.keys.length || !shape.keys.every((key) => keys.includes(key))) {
    return `${message.event} has fields ${keys.join(", ")}; expected ${shape.keys.join(", ")}`;
  }
  if (message.streamSid !== streamSid) {
    return `${message.event} carries streamSid ${message.streamSid}, not ${streamSid}`;
  }
  if (shape.inner) {
    const inner = message[shape.inner];
    const innerKeys = inner && typeof inner === "object" ? Object.keys(inner) : null;
    if (!innerKeys || innerKeys.length !== shape.innerKeys.length || !shape.innerKeys.every((key) => innerKeys.includes(key)) ||
      typeof inner[shape.innerKeys[0]] !== "string") {
      return `${message.event}.${shape.inner} must be {${shape.innerKeys.join(", ")}} with a string value`;
    }
  }
  return null;
}

/**
 * One media socket, opened at once on `mediaStreamPath` with the live view's id. It tells its owner, through
 * `handlers`, what happens: onOpen(), onOpenTimeout(), onMedia(bytes), onMark(name), onClear(),
 * onProtocolError(problem) and onClose(event). Sends return whether the message went out.
 */
export class MediaStreamSocket {
  #socket;
  #ids;
  #handlers;
  #opened = false;
  #streaming = false;
  #sequence = 0;
  #chunk = 0;
  #firstTimestamp = 0;
  #startedAt = 0;
  #openTimer = 0;

  constructor({ server, mediaStreamPath, liveViewId, ids }, handlers) {
    const url = new URL(mediaStreamPath, `${server}/`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("liveView", liveViewId);
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (error) {
      throw new PlaygroundError(`The media socket could not be opened: ${error && error.message ? error.message : error}`);
    }
    this.#socket = socket;
    this.#ids = ids;
    this.#handlers = handlers;
    this.#openTimer = setTimeout(() => {
      if (!this.#opened) {
        handlers.onOpenTimeout();
      }
    }, SOCKET_OPEN_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(this.#openTimer);
      this.#opened = true;
      handlers.onOpen();
    });
    socket.addEventListener("message", (event) => this.#onMessage(event.data));
    socket.addEventListener("close", (event) => {
      clearTimeout(this.#openTimer);
      this.#streaming = false;
      handlers.onClose(event);
    });
  }

  /** True once the socket has opened (a close before that is a refusal). */
  get opened() {
    return this.#opened;
  }

  get isOpen() {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  get isClosed() {
    return this.#socket.readyState === WebSocket.CLOSED;
  }

  /** Twilio's connected and start (the agent settings as customParameters); media may flow from here on. */
  begin(customParameters) {
    const { streamSid, accountSid, callSid } = this.#ids;
    this.#send({ event: "connected", protocol: "Call", version: "1.0.0" });
    this.#startedAt = performance.now();
    this.#send({
      event: "start",
      sequenceNumber: this.#nextSequence(),
      start: {
        accountSid,
        streamSid,
        callSid,
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { ...customParameters },
      },
      streamSid,
    });
    this.#streaming = true;
  }

  /** One 20 ms μ-law frame of the caller's audio, if the stream has started and not stopped. */
  sendFrame(bytes) {
    if (!this.#streaming) {
      return false; // frames before start, or after stop, are not part of the stream
    }
    this.#chunk++;
    if (this.#chunk === 1) {
      // Like Twilio, the first timestamp is the time since start; then audio time, 20 ms a frame, with no jitter.
      this.#firstTimestamp = Math.max(0, Math.round(performance.now() - this.#startedAt));
    }
    return this.#send({
      event: "media",
      sequenceNumber: this.#nextSequence(),
      media: {
        track: "inbound",
        chunk: String(this.#chunk),
        timestamp: String(this.#firstTimestamp + (this.#chunk - 1) * FRAME_MS),
        payload: base64FromBytes(bytes),
      },
      streamSid: this.#ids.streamSid,
    });
  }

  /** Returns a mark to the server, as Twilio does once the audio before it has played. */
  echoMark(name) {
    return this.#send({
      event: "mark",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.#ids.streamSid,
      mark: { name },
    });
  }

  /** A keypad digit as Twilio's dtmf event, while the stream runs. */
  sendDigit(digit) {
    const text = String(digit);
    if (!/^[0-9*#]$/.test(text) || !this.#streaming) {
      return false;
    }
    return this.#send({
      event: "dtmf",
      streamSid: this.#ids.streamSid,
      sequenceNumber: this.#nextSequence(),
      dtmf: { track: "inbound_track", digit: text },
    });
  }

  /** Ends the stream as a caller hanging up: Twilio's stop, then a normal close. */
  hangUp() {
    this.#streaming = false;
    this.#send({
      event: "stop",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.#ids.streamSid,
      stop: { accountSid: this.#ids.accountSid, callSid: this.#ids.callSid },
    });
    this.#socket.close(1000, "caller hung up");
  }

  /** Stops the stream and closes the socket, with a code and reason when given. */
  close(code, reason) {
    this.#streaming = false;
    clearTimeout(this.#openTimer);
    if (code === undefined) {
      this.#socket.close();
    } else {
      this.#socket.close(code, reason);
    }
  }

  #onMessage(data) {
    if (typeof data !== "string") {
      this.#handlers.onProtocolError("binary frame (Twilio only accepts JSON text frames)");
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      this.#handlers.onProtocolError("message is not JSON");
      return;
    }
    if (!message || typeof message !== "object" || Array.isArray(message)) {
      this.#handlers.onProtocolError("message is not a JSON object");
      return;
    }
    const problem = shapeProblem(message, this.#ids.streamSid);
    if (problem) {
      this.#handlers.onProtocolError(problem);
    }
    switch (message.event) {
      case "media": {
        const payload = message.media && message.media.payload;
        if (typeof payload !== "string") {
          return;
        }
        let bytes;
        try {
          bytes = bytesFromBase64(payload);
        } catch {
          this.#handlers.onProtocolError("media payload is not base64");
          return;
        }
        this.#handlers.onMedia(bytes);
        break;
      }
      case "mark": {
        const name = message.mark && message.mark.name;
        if (typeof name !== "string") {
          return;
        }
        this.#handlers.onMark(name);
        break;
      }
      case "clear":
        this.#handlers.onClear();
        break;
      default:
        break;
    }
  }

  #send(message) {
    if (this.#socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  #nextSequence() {
    this.#sequence++;
    return String(this.#sequence);
  }
}
