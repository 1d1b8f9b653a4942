// The live view: the read-only channel beside the Twilio protocol through which the server shows the page a call
// (docs/playground.md). POST /api/playground/calls hands out a single-use id; its Server-Sent Events carry the
// call's state, speech, turns and barge-ins.

import { PlaygroundError } from "./playground-error.js";

const LIVE_VIEW_OPEN_WAIT_MS = 3000; // how long the socket waits for the live view to attach before going ahead

/**
 * Asks the server for a call: {liveViewId, mediaStreamPath, expiresInSeconds}. The access key, when there is one,
 * goes as a bearer token. Refusals become a PlaygroundError with the server's message, status, code and field.
 */
export async function requestCall(server, accessKey) {
  const headers = { "Content-Type": "application/json" };
  if (accessKey) {
    headers.Authorization = `Bearer ${accessKey}`;
  }
  let response;
  try {
    response = await fetch(`${server}/api/playground/calls`, { method: "POST", headers, body: "{}" });
  } catch (error) {
    throw new PlaygroundError(`Could not reach ${server}: ${error && error.message ? error.message : error}`);
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

/** A turn event's data as a snapshot with every field typed, or null without an id. */
function readTurn(data) {
  if (!data || typeof data.id !== "string") {
    return null;
  }
  return {
    id: data.id,
    speaker: data.speaker === "agent" ? "agent" : "caller",
    text: typeof data.text === "string" ? data.text : null,
    final: data.final === true,
    interrupted: data.interrupted === true,
    keypad: data.keypad === true,
    latencyMs: typeof data.latencyMs === "number" ? data.latencyMs : null,
  };
}

/**
 * One call's live view, opened at once. Tells its owner, through `handlers`: onCall(data) (the call's state),
 * onSpeech(data), onTurn(turn) and onBargeIns(count). `attached` resolves when the stream is there, or after a
 * short wait without it; `closed` when it has closed, for whatever reason.
 */
export class LiveView {
  #source = null;
  #attached;
  #closed;
  #signalClosed;

  constructor(server, liveViewId, handlers) {
    this.#closed = new Promise((resolve) => {
      this.#signalClosed = resolve;
    });
    let attach;
    this.#attached = new Promise((resolve) => {
      let attached = false;
      attach = () => {
        if (!attached) {
          attached = true;
          clearTimeout(timer);
          resolve();
        }
      };
    });
    // Wait briefly for the stream so no event is missed, but never let the live view block the call.
    const timer = setTimeout(attach, LIVE_VIEW_OPEN_WAIT_MS);
    const url = `${server}/api/playground/calls/${encodeURIComponent(liveViewId)}/events`;
    let source;
    try {
      source = new EventSource(url);
    } catch {
      this.close();
      attach();
      return;
    }
    this.#source = source;
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
      handlers.onCall(data);
    });
    on("speech", (data) => handlers.onSpeech(data));
    on("turn", (data) => {
      const turn = readTurn(data);
      if (turn) {
        handlers.onTurn(turn);
      }
    });
    on("bargein", (data) => {
      if (typeof data.count === "number") {
        handlers.onBargeIns(data.count);
      }
    });
    // A reconnect would not find the view again, and the server ends the stream after "ended": never retry.
    source.addEventListener("error", () => {
      this.close();
      attach();
    });
  }

  get attached() {
    return this.#attached;
  }

  get closed() {
    return this.#closed;
  }

  get isOpen() {
    return this.#source !== null;
  }

  close() {
    if (this.#source) {
      this.#source.close();
      this.#source = null;
    }
    this.#signalClosed();
  }
}
