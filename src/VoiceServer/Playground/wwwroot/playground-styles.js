// The <voice-playground> element's stylesheet (its shadow root's only styles).

export const STYLES = `
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
