// The key is "unknown" until a response proves it works. Until then one attempt at a time goes out, so a wrong key
// costs exactly one request, however many calls the engine starts at once.
import type { KeyVerdict } from "./decide.js";

export class KeyGate {
  state: "unknown" | KeyVerdict = "unknown";
  private held = false;
  private waiters: Array<() => void> = [];

  get confirmed(): boolean {
    return this.state === "confirmed";
  }

  get rejected(): boolean {
    return this.state === "rejected";
  }

  /** While the key is unknown and another attempt holds the gate, the caller must wait (then look again). */
  mustWait(): boolean {
    return this.state === "unknown" && this.held;
  }

  /** Resolves when the gate is released. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Takes the gate if the key is still unknown; true when this attempt holds it and must release it. */
  take(): boolean {
    if (this.state !== "unknown") return false;
    this.held = true;
    return true;
  }

  /** Lets every waiting call look again (at a key that is now known, or take the gate in turn). */
  release(): void {
    this.held = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
