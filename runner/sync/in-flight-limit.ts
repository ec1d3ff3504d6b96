// How many bulk imports may be in flight (sent, not yet settled) at once. ActiveCampaign's import latency is
// undocumented and grows under load (REAL-ACCOUNT.md F4); a fixed cap of 200 piles a 40-minute queue onto an account
// that processes a few batches a minute. So the cap follows what the run observes. A batch that takes much longer
// than the fastest one seen waited behind others: the importer is the bottleneck, and more batches in flight only
// lengthen its queue. Then the cap is Little's law: the batches settled per minute times a horizon of one minute of
// AC time (or twice the fastest latency, for an importer that is slow but parallel), which keeps about a minute of
// work queued ahead of the importer: enough to keep it busy, little to lose to a kill or a deadline. While batches
// settle about as fast as the fastest (no queue), the cap grows by one per settled batch, so an importer that runs
// batches in parallel, or the fast sandbox at the bulk floor, is never held back. A failed batch halves the cap:
// failures that repeat should cost as few imports as possible before the circuit breaker decides.

/** Batches allowed before anything settled: more than the bulk floor needs at a 2 s latency (100/min × ~3 s). */
export const INITIAL_IN_FLIGHT = 8;
export const MIN_IN_FLIGHT = 2;
export const MAX_IN_FLIGHT = 200;
/** The horizon of work kept queued, in AC time (divided by the time scale). */
const HORIZON_MS = 60_000;
/** Settlements remembered for the rate. */
const WINDOW = 32;

export class InFlightLimit {
  private cap = INITIAL_IN_FLIGHT;
  private readonly settledAt: number[] = [];
  private readonly horizonMs: number;
  /** When the last poll found a batch waiting behind others (a backlog at AC), ms since epoch. */
  private backlogSeenAt = -Infinity;
  /** The fastest POST → completed seen: a batch's own processing time plus the polling lag, without a queue. */
  private fastestMs = Infinity;

  constructor(timeScale = 1, private readonly now: () => number = Date.now) {
    this.horizonMs = HORIZON_MS / timeScale;
  }

  get value(): number {
    return this.cap;
  }

  /** Batches settled per ms over the recent window (0 until two settled). */
  ratePerMs(): number {
    const n = this.settledAt.length;
    if (n < 2) return 0;
    const span = this.now() - this.settledAt[0]!;
    return span > 0 ? (n - 1) / span : 0;
  }

  /** A poll saw this status: `waiting` means batches queue behind others at AC. */
  observed(status: unknown): void {
    if (status === "waiting") this.backlogSeenAt = this.now();
  }

  /** A batch settled: completed `latencyMs` after its POST, or failed. */
  settled(failed = false, latencyMs?: number): void {
    this.settledAt.push(this.now());
    if (this.settledAt.length > WINDOW) this.settledAt.shift();
    if (failed) {
      this.cap = Math.max(MIN_IN_FLIGHT, Math.floor(this.cap / 2));
      return;
    }
    const queued = latencyMs !== undefined && latencyMs > 1.5 * this.fastestMs;
    if (latencyMs !== undefined) this.fastestMs = Math.min(this.fastestMs, latencyMs);
    // Too few settlements for a rate yet: keep the cap (or probe upwards) rather than trust a guess.
    const horizon = Math.max(this.horizonMs, 2 * (Number.isFinite(this.fastestMs) ? this.fastestMs : 0));
    const little = this.settledAt.length >= 4 ? Math.ceil(this.ratePerMs() * horizon) : this.cap;
    const backlog = queued || this.now() - this.backlogSeenAt < this.horizonMs;
    const target = backlog ? little : Math.max(little, this.cap + 1);
    this.cap = Math.min(MAX_IN_FLIGHT, Math.max(MIN_IN_FLIGHT, target));
  }
}
