// One playground call, without any DOM: the call's state and counters, driving the microphone, the live view and
// the media socket, on which it plays Twilio's part.

import { CallAudio } from "./call-audio.js";
import { LiveView, requestCall } from "./live-view.js";
import { MediaStreamSocket, closeDescription, newTwilioIds } from "./media-stream.js";
import { PlaygroundError } from "./playground-error.js";

export const MODULE_ORIGIN = new URL(import.meta.url).origin;

export const SETTING_NAMES = ["agentId", "prompt", "voice", "greeting", "openAIKey", "config"];

const STATES = ["idle", "connecting", "waiting", "connected", "ready", "ended", "error"];
export const ACTIVE_STATES = new Set(["connecting", "waiting", "connected", "ready"]);

const LIVE_VIEW_END_WAIT_MS = 3000; // how long after the socket closed the live view may take to say why
const STATS_INTERVAL_MS = 100;

export function normaliseServer(server) {
  const url = new URL(server || MODULE_ORIGIN, typeof location === "undefined" ? MODULE_ORIGIN : location.href);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

export function initialStats(state = "idle") {
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
  #audio = null;
  #liveView = null;
  #liveViewEnded = null;
  #socket = null;
  #statsTimer = 0;
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
    const ids = newTwilioIds();
    this.streamSid = ids.streamSid;
    this.accountSid = ids.accountSid;
    this.callSid = ids.callSid;
    this.liveViewId = null;
    this.callId = null;
    /** Turn snapshots by id, in arrival order. */
    this.turns = new Map();
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
      // Created before the first await, so the click that started the call still counts as the user's gesture.
      this.#audio = this.#createAudio();
      await this.#audio.open();
      if (this.#finished) {
        return;
      }
      this.#setState("connecting", "Creating the call…");
      const call = await requestCall(this.#server, this.#accessKey);
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
    if (socket && socket.isOpen) {
      this.#setState(this.#state, "Hanging up…");
      socket.hangUp();
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
    return this.#socket ? this.#socket.sendDigit(digit) : false;
  }

  // ---- audio ----

  #createAudio() {
    return new CallAudio({
      onFrame: (bytes) => this.#sendFrame(bytes),
      onInputLevel: (rms) => {
        this.#stats.inputLevel = rms;
        this.#statsChanged();
      },
      onMarkPlayed: (name) => {
        this.#echoMark(name);
        this.#statsChanged();
      },
      onCleared: (marks, droppedBytes) => {
        // Twilio returns every pending mark when clear flushes the queue.
        for (const name of marks) {
          this.#echoMark(name);
        }
        this.#stats.bytesCleared += droppedBytes;
        this.#statsChanged();
      },
      onPlayed: (totalBytes, level) => {
        this.#stats.bytesPlayed = totalBytes;
        this.#stats.outputLevel = level;
        this.#statsChanged();
      },
    });
  }

  #sendFrame(bytes) {
    if (this.#socket && this.#socket.sendFrame(bytes)) {
      this.#stats.framesSent++;
      this.#stats.bytesSent += bytes.length;
      this.#statsChanged();
    }
  }

  #echoMark(name) {
    if (this.#socket && this.#socket.echoMark(name)) {
      this.#stats.marksEchoed++;
      this.#statsChanged();
    }
  }

  #closeAudio() {
    if (this.#audio) {
      this.#audio.close();
    }
  }

  // ---- live view ----

  #openLiveView(liveViewId) {
    this.#liveView = new LiveView(this.#server, liveViewId, {
      onCall: (data) => this.#onLiveCall(data),
      onSpeech: (data) => this.dispatchEvent(new CustomEvent("speech", { detail: data })),
      onTurn: (turn) => {
        this.turns.set(turn.id, turn);
        this.dispatchEvent(new CustomEvent("turn", { detail: turn }));
      },
      onBargeIns: (count) => {
        this.#stats.bargeIns = count;
        this.#statsChanged();
      },
    });
    return this.#liveView.attached;
  }

  #closeLiveView() {
    if (this.#liveView) {
      this.#liveView.close();
    }
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
          if (!this.#finished && this.#socket && !this.#socket.isClosed) {
            this.#socket.close(1000, "call ended");
          }
        }, LIVE_VIEW_END_WAIT_MS);
        break;
      default:
        break;
    }
  }

  // ---- media socket ----

  #openSocket(call) {
    const socket = new MediaStreamSocket(
      { server: this.#server, mediaStreamPath: call.mediaStreamPath, liveViewId: call.liveViewId, ids: this.#twilioIds() },
      {
        onOpen: () => this.#onSocketOpen(),
        onOpenTimeout: () => {
          if (!this.#finished) {
            socket.close();
            this.#fail(new PlaygroundError("The media socket did not open in time."));
          }
        },
        onMedia: (bytes) => this.#onMedia(bytes),
        onMark: (name) => this.#onMark(name),
        onClear: () => this.#onClear(),
        onProtocolError: (problem) => this.#protocolError(problem),
        onClose: (event) => this.#onSocketClose(event),
      });
    this.#socket = socket;
    this.#advance("waiting", "Connecting the media socket…");
  }

  #twilioIds() {
    return { streamSid: this.streamSid, accountSid: this.accountSid, callSid: this.callSid };
  }

  #onSocketOpen() {
    if (this.#hungUp || this.#finished) {
      this.#socket.close(1000, "caller hung up");
      return;
    }
    this.#socket.begin(this.#settings);
    // The live view normally says so first; this covers a live view that never attached.
    this.#advance("connected", "Connected; starting the agent…");
  }

  #onMedia(bytes) {
    this.#stats.mediaReceived++;
    this.#stats.bytesReceived += bytes.length;
    this.#audio.play(bytes);
    this.#statsChanged();
  }

  #onMark(name) {
    this.#stats.marksReceived++;
    // Queued behind the audio already sent to the player; it comes back when that audio has been played.
    if (!this.#audio.queueMark(name)) {
      this.#echoMark(name);
    }
    this.#statsChanged();
  }

  #onClear() {
    this.#stats.clears++;
    this.#audio.clear();
    this.#statsChanged();
  }

  #protocolError(problem) {
    this.#stats.protocolErrors++;
    this.#statsChanged();
    console.warn(`voice-playground: the server sent an invalid Twilio message: ${problem}`);
  }

  async #onSocketClose(event) {
    this.#stats.closeCode = event.code;
    this.#stats.closeReason = event.reason || null;
    this.#statsChanged();
    if (this.#finished) {
      return;
    }
    if (!this.#socket.opened) {
      this.#fail(new PlaygroundError(
        `The server refused the media socket (${closeDescription(event.code, event.reason)}).`));
      return;
    }
    // The call is over for the caller at once; the live view may still be about to say why.
    this.#closeAudio();
    const description = closeDescription(event.code, event.reason);
    this.#setState("ended", this.#hungUp ? `You hung up — ${description}` : `The server ended the call — ${description}`);
    if (!this.#liveViewEnded && this.#liveView && this.#liveView.isOpen) {
      await Promise.race([
        this.#liveView.closed,
        new Promise((resolve) => setTimeout(resolve, LIVE_VIEW_END_WAIT_MS)),
      ]);
    }
    this.#finish(this.#liveViewEnded || { reason: null, detail: null });
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
    if (this.#socket) {
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
