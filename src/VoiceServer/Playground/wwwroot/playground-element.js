// <voice-playground>: the UI. A form for the agent, the call's controls, state, meters, transcript, keypad and
// counters, in a shadow root; each call is a PlaygroundCall, whose events the element renders.

import { closeDescription } from "./media-stream.js";
import { ACTIVE_STATES, MODULE_ORIGIN, PlaygroundCall, SETTING_NAMES, initialStats, normaliseServer } from "./playground-call.js";
import { STYLES } from "./playground-styles.js";

const VOICES = ["alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse"];
const DEFAULT_VOICE = "marin";
const DEFAULT_AGENT_ID = "playground";

const IDLE_SENTENCE = "Fill in the agent and press Call.";

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
