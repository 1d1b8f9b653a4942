// voice-server playground: talk to an agent from the browser microphone.
// The page plays Twilio's part on the media socket (connected, start, media, mark, stop) over the same
// endpoint a phone call uses, and follows the call through the server's live view (Server-Sent Events).
//
// Embedding: <script type="module" src="https://voice.example.com/playground/voice-playground.js"></script>
//            <voice-playground></voice-playground>

import { base64FromBytes, bytesFromBase64 } from "./dsp.js";

const MODULE_ORIGIN = new URL(import.meta.url).origin;
const WORKLET_URL = new URL("./audio-worklets.js", import.meta.url);

const VOICES = ["alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse"];
const DEFAULT_VOICE = "marin";
const DEFAULT_AGENT_ID = "playground";
const SETTING_NAMES = ["agentId", "prompt", "voice", "greeting", "openAIKey", "config"];

const STATES = ["idle", "connecting", "waiting", "connected", "ready", "ended", "error"];
const ACTIVE_STATES = new Set(["connecting", "waiting", "connected", "ready"]);

const FRAME_MS = 20;
const LIVE_VIEW_OPEN_WAIT_MS = 3000; // how long the socket waits for the live view to attach before going ahead
const LIVE_VIEW_END_WAIT_MS = 3000; // how long after the socket closed the live view may take to say why
const SOCKET_OPEN_TIMEOUT_MS = 15000;
const STATS_INTERVAL_MS = 100;

/** An error whose message is meant for the user. */
class PlaygroundError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = "PlaygroundError";
    Object.assign(this, details);
  }
}

function randomHex(bytes) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, "0")).join("");
}

function normaliseServer(server) {
  const url = new URL(server || MODULE_ORIGIN, typeof location === "undefined" ? MODULE_ORIGIN : location.href);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

function initialStats(state = "idle") {
  return {
    state,
    framesSent: 0,
    bytesSent: 0,
    mediaReceived: 0,
    bytesReceived: 0,
    bytesPlayed: 0,
    marksReceived: 0,
    marksEchoed: 0,
    clears: 0,
    bytesCleared: 0,
    bargeIns: 0,
    inputLevel: 0,
    outputLevel: 0,
    closeCode: null,
    closeReason: null,
    endReason: null,
    protocolErrors: 0,
  };
}

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

function closeDescription(code, reason) {
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
 * One playground call, without any DOM. Events (all CustomEvent, data in `detail`):
 * "state" {state, message}, "turn" (a turn snapshot), "speech" {speaker, state}, "stats" (a stats snapshot),
 * "ended" {reason, detail, durationMs, closeCode, closeReason}, "error" {message}.
 */
export class PlaygroundCall extends EventTarget {
  #server;
  #settings;
  #accessKey;
  #stats;
  #state = "idle";
  #message = "";
  #started = false;
  #finished = false;
  #hungUp = false;
  #context = null;
  #microphone = null;
  #captureNode = null;
  #playbackNode = null;
  #graph = [];
  #liveView = null;
  #liveViewEnded = null;
  #liveViewDone = null;
  #liveViewClosedSignal = null;
  #socket = null;
  #socketOpened = false;
  #streaming = false;
  #sequence = 0;
  #chunk = 0;
  #firstTimestamp = 0;
  #startedAt = 0;
  #statsTimer = 0;
  #socketTimer = 0;
  #endedDetail = null;

  constructor({ server, settings = {}, accessKey = "" } = {}) {
    super();
    this.#server = normaliseServer(server);
    this.#settings = {};
    for (const name of SETTING_NAMES) {
      const value = settings[name] === undefined || settings[name] === null ? "" : String(settings[name]).trim();
      if (value !== "") {
        this.#settings[name] = value;
      }
    }
    this.#accessKey = accessKey ? String(accessKey).trim() : "";
    this.#stats = initialStats();
    this.streamSid = `MZ${randomHex(16)}`;
    this.accountSid = `AC${randomHex(16)}`;
    this.callSid = `CA${randomHex(16)}`;
    this.liveViewId = null;
    this.callId = null;
    /** Turn snapshots by id, in arrival order. */
    this.turns = new Map();
    this.#liveViewDone = new Promise((resolve) => {
      this.#liveViewClosedSignal = resolve;
    });
  }

  get server() {
    return this.#server;
  }

  /** The agent settings sent in start.customParameters (non-empty ones only). */
  get settings() {
    return { ...this.#settings };
  }

  get state() {
    return this.#state;
  }

  /** The human sentence that goes with the state. */
  get message() {
    return this.#message;
  }

  /** True while the call is being set up or running. */
  get active() {
    return ACTIVE_STATES.has(this.#state);
  }

  get finished() {
    return this.#finished;
  }

  /** A snapshot of the live counters. */
  get stats() {
    return { ...this.#stats };
  }

  /** Opens the microphone, creates the call, attaches the live view and connects the media socket. Never rejects. */
  async start() {
    if (this.#started) {
      return;
    }
    this.#started = true;
    this.#setState("connecting", "Opening the microphone…");
    try {
      // Created and resumed before the first await, so the click that started the call still counts as the
      // user's gesture. Not awaited: without a gesture the promise may wait for one, and the call can proceed.
      this.#context = new AudioContext({ latencyHint: "interactive" });
      this.#context.resume().catch(() => {});
      await this.#openAudio();
      if (this.#finished) {
        return;
      }
      this.#setState("connecting", "Creating the call…");
      const call = await this.#createCall();
      if (this.#finished) {
        return;
      }
      this.liveViewId = call.liveViewId;
      await this.#openLiveView(call.liveViewId);
      if (this.#finished) {
        return;
      }
      this.#openSocket(call);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Ends the call as a caller hanging up: Twilio's stop, then a normal close. */
  hangUp() {
    if (this.#finished || this.#hungUp) {
      return;
    }
    this.#hungUp = true;
    const socket = this.#socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      this.#setState(this.#state, "Hanging up…");
      this.#streaming = false;
      this.#send({
        event: "stop",
        sequenceNumber: this.#nextSequence(),
        streamSid: this.streamSid,
        stop: { accountSid: this.accountSid, callSid: this.callSid },
      });
      socket.close(1000, "caller hung up");
      // The close event finishes the call.
      return;
    }
    if (socket) {
      socket.close();
    }
    this.#finish({ reason: "hung_up", detail: "Hung up before the call connected." });
  }

  /** Sends a keypad digit as Twilio's dtmf event. */
  sendDigit(digit) {
    const text = String(digit);
    if (!/^[0-9*#]$/.test(text) || !this.#streaming) {
      return false;
    }
    return this.#send({
      event: "dtmf",
      streamSid: this.streamSid,
      sequenceNumber: this.#nextSequence(),
      dtmf: { track: "inbound_track", digit: text },
    });
  }

  // ---- audio ----

  async #openAudio() {
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
    if (this.#finished) {
      this.#stopMicrophone();
      worklets.catch(() => {});
      return;
    }
    try {
      await worklets;
    } catch (error) {
      throw new PlaygroundError(`The audio worklets could not be loaded: ${error && error.message ? error.message : error}`);
    }
    if (this.#finished) {
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

  #onCaptureMessage(message) {
    if (message.type === "frame") {
      this.#sendFrame(message.bytes);
    } else if (message.type === "level") {
      this.#stats.inputLevel = message.rms;
      this.#statsChanged();
    }
  }

  #onPlaybackMessage(message) {
    switch (message.type) {
      case "mark":
        this.#echoMark(message.name);
        break;
      case "cleared":
        // Twilio returns every pending mark when clear flushes the queue.
        for (const name of message.marks) {
          this.#echoMark(name);
        }
        this.#stats.bytesCleared += message.droppedBytes;
        break;
      case "played":
        this.#stats.bytesPlayed = message.totalBytes;
        this.#stats.outputLevel = message.level;
        break;
      default:
        return;
    }
    this.#statsChanged();
  }

  #sendFrame(bytes) {
    if (!this.#streaming) {
      return; // frames before start, or after stop, are not part of the stream
    }
    this.#chunk++;
    if (this.#chunk === 1) {
      // Like Twilio, the first timestamp is the time since start; then audio time, 20 ms a frame, with no jitter.
      this.#firstTimestamp = Math.max(0, Math.round(performance.now() - this.#startedAt));
    }
    const sent = this.#send({
      event: "media",
      sequenceNumber: this.#nextSequence(),
      media: {
        track: "inbound",
        chunk: String(this.#chunk),
        timestamp: String(this.#firstTimestamp + (this.#chunk - 1) * FRAME_MS),
        payload: base64FromBytes(bytes),
      },
      streamSid: this.streamSid,
    });
    if (sent) {
      this.#stats.framesSent++;
      this.#stats.bytesSent += bytes.length;
      this.#statsChanged();
    }
  }

  #echoMark(name) {
    const sent = this.#send({
      event: "mark",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      mark: { name },
    });
    if (sent) {
      this.#stats.marksEchoed++;
      this.#statsChanged();
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

  #closeAudio() {
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
    if (this.#context && this.#context.state !== "closed") {
      this.#context.close().catch(() => {});
    }
  }

  // ---- HTTP and live view ----

  async #createCall() {
    const headers = { "Content-Type": "application/json" };
    if (this.#accessKey) {
      headers.Authorization = `Bearer ${this.#accessKey}`;
    }
    let response;
    try {
      response = await fetch(`${this.#server}/api/playground/calls`, { method: "POST", headers, body: "{}" });
    } catch (error) {
      throw new PlaygroundError(`Could not reach ${this.#server}: ${error && error.message ? error.message : error}`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const message = body && typeof body.message === "string" && body.message
        ? body.message
        : `The server refused the call (HTTP ${response.status}).`;
      throw new PlaygroundError(message, {
        status: response.status,
        code: body && body.error,
        field: body && body.field,
      });
    }
    if (!body || typeof body.liveViewId !== "string" || !body.liveViewId || typeof body.mediaStreamPath !== "string") {
      throw new PlaygroundError("The server's answer to the call request was not understood.");
    }
    return body;
  }

  #openLiveView(liveViewId) {
    return new Promise((resolve) => {
      let attached = false;
      const attach = () => {
        if (!attached) {
          attached = true;
          clearTimeout(timer);
          resolve();
        }
      };
      // Wait briefly for the stream so no event is missed, but never let the live view block the call.
      const timer = setTimeout(attach, LIVE_VIEW_OPEN_WAIT_MS);
      const url = `${this.#server}/api/playground/calls/${encodeURIComponent(liveViewId)}/events`;
      let source;
      try {
        source = new EventSource(url);
      } catch {
        this.#closeLiveView();
        attach();
        return;
      }
      this.#liveView = source;
      const on = (name, handler) => source.addEventListener(name, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        handler(data);
      });
      source.addEventListener("open", attach);
      on("call", (data) => {
        attach();
        this.#onLiveCall(data);
      });
      on("speech", (data) => this.dispatchEvent(new CustomEvent("speech", { detail: data })));
      on("turn", (data) => this.#onLiveTurn(data));
      on("bargein", (data) => {
        if (typeof data.count === "number") {
          this.#stats.bargeIns = data.count;
          this.#statsChanged();
        }
      });
      // A reconnect would not find the view again, and the server ends the stream after "ended": never retry.
      source.addEventListener("error", () => {
        this.#closeLiveView();
        attach();
      });
    });
  }

  #closeLiveView() {
    if (this.#liveView) {
      this.#liveView.close();
      this.#liveView = null;
    }
    this.#liveViewClosedSignal();
  }

  #onLiveCall(data) {
    switch (data.state) {
      case "waiting":
        this.#advance("waiting", "Waiting for the media socket…");
        break;
      case "connected":
        if (typeof data.callId === "string") {
          this.callId = data.callId;
        }
        this.#advance("connected", "Connected; starting the agent…");
        break;
      case "ready":
        this.#advance("ready", "Talk now: the agent is listening.");
        break;
      case "ended":
        this.#liveViewEnded = {
          reason: typeof data.reason === "string" ? data.reason : null,
          detail: typeof data.detail === "string" ? data.detail : null,
          durationMs: typeof data.durationMs === "number" ? data.durationMs : null,
        };
        this.#stats.endReason = this.#liveViewEnded.reason;
        this.#statsChanged();
        this.#closeLiveView();
        // The server closes the media socket itself; if it has not within a moment, stop waiting for it.
        setTimeout(() => {
          if (!this.#finished && this.#socket && this.#socket.readyState !== WebSocket.CLOSED) {
            this.#streaming = false;
            this.#socket.close(1000, "call ended");
          }
        }, LIVE_VIEW_END_WAIT_MS);
        break;
      default:
        break;
    }
  }

  #onLiveTurn(data) {
    if (!data || typeof data.id !== "string") {
      return;
    }
    const turn = {
      id: data.id,
      speaker: data.speaker === "agent" ? "agent" : "caller",
      text: typeof data.text === "string" ? data.text : null,
      final: data.final === true,
      interrupted: data.interrupted === true,
      keypad: data.keypad === true,
      latencyMs: typeof data.latencyMs === "number" ? data.latencyMs : null,
    };
    this.turns.set(turn.id, turn);
    this.dispatchEvent(new CustomEvent("turn", { detail: turn }));
  }

  // ---- media socket ----

  #openSocket(call) {
    const url = new URL(call.mediaStreamPath, `${this.#server}/`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("liveView", call.liveViewId);
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (error) {
      throw new PlaygroundError(`The media socket could not be opened: ${error && error.message ? error.message : error}`);
    }
    this.#socket = socket;
    this.#advance("waiting", "Connecting the media socket…");
    this.#socketTimer = setTimeout(() => {
      if (!this.#socketOpened && !this.#finished) {
        socket.close();
        this.#fail(new PlaygroundError("The media socket did not open in time."));
      }
    }, SOCKET_OPEN_TIMEOUT_MS);
    socket.addEventListener("open", () => this.#onSocketOpen());
    socket.addEventListener("message", (event) => this.#onSocketMessage(event.data));
    socket.addEventListener("close", (event) => this.#onSocketClose(event));
  }

  #onSocketOpen() {
    clearTimeout(this.#socketTimer);
    this.#socketOpened = true;
    if (this.#hungUp || this.#finished) {
      this.#socket.close(1000, "caller hung up");
      return;
    }
    this.#send({ event: "connected", protocol: "Call", version: "1.0.0" });
    this.#startedAt = performance.now();
    this.#send({
      event: "start",
      sequenceNumber: this.#nextSequence(),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { ...this.#settings },
      },
      streamSid: this.streamSid,
    });
    this.#streaming = true;
    // The live view normally says so first; this covers a live view that never attached.
    this.#advance("connected", "Connected; starting the agent…");
  }

  #onSocketMessage(data) {
    if (typeof data !== "string") {
      this.#protocolError("binary frame (Twilio only accepts JSON text frames)");
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      this.#protocolError("message is not JSON");
      return;
    }
    if (!message || typeof message !== "object" || Array.isArray(message)) {
      this.#protocolError("message is not a JSON object");
      return;
    }
    const problem = shapeProblem(message, this.streamSid);
    if (problem) {
      this.#protocolError(problem);
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
          this.#protocolError("media payload is not base64");
          return;
        }
        this.#stats.mediaReceived++;
        this.#stats.bytesReceived += bytes.length;
        if (this.#playbackNode && bytes.length > 0) {
          this.#playbackNode.port.postMessage({ type: "audio", bytes }, [bytes.buffer]);
        }
        break;
      }
      case "mark": {
        const name = message.mark && message.mark.name;
        if (typeof name !== "string") {
          return;
        }
        this.#stats.marksReceived++;
        // Queued behind the audio already sent to the player; it comes back when that audio has been played.
        if (this.#playbackNode) {
          this.#playbackNode.port.postMessage({ type: "mark", name });
        } else {
          this.#echoMark(name);
        }
        break;
      }
      case "clear":
        this.#stats.clears++;
        if (this.#playbackNode) {
          this.#playbackNode.port.postMessage({ type: "clear" });
        }
        break;
      default:
        return;
    }
    this.#statsChanged();
  }

  #protocolError(problem) {
    this.#stats.protocolErrors++;
    this.#statsChanged();
    console.warn(`voice-playground: the server sent an invalid Twilio message: ${problem}`);
  }

  async #onSocketClose(event) {
    clearTimeout(this.#socketTimer);
    this.#streaming = false;
    this.#stats.closeCode = event.code;
    this.#stats.closeReason = event.reason || null;
    this.#statsChanged();
    if (this.#finished) {
      return;
    }
    if (!this.#socketOpened) {
      this.#fail(new PlaygroundError(
        `The server refused the media socket (${closeDescription(event.code, event.reason)}).`));
      return;
    }
    // The call is over for the caller at once; the live view may still be about to say why.
    this.#closeAudio();
    const description = closeDescription(event.code, event.reason);
    this.#setState("ended", this.#hungUp ? `You hung up — ${description}` : `The server ended the call — ${description}`);
    if (!this.#liveViewEnded && this.#liveView) {
      await Promise.race([
        this.#liveViewDone,
        new Promise((resolve) => setTimeout(resolve, LIVE_VIEW_END_WAIT_MS)),
      ]);
    }
    this.#finish(this.#liveViewEnded || { reason: null, detail: null });
  }

  #send(message) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  #nextSequence() {
    this.#sequence++;
    return String(this.#sequence);
  }

  // ---- state ----

  #setState(state, message) {
    this.#state = state;
    this.#message = message;
    this.#stats.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, message } }));
    this.#statsChanged();
  }

  // Live view and socket both report progress; only ever move forward.
  #advance(state, message) {
    if (this.#finished || this.#hungUp || !ACTIVE_STATES.has(this.#state)) {
      return;
    }
    const rank = STATES.indexOf(state);
    const current = STATES.indexOf(this.#state);
    if (rank > current || (rank === current && message !== this.#message)) {
      this.#setState(state, message);
    }
  }

  #statsChanged() {
    if (!this.#statsTimer) {
      this.#statsTimer = setTimeout(() => {
        this.#statsTimer = 0;
        this.dispatchEvent(new CustomEvent("stats", { detail: this.stats }));
      }, STATS_INTERVAL_MS);
    }
  }

  #fail(error) {
    if (this.#finished) {
      return;
    }
    const message = error instanceof PlaygroundError
      ? error.message
      : `Unexpected error: ${error && error.message ? error.message : error}`;
    if (!(error instanceof PlaygroundError)) {
      console.error(error);
    }
    this.#finished = true;
    this.#streaming = false;
    clearTimeout(this.#socketTimer);
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) {
      this.#socket.close();
    }
    this.#closeAudio();
    this.#closeLiveView();
    this.#setState("error", message);
    this.dispatchEvent(new CustomEvent("error", {
      detail: { message, status: error.status ?? null, code: error.code ?? null, field: error.field ?? null },
    }));
    this.#flushStats();
  }

  #finish(end) {
    if (this.#finished) {
      return;
    }
    this.#finished = true;
    this.#streaming = false;
    clearTimeout(this.#socketTimer);
    this.#closeAudio();
    this.#closeLiveView();
    const closeCode = this.#stats.closeCode;
    const closeReason = this.#stats.closeReason;
    const detail = {
      reason: end.reason ?? null,
      detail: end.detail ?? null,
      durationMs: end.durationMs ?? null,
      closeCode,
      closeReason,
    };
    this.#endedDetail = detail;
    if (detail.reason) {
      this.#stats.endReason = detail.reason;
    }
    if (this.#state !== "ended") {
      this.#setState("ended", detail.detail || (detail.reason ? `The call ended (${detail.reason}).` : "The call ended."));
    }
    this.dispatchEvent(new CustomEvent("ended", { detail }));
    this.#flushStats();
  }

  /** How the call ended, once it has: {reason, detail, durationMs, closeCode, closeReason}. */
  get ended() {
    return this.#endedDetail ? { ...this.#endedDetail } : null;
  }

  #flushStats() {
    clearTimeout(this.#statsTimer);
    this.#statsTimer = 0;
    this.dispatchEvent(new CustomEvent("stats", { detail: this.stats }));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// <voice-playground>: the UI.

const IDLE_SENTENCE = "Fill in the agent and press Call.";

const STYLES = `
:host {
  --vp-bg: #ffffff;
  --vp-fg: #1b1f24;
  --vp-muted: #5b6470;
  --vp-border: #d9dee5;
  --vp-panel: #f6f8fa;
  --vp-accent: #2563eb;
  --vp-accent-fg: #ffffff;
  --vp-danger: #dc2626;
  --vp-ok: #16a34a;
  --vp-warn: #d97706;
  --vp-caller: #e8f0fe;
  --vp-agent: #f1f5f9;
  display: block;
  color: var(--vp-fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :host {
    --vp-bg: #15181d;
    --vp-fg: #e6e9ee;
    --vp-muted: #9aa4b1;
    --vp-border: #2c323b;
    --vp-panel: #1c2027;
    --vp-accent: #3b82f6;
    --vp-caller: #1e2a40;
    --vp-agent: #222831;
  }
}
* { box-sizing: border-box; }
.layout {
  display: grid;
  grid-template-columns: minmax(260px, 340px) 1fr;
  gap: 16px;
}
@media (max-width: 760px) {
  .layout { grid-template-columns: 1fr; }
}
.panel {
  background: var(--vp-panel);
  border: 1px solid var(--vp-border);
  border-radius: 10px;
  padding: 14px;
  min-width: 0;
}
form { display: grid; gap: 10px; }
label { display: grid; gap: 3px; font-weight: 600; font-size: 13px; }
.hint { font-weight: 400; color: var(--vp-muted); font-size: 12px; }
input, select, textarea {
  font: inherit;
  color: inherit;
  background: var(--vp-bg);
  border: 1px solid var(--vp-border);
  border-radius: 6px;
  padding: 6px 8px;
  width: 100%;
}
textarea { resize: vertical; min-height: 64px; }
#config { min-height: 40px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--vp-accent); outline-offset: -1px; }
[aria-invalid="true"] { border-color: var(--vp-danger); }
fieldset { border: 0; border-top: 1px solid var(--vp-border); margin: 4px 0 0; padding: 8px 0 0; display: grid; gap: 10px; min-width: 0; }
legend { color: var(--vp-muted); font-size: 12px; padding: 0 6px 0 0; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; }
button {
  font: inherit;
  font-weight: 600;
  border: 1px solid transparent;
  border-radius: 999px;
  padding: 8px 18px;
  cursor: pointer;
}
button:disabled { opacity: 0.45; cursor: default; }
#call { background: var(--vp-ok); color: #fff; }
#hangup { background: var(--vp-danger); color: #fff; }
.status { display: flex; align-items: baseline; gap: 8px; min-width: 0; flex: 1 1 200px; }
#state {
  font-size: 12px;
  font-weight: 700;
  text-transform: uppercase;
  letter-spacing: 0.04em;
  padding: 2px 8px;
  border-radius: 999px;
  background: var(--vp-border);
  white-space: nowrap;
}
#state[data-state="connecting"], #state[data-state="waiting"], #state[data-state="connected"] { background: var(--vp-warn); color: #fff; }
#state[data-state="ready"] { background: var(--vp-ok); color: #fff; }
#state[data-state="error"] { background: var(--vp-danger); color: #fff; }
#state-message { color: var(--vp-muted); overflow-wrap: anywhere; }
#state[data-state="error"] + #state-message { color: var(--vp-danger); }
.meters { display: grid; grid-template-columns: auto 1fr auto; gap: 6px 10px; align-items: center; margin: 12px 0 4px; font-size: 12px; color: var(--vp-muted); }
.meter { height: 8px; background: var(--vp-border); border-radius: 4px; overflow: hidden; }
.meter .bar { height: 100%; width: 100%; transform-origin: left; transform: scaleX(0); background: var(--vp-ok); transition: transform 80ms linear; }
.speaking { width: 10px; height: 10px; border-radius: 50%; background: var(--vp-border); }
.speaking[data-active="true"] { background: var(--vp-accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--vp-accent) 30%, transparent); }
#transcript {
  margin-top: 12px;
  display: flex;
  flex-direction: column;
  gap: 8px;
  min-height: 180px;
  max-height: 420px;
  overflow-y: auto;
  padding: 4px;
}
#transcript:empty::before { content: "The conversation appears here."; color: var(--vp-muted); font-style: italic; }
.turn { max-width: 85%; padding: 8px 12px; border-radius: 12px; overflow-wrap: anywhere; }
.turn[data-speaker="caller"] { align-self: flex-end; background: var(--vp-caller); border-bottom-right-radius: 4px; }
.turn[data-speaker="agent"] { align-self: flex-start; background: var(--vp-agent); border: 1px solid var(--vp-border); border-bottom-left-radius: 4px; }
.turn .meta { display: flex; gap: 8px; font-size: 11px; color: var(--vp-muted); margin-bottom: 2px; }
.turn .speaker { font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; }
.turn[data-final="false"] .text { color: var(--vp-muted); font-style: italic; }
.turn .interrupted { color: var(--vp-danger); font-size: 12px; white-space: nowrap; }
.turn .keypad { font-size: 11px; border: 1px solid var(--vp-border); border-radius: 4px; padding: 0 4px; }
#end-reason:empty { display: none; }
#end-reason { margin-top: 10px; padding: 8px 10px; border-radius: 6px; background: var(--vp-bg); border: 1px solid var(--vp-border); font-size: 13px; overflow-wrap: anywhere; }
#end-reason .close { color: var(--vp-muted); font-size: 12px; }
#keypad { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 4px; margin-top: 10px; }
#keypad button { padding: 4px 0; border-radius: 6px; background: var(--vp-bg); color: inherit; border-color: var(--vp-border); font-family: ui-monospace, monospace; }
#stats { margin: 12px 0 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 2px 12px; font-size: 12px; }
#stats div { display: flex; justify-content: space-between; gap: 6px; border-bottom: 1px dashed var(--vp-border); padding: 2px 0; }
#stats dt { color: var(--vp-muted); }
#stats dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: break-word; min-width: 0; text-align: right; }
.section-title { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; color: var(--vp-muted); margin: 14px 0 0; }
`;

const TEMPLATE = `
<div class="layout">
  <section class="panel settings" aria-label="Agent settings">
    <form id="settings" autocomplete="off">
      <label>Agent id
        <input id="agentId" name="agentId" value="${DEFAULT_AGENT_ID}" spellcheck="false">
      </label>
      <label>Prompt <span class="hint">the agent's instructions</span>
        <textarea id="prompt" name="prompt" rows="4" placeholder="You are a friendly assistant. Keep answers short."></textarea>
      </label>
      <label>Voice
        <select id="voice" name="voice">
          ${VOICES.map((voice) => `<option value="${voice}"${voice === DEFAULT_VOICE ? " selected" : ""}>${voice}</option>`).join("")}
        </select>
      </label>
      <label>Greeting <span class="hint">what the agent says first (optional)</span>
        <input id="greeting" name="greeting" placeholder="Hello! How can I help?">
      </label>
      <fieldset>
        <legend>Keys and configuration</legend>
        <label>OpenAI key <span class="hint">only needed when the server has no key</span>
          <input id="openAIKey" name="openAIKey" type="password" autocomplete="off" spellcheck="false">
        </label>
        <label>Config <span class="hint">optional signed config token</span>
          <textarea id="config" name="config" rows="2" spellcheck="false"></textarea>
        </label>
        <label>Access key <span class="hint">optional playground access key</span>
          <input id="accessKey" name="accessKey" type="password" autocomplete="off" spellcheck="false">
        </label>
      </fieldset>
    </form>
  </section>
  <section class="panel call" aria-label="Call">
    <div class="controls">
      <button id="call" type="button">Call</button>
      <button id="hangup" type="button" disabled>Hang up</button>
      <div class="status" role="status" aria-live="polite">
        <span id="state" data-state="idle">idle</span>
        <span id="state-message"></span>
      </div>
    </div>
    <div class="meters">
      <span>You</span><div class="meter" title="Microphone level"><div class="bar" id="input-level"></div></div><span class="speaking" id="caller-speaking" data-active="false" title="Caller speaking"></span>
      <span>Agent</span><div class="meter" title="Playback level"><div class="bar" id="output-level"></div></div><span class="speaking" id="agent-speaking" data-active="false" title="Agent speaking"></span>
    </div>
    <div id="transcript" aria-live="polite"></div>
    <div id="end-reason"></div>
    <div id="keypad" aria-label="Keypad"></div>
    <p class="section-title">Stats</p>
    <dl id="stats"></dl>
  </section>
</div>
`;

const ATTRIBUTE_FIELDS = { "agent-id": "agentId", prompt: "prompt", voice: "voice", greeting: "greeting" };

// A meter reads in dBFS from −60 to 0, which matches how loud things sound better than linear RMS.
function meterScale(rms) {
  if (!(rms > 0)) {
    return 0;
  }
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

function applyStyles(root) {
  // A constructed stylesheet is not inline style under a Content-Security-Policy; fall back to <style> otherwise.
  try {
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
      return;
    }
  } catch {
    // fall through
  }
  const style = document.createElement("style");
  style.textContent = STYLES;
  root.append(style);
}

export class VoicePlaygroundElement extends HTMLElement {
  static observedAttributes = ["agent-id", "prompt", "voice", "greeting"];

  #call = null;
  #turnElements = new Map();
  #elements = {};

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    applyStyles(root);
    const template = document.createElement("template");
    template.innerHTML = TEMPLATE;
    root.append(template.content.cloneNode(true));
    const byId = (id) => root.getElementById(id);
    this.#elements = {
      call: byId("call"),
      hangup: byId("hangup"),
      state: byId("state"),
      stateMessage: byId("state-message"),
      transcript: byId("transcript"),
      endReason: byId("end-reason"),
      stats: byId("stats"),
      inputLevel: byId("input-level"),
      outputLevel: byId("output-level"),
      callerSpeaking: byId("caller-speaking"),
      agentSpeaking: byId("agent-speaking"),
      keypad: byId("keypad"),
      accessKey: byId("accessKey"),
    };
    for (const digit of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = digit;
      button.dataset.digit = digit;
      button.disabled = true;
      button.title = `Press ${digit}`;
      this.#elements.keypad.append(button);
    }
    this.#elements.keypad.addEventListener("click", (event) => {
      const digit = event.target && event.target.dataset ? event.target.dataset.digit : undefined;
      if (digit && this.#call) {
        this.#call.sendDigit(digit);
      }
    });
    this.#elements.call.addEventListener("click", () => this.start());
    this.#elements.hangup.addEventListener("click", () => this.hangUp());
    root.getElementById("settings").addEventListener("submit", (event) => event.preventDefault());
    root.addEventListener("input", (event) => event.target.removeAttribute && event.target.removeAttribute("aria-invalid"));
    this.#renderState("idle", IDLE_SENTENCE);
    this.#renderStats(initialStats());
  }

  connectedCallback() {
    // Attribute pre-fills arrive through attributeChangedCallback, which also runs for the initial attributes.
    if (!window.voicePlayground) {
      window.voicePlayground = this;
    }
    // Leaving the page hangs up properly (stop, then a normal close) instead of dropping the socket.
    window.addEventListener("pagehide", this.#onPageHide);
  }

  disconnectedCallback() {
    window.removeEventListener("pagehide", this.#onPageHide);
  }

  #onPageHide = () => this.hangUp();

  attributeChangedCallback(name, oldValue, value) {
    const field = ATTRIBUTE_FIELDS[name];
    if (field && value !== null) {
      this.#prefill(field, value);
    }
  }

  /** The voice-server origin: the `server` attribute, or where this module was loaded from. */
  get server() {
    return normaliseServer(this.getAttribute("server") || MODULE_ORIGIN);
  }

  set server(value) {
    this.setAttribute("server", value);
  }

  /** The latest PlaygroundCall, or null before the first call. */
  get call() {
    return this.#call;
  }

  /** Live counters of the latest call, as a plain object. */
  get stats() {
    return this.#call ? this.#call.stats : initialStats();
  }

  /** The settings the form currently holds (empty ones omitted). */
  get settings() {
    const settings = {};
    for (const name of SETTING_NAMES) {
      const value = this.shadowRoot.getElementById(name).value.trim();
      if (value) {
        settings[name] = value;
      }
    }
    return settings;
  }

  /** Starts a call with the form's settings (what the Call button does). Returns the PlaygroundCall. */
  start() {
    if (this.#call && this.#call.active) {
      return this.#call;
    }
    for (const element of this.shadowRoot.querySelectorAll("[aria-invalid]")) {
      element.removeAttribute("aria-invalid");
    }
    this.#turnElements.clear();
    this.#elements.transcript.replaceChildren();
    this.#elements.endReason.replaceChildren();
    this.#setSpeaking("caller", false);
    this.#setSpeaking("agent", false);
    const call = new PlaygroundCall({
      server: this.server,
      settings: this.settings,
      accessKey: this.#elements.accessKey.value,
    });
    this.#call = call;
    const current = (handler) => (event) => {
      if (this.#call === call) {
        handler(event.detail);
      }
    };
    call.addEventListener("state", current((detail) => this.#renderState(detail.state, detail.message)));
    call.addEventListener("turn", current((turn) => this.#renderTurn(turn)));
    call.addEventListener("speech", current((speech) => this.#setSpeaking(speech.speaker, speech.state === "started")));
    call.addEventListener("stats", current((stats) => this.#renderStats(stats)));
    call.addEventListener("ended", current((detail) => this.#renderEnded(detail)));
    call.addEventListener("error", current((detail) => this.#renderError(detail)));
    call.start();
    return call;
  }

  /** Hangs up the current call (what the Hang up button does). */
  hangUp() {
    if (this.#call) {
      this.#call.hangUp();
    }
  }

  #prefill(field, value) {
    const element = this.shadowRoot.getElementById(field);
    if (!element) {
      return;
    }
    if (field === "voice" && !VOICES.includes(value)) {
      return;
    }
    element.value = value;
  }

  #renderState(state, message) {
    const { state: badge, stateMessage, call, hangup, keypad } = this.#elements;
    badge.textContent = state;
    badge.dataset.state = state;
    stateMessage.textContent = message || "";
    const active = ACTIVE_STATES.has(state);
    call.disabled = active;
    hangup.disabled = !active;
    for (const button of keypad.querySelectorAll("button")) {
      button.disabled = !(state === "connected" || state === "ready");
    }
    if (!active) {
      this.#setSpeaking("caller", false);
      this.#setSpeaking("agent", false);
    }
    if (state === "ended" && this.#call && !this.#call.ended) {
      // Until the live view says why, show what the socket said.
      const stats = this.#call.stats;
      if (stats.closeCode !== null) {
        this.#elements.endReason.replaceChildren(closeDescription(stats.closeCode, stats.closeReason));
      }
    }
    this.#renderStats(this.stats);
  }

  #renderEnded(detail) {
    const parts = [];
    if (detail.reason) {
      const reason = document.createElement("strong");
      reason.className = "reason";
      reason.textContent = detail.reason;
      parts.push(reason);
      if (detail.detail) {
        parts.push(`: ${detail.detail}`);
      }
      if (typeof detail.durationMs === "number") {
        parts.push(` (${(detail.durationMs / 1000).toFixed(1)} s)`);
      }
    }
    if (detail.closeCode !== null && detail.closeCode !== undefined) {
      const close = document.createElement("span");
      close.className = "close";
      close.textContent = detail.reason
        ? ` — ${closeDescription(detail.closeCode, detail.closeReason)}`
        : closeDescription(detail.closeCode, detail.closeReason);
      parts.push(close);
    }
    if (parts.length === 0 && detail.detail) {
      parts.push(detail.detail);
    }
    this.#elements.endReason.replaceChildren(...parts);
  }

  #renderError(detail) {
    if (detail.field) {
      const field = this.shadowRoot.getElementById(detail.field);
      if (field && SETTING_NAMES.concat("accessKey").includes(detail.field)) {
        field.setAttribute("aria-invalid", "true");
      }
    }
  }

  #renderTurn(turn) {
    let element = this.#turnElements.get(turn.id);
    if (!element) {
      element = document.createElement("div");
      element.className = "turn";
      const meta = document.createElement("div");
      meta.className = "meta";
      const speaker = document.createElement("span");
      speaker.className = "speaker";
      meta.append(speaker);
      const text = document.createElement("div");
      text.className = "text";
      element.append(meta, text);
      this.#turnElements.set(turn.id, element);
      const transcript = this.#elements.transcript;
      const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
      transcript.append(element);
      if (atBottom) {
        transcript.scrollTop = transcript.scrollHeight;
      }
    }
    element.dataset.id = turn.id;
    element.dataset.speaker = turn.speaker;
    element.dataset.interrupted = String(turn.interrupted);
    element.dataset.final = String(turn.final);
    element.dataset.keypad = String(turn.keypad);
    const meta = element.querySelector(".meta");
    meta.querySelector(".speaker").textContent = turn.speaker === "agent" ? "Agent" : "You";
    let keypad = meta.querySelector(".keypad");
    if (turn.keypad && !keypad) {
      keypad = document.createElement("span");
      keypad.className = "keypad";
      keypad.textContent = "keypad";
      meta.append(keypad);
    } else if (!turn.keypad && keypad) {
      keypad.remove();
    }
    let latency = meta.querySelector(".latency");
    if (turn.speaker === "agent") {
      if (!latency) {
        latency = document.createElement("span");
        latency.className = "latency";
        latency.title = "Response latency: caller stopped speaking → first agent audio";
        meta.append(latency);
      }
      latency.textContent = turn.latencyMs === null ? "" : `${Math.round(turn.latencyMs)} ms`;
    } else if (latency) {
      latency.remove();
    }
    const text = element.querySelector(".text");
    const content = turn.text === null || turn.text === "" ? "…" : turn.text;
    if (turn.interrupted && turn.speaker === "agent") {
      const badge = document.createElement("span");
      badge.className = "interrupted";
      badge.textContent = " — interrupted";
      text.replaceChildren(content, badge);
    } else {
      text.replaceChildren(content);
    }
  }

  #setSpeaking(speaker, active) {
    const element = speaker === "agent" ? this.#elements.agentSpeaking : this.#elements.callerSpeaking;
    if (element) {
      element.dataset.active = String(active);
    }
  }

  #renderStats(stats) {
    this.#elements.inputLevel.style.transform = `scaleX(${meterScale(stats.inputLevel)})`;
    this.#elements.outputLevel.style.transform = `scaleX(${meterScale(stats.outputLevel)})`;
    const list = this.#elements.stats;
    for (const [name, value] of Object.entries(stats)) {
      let row = list.querySelector(`[data-stat="${name}"]`);
      if (!row) {
        row = document.createElement("div");
        row.dataset.stat = name;
        const term = document.createElement("dt");
        term.textContent = name;
        row.append(term, document.createElement("dd"));
        list.append(row);
      }
      const text = value === null ? "—" : typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value);
      const cell = row.querySelector("dd");
      if (cell.textContent !== text) {
        cell.textContent = text;
      }
    }
  }
}

if (!customElements.get("voice-playground")) {
  customElements.define("voice-playground", VoicePlaygroundElement);
}
