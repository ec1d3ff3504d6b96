// Sends batches through POST /import/bulk_import and confirms each with GET /import/info, many at once, so that
// reading, sending and polling overlap and the run goes at ActiveCampaign's bulk limit or its importer's pace,
// whichever is slower. A batch is committed only once ActiveCampaign confirmed it (DESIGN.md decision 3).
//
// Pending is not failed (REAL-ACCOUNT.md F4): a batch AC accepted is never sent again while import/info says
// `waiting`, `claimed`, `active` or any status it did not document (F13); the confirm deadline is hours of AC time,
// and a batch still pending then stays open in the journal for the next run to poll. Only `failed`/`interrupted`
// re-send (once, then split to isolate the row), and the circuit breaker stops a run whose imports keep failing. A
// batchId AC no longer knows is verified by reading its contacts (unknown-batch.ts) before anything is re-sent.
import { setTimeout as sleep } from "node:timers/promises";
import type { AcClient, ImportInfo } from "../ac/types.js";
import { AcExportError } from "../errors.js";
import type { BatchItem } from "./batcher.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { INITIAL_POLL_DELAY_MS } from "./constants.js";
import { InFlightLimit } from "./in-flight-limit.js";

/** How long a batch may stay pending before the run leaves it to the next one, AC time (AC_EXPORT_CONFIRM_HOURS). */
export const CONFIRM_TIMEOUT_MS = 6 * 3_600_000;
/** Longest wait between two polls of one batch, AC time. */
const MAX_POLL_DELAY_MS = 60_000;
/**
 * POSTs whose batchId is not yet journaled, at most. A kill loses exactly these (the next run cannot poll what it
 * has no batchId for, so it sends them again): the bound on what a kill costs, 1–2 batches (issue #12). At AC's
 * real pace (100 imports/min, a POST answered in well under a second) this never slows the run.
 */
const MAX_UNJOURNALED_POSTS = 2;
/** A rejection naming more contacts than this (and a tenth of the batch) is systematic: they are not sent alone. */
const MAX_SUSPECTS = 3;
/** A 404/400 this soon after the POST may be AC not having registered the batch yet: polled again until then, AC time. */
const UNKNOWN_GRACE_MS = 5 * 60_000;

export interface BulkPipelineOptions<T> {
  /** AC_TIME_SCALE of a sandbox run: every AC-time wait is divided by it. */
  timeScale?: number;
  /** Leave a batch that is still pending after this long (real ms) to the next run. */
  confirmTimeoutMs?: number;
  /** First poll delay before anything was observed; afterwards it follows observed processing times. */
  initialPollDelayMs?: number;
  /** AC accepted the batch (journal it before anything else). */
  onAccepted?(items: BatchItem<T>[], batchId: string, acceptedAt: number): Promise<void>;
  /** The batch is settled: confirmed (after onConfirmed), failed, or replaced by a re-send. */
  onSettled?(batchId: string): Promise<void>;
  /** `created`: how many contacts AC lists in `success` (ids of contacts the batch created; FACTS.md §5.4). */
  onConfirmed(items: BatchItem<T>[], batchId: string, created: number): Promise<void>;
  onFailed(items: BatchItem<T>[], reason: string, batchId?: string): void;
  /** AC does not know the batch any more: split its items into those proven applied and the rest. */
  onUnknown?(items: BatchItem<T>[], batchId: string): Promise<{ applied: BatchItem<T>[]; unproven: BatchItem<T>[] }>;
  breaker?: CircuitBreaker;
  onEvent?(event: Record<string, unknown>): void;
  signal?: AbortSignal;
}

type Watched =
  | { kind: "completed"; info: ImportInfo; polls: number }
  | { kind: "failed"; status: string }
  | { kind: "unknown"; why: string }
  | { kind: "pending"; status: string };

export class BulkPipeline<T> {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly tasks = new Set<Promise<void>>();
  private fatal: unknown;
  /** Smoothed time from POST to "completed", to poll about when a batch should be done. */
  private expectedMs: number;
  private readonly minPollMs: number;
  private readonly maxPollMs: number;
  private readonly graceMs: number;
  private readonly confirmMs: number;
  readonly limit: InFlightLimit;
  private readonly breaker: CircuitBreaker;
  /** Batches being polled, in the order AC accepted them: a batch's place estimates its wait in a serial queue. */
  private readonly watching = new Set<string>();
  private readonly pendingStatuses: string[] = [];
  private unjournaled = 0;
  private readonly postWaiters: Array<() => void> = [];
  batchesSent = 0;
  batchesConfirmed = 0;
  contactsConfirmed = 0;

  constructor(private readonly client: AcClient, private readonly opts: BulkPipelineOptions<T>) {
    const scale = opts.timeScale ?? 1;
    this.expectedMs = opts.initialPollDelayMs ?? INITIAL_POLL_DELAY_MS / scale;
    this.minPollMs = Math.min(100, this.expectedMs / 10);
    this.maxPollMs = Math.max(this.minPollMs, MAX_POLL_DELAY_MS / scale);
    this.graceMs = UNKNOWN_GRACE_MS / scale;
    this.confirmMs = opts.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS / scale;
    this.limit = new InFlightLimit(scale);
    this.breaker = opts.breaker ?? new CircuitBreaker();
  }

  /** Batches left pending at the deadline (open in the journal for the next run). */
  get pendingAtDeadline(): number {
    return this.pendingStatuses.length;
  }

  /** Queue a batch; resolves once there is room for it (the reader pauses meanwhile). */
  async submit(items: BatchItem<T>[]): Promise<void> {
    await this.stopIfFatal();
    while (this.inFlight >= this.limit.value) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      await this.stopIfFatal();
    }
    this.track(() => this.process(items, 0));
  }

  /** Follow a batch an earlier run got accepted: commit what it confirms, never send it again (resume.ts). */
  adopt(batchId: string, acceptedAt: number, items: BatchItem<T>[]): Promise<void> {
    this.track(() => this.follow(batchId, acceptedAt, items, 0, false));
    return Promise.resolve();
  }

  /** Wait for every batch to settle; rethrows the first fatal error, or IMPORTS_PENDING for batches left pending. */
  async drain(): Promise<void> {
    while (this.tasks.size) await Promise.all([...this.tasks]);
    this.throwIfFatal();
    if (this.pendingStatuses.length) {
      const statuses = [...new Set(this.pendingStatuses)].map((s) => `"${s}"`).join(", ");
      const hours = (this.confirmMs * (this.opts.timeScale ?? 1)) / 3_600_000;
      throw new AcExportError(
        "IMPORTS_PENDING",
        `${this.pendingStatuses.length} bulk imports ActiveCampaign accepted were still pending (${statuses}) after the confirm deadline of ` +
          `${+hours.toPrecision(2)} h (AC_EXPORT_CONFIRM_HOURS). Nothing of them was sent again: the next run polls them first and commits what they confirm.`,
      );
    }
  }

  private track(work: () => Promise<void>): void {
    this.inFlight++;
    const task = work()
      .catch((e) => {
        this.fatal ??= e;
      })
      .finally(() => {
        this.inFlight--;
        this.tasks.delete(task);
        this.wake();
      });
    this.tasks.add(task);
  }

  /** Let the queued submit go when there is room (the limit may have grown; submit checks again). */
  private wake(): void {
    if (this.inFlight < this.limit.value) this.waiters.shift()?.();
  }

  private async stopIfFatal(): Promise<void> {
    if (this.fatal === undefined) return;
    // Let what is in flight settle or be left open (watch stops polling), so nothing writes after the run ends.
    while (this.tasks.size) await Promise.all([...this.tasks]);
    throw this.fatal;
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  private async process(items: BatchItem<T>[], attempt: number): Promise<void> {
    if (this.fatal !== undefined) return; // stop sending after a fatal error; what is confirmed stays committed
    while (this.unjournaled >= MAX_UNJOURNALED_POSTS) await new Promise<void>((resolve) => this.postWaiters.push(resolve));
    this.unjournaled++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.unjournaled--;
      this.postWaiters.shift()?.();
    };
    let accepted: { batchId: string; acceptedAt: number } | undefined;
    try {
      if (this.fatal !== undefined) return;
      const result = await this.client.bulkImport(items.map((i) => i.contact));
      // Timed from the answer, not from the call: the call includes the wait for a bulk slot.
      const acceptedAt = Date.now();
      this.batchesSent++;
      if ("rejected" in result) {
        release();
        return await this.handleRejection(items, result.rejected, attempt);
      }
      await this.opts.onAccepted?.(items, result.batchId, acceptedAt);
      accepted = { batchId: result.batchId, acceptedAt };
    } finally {
      release();
    }
    this.opts.onEvent?.({ event: "batch-sent", batchId: accepted.batchId, contacts: items.length });
    return this.follow(accepted.batchId, accepted.acceptedAt, items, attempt, true);
  }

  /** Polls an accepted batch to its end. `live`: sent by this run (an adopted one is never re-sent or split). */
  private async follow(batchId: string, acceptedAt: number, items: BatchItem<T>[], attempt: number, live: boolean): Promise<void> {
    const w = await this.watch(batchId, acceptedAt, live ? acceptedAt : Date.now());
    if (w.kind === "completed") return this.confirm(batchId, acceptedAt, items, w.info, w.polls);
    if (w.kind === "pending") {
      if (this.fatal === undefined) this.pendingStatuses.push(w.status);
      this.opts.onEvent?.({ event: "batch-pending", batchId, status: w.status });
      return;
    }
    if (w.kind === "unknown") return this.unknown(batchId, items, attempt, live, w.why);
    return this.failed(batchId, items, attempt, live, w.status);
  }

  private async confirm(batchId: string, acceptedAt: number, items: BatchItem<T>[], info: ImportInfo, polls: number): Promise<void> {
    // A batch is only seen complete at a poll, so the observed time never undershoots: when the first poll already
    // finds it done, probe earlier next time, otherwise the estimate only grows.
    const latency = Date.now() - acceptedAt;
    this.expectedMs = polls === 1 ? Math.max(this.minPollMs, this.expectedMs * 0.85) : 0.7 * this.expectedMs + 0.3 * latency;
    this.limit.settled(false, latency);
    this.breaker.completed(items.map((i) => i.contact));
    const failed = new Set(info.failure.map((e) => e.trim().toLowerCase()));
    const bad = items.filter((i) => failed.has(i.contact.email));
    const good = bad.length ? items.filter((i) => !failed.has(i.contact.email)) : items;
    if (bad.length) this.opts.onFailed(bad, "ActiveCampaign reported this contact as failed in the import (it gives no reason)", batchId);
    await this.opts.onConfirmed(good, batchId, info.success.length);
    await this.opts.onSettled?.(batchId);
    this.batchesConfirmed++;
    this.contactsConfirmed += good.length;
    this.opts.onEvent?.({ event: "batch-confirmed", batchId, contacts: good.length, failed: bad.length, latencyMs: latency, inFlightLimit: this.limit.value });
  }

  private async failed(batchId: string, items: BatchItem<T>[], attempt: number, live: boolean, status: string): Promise<void> {
    this.limit.settled(true);
    await this.opts.onSettled?.(batchId);
    this.opts.onEvent?.({ event: "batch-not-completed", batchId, status, attempt });
    if (!live) return; // an earlier run's batch: its members are in this run's plan and are sent with it
    const tripped = this.breaker.failure(items.map((i) => i.contact), status);
    if (tripped) {
      this.fatal ??= tripped;
      return;
    }
    if (attempt === 0) return this.process(items, 1); // retried once…
    if (items.length > 1) return this.split(items, attempt); // …then split to isolate the rows it trips on
    this.opts.onFailed(items, `ActiveCampaign import ended "${status}" (after a retry and isolating the row)`, batchId);
  }

  /**
   * AC does not know the batchId (404/400, or `{"status":false}` past the deadline): it may or may not have been
   * applied. Sending it again blindly duplicates an import that ran (automations may fire twice), so the members
   * the caller can prove applied (onUnknown reads them) are committed, and only the rest is sent again, once.
   */
  private async unknown(batchId: string, items: BatchItem<T>[], attempt: number, live: boolean, why: string): Promise<void> {
    this.opts.onEvent?.({ event: "batch-unknown", batchId, why, contacts: items.length });
    const { applied, unproven } = this.opts.onUnknown ? await this.opts.onUnknown(items, batchId) : { applied: [], unproven: items };
    this.limit.settled(false);
    if (applied.length) {
      await this.opts.onConfirmed(applied, batchId, applied.length);
      this.contactsConfirmed += applied.length;
    }
    await this.opts.onSettled?.(batchId);
    this.opts.onEvent?.({ event: "batch-verified", batchId, applied: applied.length, unproven: unproven.length });
    if (!live || unproven.length === 0) return;
    if (attempt >= 2) {
      this.opts.onFailed(unproven, `ActiveCampaign lost track of this contact's import twice (${why})`, batchId);
      return;
    }
    return this.process(unproven, attempt + 1);
  }

  private async split(items: BatchItem<T>[], attempt: number): Promise<void> {
    const mid = Math.ceil(items.length / 2);
    await Promise.all([this.process(items.slice(0, mid), attempt), this.process(items.slice(mid), attempt)]);
  }

  private async handleRejection(
    items: BatchItem<T>[],
    rejected: { message: string; failureReasons: Array<{ contact?: number; failureReason: string } | string> },
    attempt: number,
  ): Promise<void> {
    const byIndex = new Map<number, string>();
    for (const r of rejected.failureReasons) {
      if (typeof r === "object" && typeof r.contact === "number" && items[r.contact]) byIndex.set(r.contact, r.failureReason);
    }
    this.opts.onEvent?.({ event: "batch-rejected", message: rejected.message, rows: byIndex.size });
    if (byIndex.size > Math.max(MAX_SUSPECTS, items.length / 10)) {
      // Many contacts named at once is a systematic problem (a field every contact carries), not a few bad rows:
      // sending each alone would cost a single-contact import (20/min) per contact. It counts toward the circuit
      // breaker with AC's reason and is split like a failed import.
      const tripped = this.breaker.failure(items.map((i) => i.contact), `rejected: ${[...byIndex.values()][0]}`);
      if (tripped) {
        this.fatal ??= tripped;
        return;
      }
      return this.split(items, attempt);
    }
    if (byIndex.size > 0 && items.length > 1) {
      // AC does not document the base of failureReasons[].contact (REAL-ACCOUNT.md F11): if it is not 0-based, the
      // index names an innocent neighbour. So a named contact is a suspect, not a verdict: it is sent again alone (a
      // single-contact import either succeeds or is rejected with its own reason) and the rest as a batch, which AC
      // rejects again if the culprit is still in it. Nobody innocent is ever reported as rejected.
      const suspects = [...byIndex.keys()].map((i) => [items[i]!]);
      const rest = items.filter((_, i) => !byIndex.has(i));
      await Promise.all([...suspects.map((one) => this.process(one, attempt)), ...(rest.length ? [this.process(rest, attempt)] : [])]);
      return;
    }
    if (items.length === 1) {
      // One contact: whatever index AC gives, its reason is this contact's.
      const own = rejected.failureReasons.find((r): r is { failureReason: string } => typeof r === "object" && typeof r.failureReason === "string");
      this.opts.onFailed(items, `rejected by ActiveCampaign: ${own?.failureReason ?? rejected.message}`);
      return;
    }
    // A rejection that names no contact is split like a failed import, and counts toward the circuit breaker.
    const tripped = this.breaker.failure(items.map((i) => i.contact), `rejected: ${rejected.message}`);
    if (tripped) {
      this.fatal ??= tripped;
      return;
    }
    return this.split(items, attempt);
  }

  /** Polls one batch until it ends, AC forgets it, the deadline passes, or the run stops. */
  private async watch(batchId: string, acceptedAt: number, deadlineFrom: number): Promise<Watched> {
    const deadline = deadlineFrom + this.confirmMs;
    this.watching.add(batchId);
    try {
      // About when it should be done: the smoothed latency, or sooner when the batches ahead of it in a serial
      // queue should be through by then. The queue estimate only ever brings a poll forward: from a rate that slow
      // polling itself dragged down it would otherwise push polls later and later.
      let delay = this.clampPoll(Math.min(this.expectedMs - (Date.now() - acceptedAt), this.queueWait(batchId) ?? Infinity));
      for (let polls = 1; ; polls++) {
        await sleep(delay, undefined, { signal: this.opts.signal });
        if (this.fatal !== undefined) return { kind: "pending", status: "not polled after the run stopped" };
        const info = await this.client.importInfo(batchId);
        this.limit.observed(info.status);
        const now = Date.now();
        if (info.status === "completed") return { kind: "completed", info, polls };
        if (info.status === "failed" || info.status === "interrupted") return { kind: "failed", status: info.status };
        if (info.unknown && now - acceptedAt > this.graceMs) return { kind: "unknown", why: "import/info does not know the batchId (HTTP 404 or 400)" };
        // `{"status":false}` (queued, not started) for longer than a whole deadline is the other reading of "unknown".
        if (info.status === false && !info.unknown && now - acceptedAt > this.confirmMs) return { kind: "unknown", why: 'import/info answered {"status":false} past the confirm deadline' };
        if (now + delay > deadline) {
          // `{"status":false}` may be AC having forgotten the batch: one last poll just past the deadline decides.
          if (info.status === false && !info.unknown && now - acceptedAt <= this.confirmMs) {
            delay = acceptedAt + this.confirmMs - now + 1;
            continue;
          }
          return { kind: "pending", status: info.unknown ? "unknown batchId" : String(info.status) };
        }
        delay = this.clampPoll(Math.min(Math.max(delay * 1.5, this.expectedMs / 4), this.queueWait(batchId) ?? Infinity));
      }
    } finally {
      this.watching.delete(batchId);
    }
  }

  /** When this batch should be done if AC works through batches in order at the observed rate (undefined: no rate yet). */
  private queueWait(batchId: string): number | undefined {
    const rate = this.limit.ratePerMs();
    if (rate <= 0) return undefined;
    let ahead = 0;
    for (const id of this.watching) {
      if (id === batchId) break;
      ahead++;
    }
    return (ahead + 1) / rate;
  }

  private clampPoll(ms: number): number {
    return Math.min(this.maxPollMs, Math.max(this.minPollMs, ms));
  }
}
