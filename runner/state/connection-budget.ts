// Exports that share one connection (one ActiveCampaign account) share its rate budget (issue #12, REAL-ACCOUNT.md F6).
// Each running export registers a record next to the exports' states (connection-registry.ts) and renews it every
// heartbeat; each run's rate is its share of the connection's budget among the live registrants.
//
// The record says what the run was configured for (`budget`) and what it may use right now (`current`). The rule
// that keeps the account's limits whatever the timing: a run's actual rate never exceeds its published `current`.
//   - Lowering: the run slows down first, waits until no more of its requests can still count in the account's
//     windows than the lower rate allows (its budget's busy slots: see RateBudget.drained), then publishes it. This
//     holds even when the server counts a request late.
//   - Raising: the run publishes the higher rate, reads the records again (so a newcomer that registered meanwhile is
//     seen, or has seen the new value: of two runs raising at once, at least one sees the other's raise), and only
//     then speeds up.
// A run's share: the connection's budget (the smallest `budget` of the live registrants, so the most careful
// configuration wins) divided by how many are live, and never more than what the others' `current` leaves.
// A newcomer registers with `current` 0 and waits until the others have made room (a heartbeat or two).
// A record whose heartbeat is older than `staleAfterMs` belongs to a run that died: its share is taken back.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import type { ConnectionRegistry } from "./connection-registry.js";

export interface Limits {
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
}

const limitsSchema = z.object({ requestsPerSecond: z.number().min(0).finite(), bulkRequestsPerMinute: z.number().min(0).finite() });
/** A record as another run wrote it: checked, since anyone who can write the state folder can write one. */
const recordSchema = z.object({ v: z.literal(1), export: z.string().max(48), budget: limitsSchema, current: limitsSchema });
type BudgetRecord = z.infer<typeof recordSchema> & { pid: number; host: string; startedAt: string };

export interface ConnectionBudgetOptions {
  registry: ConnectionRegistry;
  exportName: string;
  /** This export's configured rate limits (the config's `rateLimit`). */
  configured: Limits;
  /** Puts a share in force (the ActiveCampaign client's setRateShare); resolves once the run's windows fit it. */
  apply: (share: Limits) => void | Promise<void>;
  /** How often the record is renewed and the others' read. @default 5000 */
  heartbeatMs?: number;
  /** A record whose heartbeat is older than this is a dead run's. @default 3 heartbeats */
  staleAfterMs?: number;
  /** Log lines ("connection-budget" events) and warnings. */
  onEvent?: (name: string, data: Record<string, unknown>) => void;
}

/** A run's share: the connection's budget divided among the live registrants, within what the others leave. */
export function shareOf(budget: Limits, others: ReadonlyArray<{ budget: Limits; current: Limits }>): Limits {
  const n = others.length + 1;
  const pick = (key: keyof Limits): number => {
    const connection = Math.min(budget[key], ...others.map((o) => o.budget[key]));
    const used = others.reduce((sum, o) => sum + o.current[key], 0);
    return Math.max(0, Math.min(budget[key], connection / n, connection - used));
  };
  // Rounded down to a thousandth, so that shares of a third add up to no more than the whole.
  const floor3 = (x: number) => Math.floor(x * 1000 + 1e-9) / 1000;
  return { requestsPerSecond: floor3(pick("requestsPerSecond")), bulkRequestsPerMinute: floor3(pick("bulkRequestsPerMinute")) };
}

const lower = (a: Limits, b: Limits): Limits => ({
  requestsPerSecond: Math.min(a.requestsPerSecond, b.requestsPerSecond),
  bulkRequestsPerMinute: Math.min(a.bulkRequestsPerMinute, b.bulkRequestsPerMinute),
});
const same = (a: Limits, b: Limits): boolean => a.requestsPerSecond === b.requestsPerSecond && a.bulkRequestsPerMinute === b.bulkRequestsPerMinute;
const ZERO: Limits = { requestsPerSecond: 0, bulkRequestsPerMinute: 0 };

export class ConnectionBudget {
  private readonly id: string;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  /** What this run publishes: its actual rate never exceeds it. */
  private published: Limits = ZERO;
  /** What is in force in the client. */
  private inForce: Limits = ZERO;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** When the last heartbeat write started (this clock). */
  private lastPut = Date.now();
  private peers = 0;
  private readonly startedAt = new Date().toISOString();
  /** Most exports seen registered at once (this one included), for the report. */
  maxExports = 1;

  constructor(private readonly options: ConnectionBudgetOptions) {
    this.id = `${options.exportName}.${randomBytes(8).toString("hex")}`;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 3 * this.heartbeatMs;
  }

  get location(): string {
    return this.options.registry.location;
  }

  /**
   * Registers (with nothing in use) and takes the first share. A registry that cannot be written is a warning: the
   * run then uses its configured rate, as before exports coordinated.
   */
  async join(): Promise<void> {
    void this.setInForce(ZERO);
    try {
      await this.publish(ZERO);
      await this.beat();
    } catch (e) {
      this.warn(e);
      void this.setInForce(this.options.configured);
      return;
    }
    this.schedule();
  }

  /** Stops the heartbeat and removes the record (best effort: a stale record expires by itself). */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.beating?.catch(() => undefined);
    await this.options.registry.remove(this.id).catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    // Starved (a newcomer waiting for room): look again sooner.
    const starved = this.inForce.requestsPerSecond === 0 || this.inForce.bulkRequestsPerMinute === 0;
    this.timer = setTimeout(() => {
      this.beating = this.beat()
        .catch((e: unknown) => this.warn(e))
        .finally(() => {
          this.beating = undefined;
          this.schedule();
        });
    }, starved ? this.heartbeatMs / 4 : this.heartbeatMs);
    // Not unref'd: while a starved run's requests all wait for room, this timer is what keeps the process alive.
    // leave() clears it.
  }

  /** One heartbeat: read the others, slow down (and drain) or publish a raise, read again, then speed up. */
  private async beat(): Promise<void> {
    const { configured } = this.options;
    // Our heartbeat is late (a slow store, a paused process): the others may have taken our record for a dead run's
    // and our share with it. Stop until this beat has published and confirmed again.
    if (Date.now() - this.lastPut > this.staleAfterMs - this.heartbeatMs && !same(this.inForce, ZERO)) void this.setInForce(ZERO);
    const target = shareOf(configured, await this.others());
    const down = lower(this.inForce, target);
    if (!same(down, this.inForce)) await this.beatingWhile(this.setInForce(down));
    await this.publish(target); // also the heartbeat
    if (same(down, target)) return;
    // A raise: the records again, so that a run that registered meanwhile is counted (or has counted our raise).
    const confirmed = lower(target, shareOf(configured, await this.others()));
    if (!same(confirmed, target)) await this.publish(confirmed);
    void this.setInForce(confirmed);
  }

  /** Keeps the heartbeat going (the record as published) while a slow-down drains the run's windows. */
  private async beatingWhile(draining: Promise<void>): Promise<void> {
    let done = false;
    void draining.finally(() => (done = true));
    while (!done && !this.stopped) {
      await Promise.race([draining, this.nap(this.heartbeatMs)]);
      if (!done && !this.stopped) await this.publish(this.published);
    }
  }

  /** A wait that leave() cuts short. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private setInForce(limits: Limits): Promise<void> {
    this.inForce = limits;
    return Promise.resolve(this.options.apply(limits));
  }

  private async publish(current: Limits): Promise<void> {
    const record: BudgetRecord = {
      v: 1,
      export: this.options.exportName,
      budget: this.options.configured,
      current,
      pid: process.pid,
      host: hostname(),
      startedAt: this.startedAt,
    };
    const started = Date.now();
    await this.options.registry.put(this.id, Buffer.from(JSON.stringify(record)));
    this.published = current;
    this.lastPut = started;
  }

  /** The live records of the other runs; unreadable ones are counted as using the whole connection budget. */
  private async others(): Promise<Array<{ budget: Limits; current: Limits }>> {
    const entries = await this.options.registry.list();
    const live = entries.filter((e) => e.id !== this.id && e.ageMs <= this.staleAfterMs);
    const others = live.map((e) => {
      const parsed = parseRecord(e.record);
      // A record we cannot read is someone's: assume the worst (it uses what our configuration allows).
      return parsed ?? { budget: this.options.configured, current: this.options.configured };
    });
    if (others.length !== this.peers) {
      this.peers = others.length;
      this.maxExports = Math.max(this.maxExports, others.length + 1);
      this.options.onEvent?.("connection-budget", { exports: others.length + 1, location: this.location });
    }
    return others;
  }

  private warn(e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    this.options.onEvent?.("warning", { message: `connection budget at ${this.location}: ${why}; this run keeps the rate it has` });
  }
}

function parseRecord(raw: Buffer): { budget: Limits; current: Limits } | undefined {
  try {
    const r = recordSchema.safeParse(JSON.parse(raw.toString("utf8")));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
