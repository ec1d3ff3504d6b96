// POST /import/bulk_import: validation of the whole batch (one bad contact rejects all of it, FACTS.md §5.3) and the
// asynchronous lifecycle of a queued batch (false → waiting → claimed → active → completed | failed | interrupted).
import { randomUUID } from "node:crypto";
import type { Account } from "./account.js";
import { applyBatch, batchFailure, type ApplyRules } from "./apply.js";
import type { FaultInjector, Prng } from "./faults.js";
import { nowSeconds, type Store } from "./store.js";

export type { ApplyRules } from "./apply.js";

/** "The maximum payload size of a single bulk_import request is 400000 bytes": 400,000 bytes or more is refused. */
export { BULK_MAX_CONTACTS as MAX_BULK_CONTACTS, BULK_MAX_BYTES as MAX_BULK_BYTES } from "../config/ac-limits.js";
import { BULK_MAX_CONTACTS as MAX_BULK_CONTACTS } from "../config/ac-limits.js";

export const VALIDATION_MESSAGE =
  "JSON payload did not pass validation. Please fix failure Reasons and retry. The import was not queued for processing.";
/** The documented reason for a malformed email, verbatim (odd quotes included). */
export const BAD_EMAIL_REASON = "Field\u2018 email\u2019 incorrect format";

export interface ParsedContact {
  email: string;
  key: string;
  first?: string;
  last?: string;
  phone?: string;
  tags?: string[];
  fields?: Array<[number, string]>;
  subscribe?: number[];
  unsubscribe?: number[];
  /** the contact's own exclude_automations flag */
  excludeAutomations?: boolean;
}

export type FailureReason = { contact: number; failureReason: string } | string;

export type Validation =
  | { ok: true; contacts: ParsedContact[]; excludeAutomations: number; topExclude: boolean }
  | { ok: false; failureReasons: FailureReason[]; message?: string };

export interface BulkRules {
  /** "reject" (default): a second occurrence of an email (any case) rejects the batch; "last-wins": applied in order. */
  duplicates: "reject" | "last-wins";
}

/** Contacts in a parsed body (for the single/multi rate-limit class), or undefined when it has no contacts array. */
export function contactCount(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const c = (body as { contacts?: unknown }).contacts;
  return Array.isArray(c) ? c.length : undefined;
}

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TLD = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/**
 * What the sandbox accepts as an email (ActiveCampaign's exact rule is not documented; this is a strict reading):
 * ASCII only, no surrounding or inner whitespace, one @, a dot-atom local part of 1–64 characters, a domain of at
 * least two valid labels ending in an alphabetic (or punycode) TLD, at most 254 characters.
 */
export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > 254) return false;
  const at = email.indexOf("@");
  if (at <= 0 || at !== email.lastIndexOf("@") || at > 64) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!LOCAL.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  for (const l of labels) if (!LABEL.test(l)) return false;
  return TLD.test(labels[labels.length - 1] as string);
}

const positiveInt = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** Checks a parsed body against the account; every problem is reported, each naming the contact's index. */
export function validateBulk(body: unknown, store: Store, rules: BulkRules): Validation {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, failureReasons: ["The request body must be a JSON object with a 'contacts' array."] };
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.contacts)) return { ok: false, failureReasons: ["'contacts' is a required field and must be an array."] };
  const raw = b.contacts as unknown[];
  if (raw.length === 0) return { ok: false, failureReasons: ["At least one contact is required."] };
  if (raw.length > MAX_BULK_CONTACTS) {
    return { ok: false, failureReasons: [`Up to ${MAX_BULK_CONTACTS} contacts may be included in a single request; got ${raw.length}.`] };
  }
  const reasons: FailureReason[] = [];
  let excludeAutomations = 0;
  if (b.exclude_automations !== undefined) {
    if (typeof b.exclude_automations !== "boolean") reasons.push("'exclude_automations' must be true or false.");
    else if (b.exclude_automations) excludeAutomations = raw.length;
  }
  if (b.callback !== undefined && (typeof b.callback !== "object" || b.callback === null || typeof (b.callback as { url?: unknown }).url !== "string")) {
    reasons.push("'callback' must be an object with a 'url'.");
  }
  const seen = new Map<string, number>();
  const contacts: ParsedContact[] = [];
  for (let i = 0; i < raw.length; i++) {
    const fail = (why: string) => reasons.push({ contact: i, failureReason: why });
    const c = raw[i];
    if (typeof c !== "object" || c === null || Array.isArray(c)) {
      fail("Each contact must be an object.");
      continue;
    }
    const r = c as Record<string, unknown>;
    if (typeof r.email !== "string" || !isValidEmail(r.email)) {
      fail(BAD_EMAIL_REASON);
      continue;
    }
    const key = r.email.toLowerCase();
    const dup = seen.get(key);
    if (dup !== undefined && rules.duplicates === "reject") {
      fail(`Field\u2018 email\u2019 duplicate: '${r.email}' also appears at index ${dup}; each email may appear once per request.`);
    }
    if (dup === undefined) seen.set(key, i);
    const p: ParsedContact = { email: r.email, key };
    for (const [prop, name] of [["first", "first_name"], ["last", "last_name"], ["phone", "phone"]] as const) {
      const v = r[name];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") fail(`Field\u2018 ${name}\u2019 must be a string.`);
      else p[prop] = v;
    }
    if (r.tags !== undefined) {
      if (!Array.isArray(r.tags) || r.tags.some((t) => typeof t !== "string" || t.trim() === "")) fail("Field\u2018 tags\u2019 must be an array of non-empty tag names.");
      else p.tags = r.tags as string[];
    }
    if (r.fields !== undefined) {
      if (!Array.isArray(r.fields)) {
        fail("Field\u2018 fields\u2019 must be an array of {id, value}.");
      } else {
        p.fields = [];
        for (const f of r.fields as unknown[]) {
          const id = positiveInt((f as { id?: unknown } | null)?.id);
          const value = (f as { value?: unknown } | null)?.value;
          if (id === undefined) fail("Each custom field needs a numeric 'id'.");
          else if (!store.fields.has(id)) fail(`Custom field id ${id} does not exist.`);
          else if (typeof value !== "string") fail(`Custom field id ${id} needs a string 'value'.`);
          else p.fields.push([id, value]);
        }
      }
    }
    for (const which of ["subscribe", "unsubscribe"] as const) {
      const v = r[which];
      if (v === undefined) continue;
      if (!Array.isArray(v)) {
        fail(`Field\u2018 ${which}\u2019 must be an array of {listid}.`);
        continue;
      }
      const ids: number[] = [];
      for (const item of v as unknown[]) {
        const id = positiveInt((item as { listid?: unknown } | null)?.listid);
        if (id === undefined) fail(`Each '${which}' entry needs a numeric 'listid'.`);
        else if (!store.lists.has(id)) fail(`List id ${id} does not exist.`);
        else ids.push(id);
      }
      p[which] = ids;
    }
    if (r.exclude_automations !== undefined) {
      if (typeof r.exclude_automations !== "boolean") fail("Field\u2018 exclude_automations\u2019 must be true or false.");
      else {
        p.excludeAutomations = r.exclude_automations;
        if (r.exclude_automations && !(b.exclude_automations === true)) excludeAutomations++;
      }
    }
    contacts.push(p);
  }
  if (reasons.length) return { ok: false, failureReasons: reasons };
  return { ok: true, contacts, excludeAutomations, topExclude: b.exclude_automations === true };
}

export type BatchStatus = "waiting" | "claimed" | "active" | "completed" | "failed" | "interrupted";

export interface Batch {
  id: string;
  seq: number;
  /** performance.now() of the POST */
  at: number;
  /** wall-clock seconds of the POST (for GET /import/bulk_import's forDate) */
  wallAt: number;
  /** wall-clock seconds when it ended */
  wallDone?: number;
  /** when /import/info stops answering `false` */
  falseUntil: number;
  /** when it completes (performance.now() ms) */
  doneAt: number;
  count: number;
  excludeAutomations: number;
  /** the request's top-level exclude_automations */
  topExclude: boolean;
  /** slow queue: when processing starts (before it the batch is `waiting`) */
  startAt?: number;
  /** why it ended failed at processing (field values in reading "fail", the failing pattern) */
  failedBecause?: string;
  ending: "completed" | "failed" | "interrupted";
  /** per contact: 1 = fails (fault contactfail) */
  contactFails?: Uint8Array;
  contacts: ParsedContact[] | null;
  done: boolean;
  success: number[];
  failure: string[];
}

export interface BatchTiming {
  /** real ms after the POST during which /import/info answers `status: false` */
  falseMs: number;
  /** real ms from the POST to completion (fast mode: every batch in parallel) */
  processingMs: number;
  /** slow queue: contacts per real ms the account's importer processes, one batch after another; 0 = fast mode */
  contactsPerMs: number;
  /** slow queue: each batch's processing time varies by ± this fraction */
  jitter: number;
}

/** Queued batches, applied in order at their completion time (a timer, plus settle() at every request). */
export class BatchQueue {
  readonly byId = new Map<string, Batch>();
  private queue: Batch[] = [];
  private head = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** slow queue: when the importer is free again */
  private busyUntil = 0;
  readonly totals = { queued: 0, completed: 0, failed: 0, interrupted: 0, contactsApplied: 0 };
  /** Bumped when a batch is queued or ends (persistence saves when it moved). */
  version = 0;

  constructor(
    private readonly store: Store,
    private readonly account: Account,
    private readonly timing: BatchTiming,
    private readonly rules: ApplyRules,
    private readonly jitterPrng: Prng,
    private readonly onChange: () => void = () => {},
  ) {}

  /** When a batch of `count` contacts posted at `now` starts and ends: in parallel (fast) or behind the backlog. */
  private timesFor(count: number, now: number): { startAt?: number; doneAt: number } {
    const t = this.timing;
    if (t.contactsPerMs <= 0) return { doneAt: now + t.processingMs };
    const startAt = Math.max(now + t.falseMs, this.busyUntil);
    const duration = (count / t.contactsPerMs) * (1 + t.jitter * (2 * this.jitterPrng.next() - 1));
    this.busyUntil = startAt + Math.max(0, duration);
    return { startAt, doneAt: this.busyUntil };
  }

  enqueue(contacts: ParsedContact[], excludeAutomations: number, faults: FaultInjector, now: number, restored?: Partial<Batch>, topExclude = false): Batch {
    const fault = restored ? undefined : faults.drawBatch();
    let contactFails: Uint8Array | undefined;
    if (!restored && faults.spec.contactfail) {
      contactFails = new Uint8Array(contacts.length);
      for (let i = 0; i < contacts.length; i++) contactFails[i] = faults.drawContact() ? 1 : 0;
    }
    const batch: Batch = {
      id: randomUUID(),
      seq: ++this.seq,
      at: now,
      wallAt: nowSeconds(),
      falseUntil: now + this.timing.falseMs,
      // A batch restored from a data file keeps its own remaining time.
      ...(restored ? { doneAt: now } : this.timesFor(contacts.length, now)),
      count: contacts.length,
      excludeAutomations,
      topExclude,
      ending: fault === "bulkfail" ? "failed" : fault === "bulkinterrupt" ? "interrupted" : "completed",
      ...(contactFails && { contactFails }),
      contacts,
      done: false,
      success: [],
      failure: [],
      ...restored,
    };
    this.byId.set(batch.id, batch);
    this.queue.push(batch);
    this.totals.queued++;
    this.version++;
    this.schedule();
    return batch;
  }

  /** Takes back a batch that had already ended (loaded from a data file). */
  adopt(batch: Batch): void {
    this.byId.set(batch.id, batch);
    this.totals.queued++;
    if (batch.ending === "completed") this.totals.completed++;
    else if (batch.ending === "failed") this.totals.failed++;
    else this.totals.interrupted++;
  }

  /** The status /import/info reports at `now` (batches due are applied first). */
  statusOf(batch: Batch, now: number): BatchStatus | false {
    this.settle(now);
    if (now < batch.falseUntil) return false;
    if (batch.done) return batch.ending;
    if (batch.startAt !== undefined) {
      // Slow queue: waiting behind the backlog, claimed for the first tenth of its processing, then active.
      if (now < batch.startAt) return "waiting";
      return now < batch.startAt + (batch.doneAt - batch.startAt) / 10 ? "claimed" : "active";
    }
    const start = Math.min(batch.falseUntil, batch.doneAt);
    const third = (batch.doneAt - start) / 3;
    if (now < start + third) return "waiting";
    if (now < start + 2 * third) return "claimed";
    return "active";
  }

  /** Applies every batch whose completion time has come, in queue order. */
  settle(now: number): void {
    let changed = false;
    while (this.head < this.queue.length) {
      const b = this.queue[this.head] as Batch;
      if (b.doneAt > now) break;
      this.queue[this.head] = undefined as unknown as Batch;
      this.head++;
      this.finish(b);
      changed = true;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (changed) this.onChange();
  }

  pending(): Batch[] {
    return this.queue.slice(this.head).filter((b) => b && !b.done);
  }

  all(): Batch[] {
    return [...this.byId.values()];
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.byId.clear();
    this.queue = [];
    this.head = 0;
    this.busyUntil = 0;
    for (const k of Object.keys(this.totals) as Array<keyof typeof this.totals>) this.totals[k] = 0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    const next = this.queue[this.head];
    if (!next) return;
    const delay = Math.max(0, next.doneAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.settle(performance.now());
      this.schedule();
    }, Math.ceil(delay));
    this.timer.unref();
  }

  private finish(b: Batch): void {
    this.version++;
    b.done = true;
    b.wallDone = nowSeconds();
    const why = b.ending === "completed" && b.contacts ? batchFailure(b.contacts, this.store, this.account, this.rules) : undefined;
    if (why) {
      b.ending = "failed";
      b.failedBecause = why;
    }
    if (b.ending === "completed" && b.contacts) {
      this.totals.contactsApplied += applyBatch(b, b.contacts, this.store, this.account, this.rules);
      this.totals.completed++;
    } else if (b.ending === "failed") {
      this.totals.failed++;
    } else if (b.ending === "interrupted") {
      this.totals.interrupted++;
    }
    b.contacts = null;
    delete b.contactFails;
  }
}
