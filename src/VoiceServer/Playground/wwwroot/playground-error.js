// The one error type the playground parts throw on purpose.

/** An error whose message is meant for the user; details (status, code, field) say more when the server gave them. */
export class PlaygroundError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = "PlaygroundError";
    Object.assign(this, details);
  }
}
