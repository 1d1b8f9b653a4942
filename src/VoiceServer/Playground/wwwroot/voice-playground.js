// voice-server playground: talk to an agent from the browser microphone.
// The page plays Twilio's part on the media socket (connected, start, media, mark, stop) over the same
// endpoint a phone call uses, and follows the call through the server's live view (Server-Sent Events).
//
// Embedding: <script type="module" src="https://voice.example.com/playground/voice-playground.js"></script>
//            <voice-playground></voice-playground>
//
// This is the entry module: it defines the element. The modules it imports sit beside it and are loaded from
// wherever it was (docs/playground.md lists them).

import { VoicePlaygroundElement } from "./playground-element.js";

export { PlaygroundCall } from "./playground-call.js";
export { VoicePlaygroundElement };

if (!customElements.get("voice-playground")) {
  customElements.define("voice-playground", VoicePlaygroundElement);
}
