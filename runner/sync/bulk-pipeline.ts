// Sends batches through POST /import/bulk_import and confirms each with GET /import/info, many at once, so that
// reading, sending and polling overlap and the run goes at ActiveCampaign's bulk limit (the rate budget in the
// client decides the pace). A batch is committed only once ActiveCampaign confirmed it (DESIGN.md decision 3).
import { setTimeout as sleep } from "node:timers/promises";
import type { AcClient, ImportInfo } from "../ac/types.js";
import type { BatchItem } from "./batcher.js";
import { INITIAL_POLL_DELAY_MS } from "./constants.js";

/** Defaults: batches in flight at once, how long a batch may take to confirm, and the longest wait between polls. */
const MAX_IN_FLIGHT = 200;
const CONFIRM_TIMEOUT_MS = 20 * 60_000;
const MAX_POLL_DELAY_MS = 30_000;

export interface BulkPipelineOptions<T> {
  /** Batches sent but not yet confirmed, at most (backpressure on the reader). */
  maxInFlight?: number;
  /** Give up confirming a batch after this long (it is then re-sent by the next run, not committed). */
  confirmTimeoutMs?: number;
  /** First poll delay before anything was observed; afterwards it follows observed processing times. */
  initialPollDelayMs?: number;
  /** `created`: how many contacts AC lists in `success` (ids of contacts the batch created; FACTS.md §5.4). */
  onConfirmed(items: BatchItem<T>[], batchId: string, created: number): Promise<void>;
  onFailed(items: BatchItem<T>[], reason: string, batchId?: string): void;
  onEvent?(event: Record<string, unknown>): void;
  signal?: AbortSignal;
}

export class BulkPipeline<T> {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly tasks = new Set<Promise<void>>();
  private fatal: unknown;
  /** Smoothed time from POST to "completed", to poll about when a batch should be done. */
  private expectedMs: number;
  batchesSent = 0;
  batchesConfirmed = 0;
  contactsConfirmed = 0;

  constructor(private readonly client: AcClient, private readonly opts: BulkPipelineOptions<T>) {
    this.expectedMs = opts.initialPollDelayMs ?? INITIAL_POLL_DELAY_MS;
    this.minPollMs = Math.min(100, this.expectedMs / 10);
  }
  private readonly minPollMs: number;

  /** Queue a batch; resolves once there is room for it (the reader pauses meanwhile). */
  async submit(items: BatchItem<T>[]): Promise<void> {
    this.throwIfFatal();
    while (this.inFlight >= (this.opts.maxInFlight ?? MAX_IN_FLIGHT)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfFatal();
    }
    this.inFlight++;
    const task = this.process(items, 0)
      .catch((e) => {
        this.fatal ??= e;
      })
      .finally(() => {
        this.inFlight--;
        this.tasks.delete(task);
        this.waiters.shift()?.();
      });
    this.tasks.add(task);
  }

  /** Wait for every batch to be confirmed or failed; rethrows the first fatal error after everything settled. */
  async drain(): Promise<void> {
    while (this.tasks.size) await Promise.all([...this.tasks]);
    this.throwIfFatal();
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  private async process(items: BatchItem<T>[], attempt: number): Promise<void> {
    if (this.fatal !== undefined) return; // stop sending after a fatal error; what is confirmed stays committed
    const result = await this.client.bulkImport(items.map((i) => i.contact));
    // Timed from the answer, not from the call: the call includes the wait for a bulk slot.
    const sentAt = Date.now();
    this.batchesSent++;
    if ("rejected" in result) return this.handleRejection(items, result.rejected, attempt);
    const { batchId } = result;
    this.opts.onEvent?.({ event: "batch-sent", batchId, contacts: items.length });
    const { info, polls } = await this.poll(batchId, sentAt);
    if (info?.status === "completed") {
      // A batch is only seen complete at a poll, so the observed time never undershoots: when the first poll already
      // finds it done, probe earlier next time, otherwise the estimate (and the batches in flight) only grows.
      this.expectedMs =
        polls === 1 ? Math.max(this.minPollMs, this.expectedMs * 0.85) : 0.7 * this.expectedMs + 0.3 * (Date.now() - sentAt);
      const failed = new Set(info.failure.map((e) => e.trim().toLowerCase()));
      const bad = items.filter((i) => failed.has(i.contact.email));
      const good = bad.length ? items.filter((i) => !failed.has(i.contact.email)) : items;
      if (bad.length) this.opts.onFailed(bad, "ActiveCampaign reported this contact as failed in the import (it gives no reason)", batchId);
      await this.opts.onConfirmed(good, batchId, info.success.length);
      this.batchesConfirmed++;
      this.contactsConfirmed += good.length;
      this.opts.onEvent?.({ event: "batch-confirmed", batchId, contacts: good.length, failed: bad.length });
      return;
    }
    const status = info ? String(info.status) : "not confirmed in time";
    this.opts.onEvent?.({ event: "batch-not-completed", batchId, status, attempt });
    if (attempt === 0) return this.process(items, 1); // retried once…
    if (items.length > 1) return this.split(items, attempt); // …then split to isolate the rows it trips on
    this.opts.onFailed(items, `ActiveCampaign import ended "${status}" (after a retry and isolating the row)`, batchId);
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
    return this.split(items, attempt);
  }

  private async poll(batchId: string, sentAt: number): Promise<{ info: ImportInfo | undefined; polls: number }> {
    const deadline = sentAt + (this.opts.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS);
    let delay = Math.max(this.minPollMs / 2, this.expectedMs - (Date.now() - sentAt));
    for (let polls = 1; ; polls++) {
      await sleep(delay, undefined, { signal: this.opts.signal });
      const info = await this.client.importInfo(batchId);
      if (info.status === "completed" || info.status === "failed" || info.status === "interrupted") return { info, polls };
      if (Date.now() + delay > deadline) return { info: undefined, polls };
      delay = Math.min(MAX_POLL_DELAY_MS, Math.max(this.minPollMs, delay * 1.5, this.expectedMs / 4));
    }
  }
}
