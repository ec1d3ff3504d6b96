// The HTTP server: every /api/3 request goes auth → 5 rps limiter → fault draw → handler → (lost-response faults);
// /__sandbox/* (inspection) needs no token, is never limited, never faulted and never counted.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Account, type UserGroup } from "./account.js";
import { matchRoute, unknownRoute, type ApiContext, type ApiReply, type ApiRules } from "./api.js";
import type { ApplyRules } from "./apply.js";
import { BatchQueue } from "./bulk.js";
import { FaultInjector, Prng, type FaultSpec, type RequestFault } from "./faults.js";
import { RateObserver, RollingWindow, formatRetryAfter } from "./limits.js";
import { HTML_503, cloudflare504 } from "./shapes.js";
import { Store } from "./store.js";
import { BackgroundTenant } from "./tenant.js";

/** Every option with its default filled in (see SandboxOptions in index.ts for the meaning of each). */
export interface ResolvedOptions extends ApiRules, Omit<ApplyRules, "successIncludesUpdated" | "contactLimit" | "fieldValueReading" | "accountTimeZone"> {
  apiKey: string;
  /** restricted keys: Api-Token → the list ids its user group sees */
  restrictedKeys: Record<string, number[]>;
  /** contacts per minute the account's importer processes, one batch after another; 0 = fast mode */
  importRate: number;
  importJitter: number;
  /** the 5 rps limiter's answer: 429 + Retry-After (documented) or an HTML 503 without Retry-After (overload) */
  rateLimitAnswer: 429 | 503;
  /** requests/s the background tenant spends; 0 = none */
  backgroundTenantRps: number;
  /** a bulk import containing this (substring, or /regex/flags) ends failed; "" = off */
  failPattern: string;
  /** a list-status change also sets the contact's udate */
  statusChangeTouchesContact: boolean;
  /** contacts keep email, dates and list memberships only (no names, phones, field values, tag links) */
  leanContacts: boolean;
  requestsPerSecond: number;
  bulkSinglePerMinute: number;
  bulkProcessingMs: number;
  importInfoFalseMs: number;
  slowMs: number;
  contactLimit: number;
  importSuccessIncludesUpdated: boolean;
  lostResponsesApplied: boolean;
  rateLimitHeaders: boolean;
  logSize: number;
  seed: number;
  faults: FaultSpec;
}

export interface RequestLogEntry {
  seq: number;
  /** real milliseconds since the sandbox started */
  at: number;
  method: string;
  /** "METHOD /template" */
  endpoint: string;
  status: number;
  fault?: RequestFault;
  /** bulk import: contacts queued */
  contacts?: number;
  batchId?: string;
}

/** Largest body read; anything bigger is refused with 413 and the connection closed. */
const MAX_BODY = 16 * 1024 * 1024;

export class SandboxCore {
  readonly store = new Store();
  readonly account = new Account();
  readonly batches: BatchQueue;
  readonly tenant: BackgroundTenant;
  readonly faults: FaultInjector;
  readonly rps: RollingWindow;
  readonly bulkMulti: RollingWindow;
  readonly bulkSingle: RollingWindow;
  readonly rateObserver: RollingObserverPair;
  readonly startedAt = performance.now();
  api = "";
  private readonly ctx: ApiContext;
  private readonly key: Buffer;
  counters = newCounters();
  private log: Array<RequestLogEntry | undefined>;
  private logNext = 0;
  private seq = 0;

  constructor(readonly opts: ResolvedOptions) {
    const scale = opts.timeScale;
    this.key = Buffer.from(opts.apiKey);
    this.faults = new FaultInjector(opts.faults, opts.seed);
    this.rps = new RollingWindow(opts.requestsPerSecond, 1000 / scale);
    this.bulkMulti = new RollingWindow(opts.bulkPerMinute, 60_000 / scale);
    this.bulkSingle = new RollingWindow(opts.bulkSinglePerMinute, 60_000 / scale);
    this.rateObserver = { perSecond: new RateObserver(1000 / scale), bulkPerMinute: new RateObserver(60_000 / scale) };
    this.batches = new BatchQueue(
      this.store,
      this.account,
      {
        falseMs: opts.importInfoFalseMs / scale,
        processingMs: opts.bulkProcessingMs / scale,
        contactsPerMs: (opts.importRate * scale) / 60_000,
        jitter: opts.importJitter,
      },
      {
        successIncludesUpdated: opts.importSuccessIncludesUpdated,
        contactLimit: opts.contactLimit,
        skippedInFailure: opts.skippedInFailure,
        bulkSubscribeInactive: opts.bulkSubscribeInactive,
        bulkUnsubscribeCreates: opts.bulkUnsubscribeCreates,
        excludeAutomationsReading: opts.excludeAutomationsReading,
        fieldValueReading: opts.fieldValueReading,
        accountTimeZone: opts.accountTimeZone,
      },
      new Prng(opts.seed ^ 0x5eed),
    );
    this.store.touchContactOnStatus = opts.statusChangeTouchesContact;
    this.store.lean = opts.leanContacts;
    this.tenant = new BackgroundTenant(this.rps, scale);
    this.tenant.set(opts.backgroundTenantRps);
    this.account.setFailPattern(opts.failPattern);
    for (const [key, lists] of Object.entries(opts.restrictedKeys)) this.addGroup(key, lists);
    this.log = new Array(Math.max(0, opts.logSize));
    this.ctx = {
      store: this.store,
      account: this.account,
      batches: this.batches,
      faults: this.faults,
      rules: opts,
      api: "",
      bulkMulti: this.bulkMulti,
      bulkSingle: this.bulkSingle,
      stats: this.counters,
    };
  }

  setBaseUrl(url: string): void {
    this.api = `${url}/api/3`;
    this.ctx.api = this.api;
  }

  /** A restricted key: its user group sees only these lists (and their contacts). */
  addGroup(apiKey: string, lists: number[]): void {
    this.account.groups.set(apiKey, { name: `group of ${lists.length ? `lists ${lists.join(", ")}` : "no list"}`, lists: new Set(lists) });
  }

  /** Clears data, batches, limiter windows, counters and the log; the fault sequence starts over from the seed. */
  reset(): void {
    this.store.clear();
    this.account.clear();
    this.tenant.reset();
    this.batches.clear();
    this.rps.clear();
    this.bulkMulti.clear();
    this.bulkSingle.clear();
    this.rateObserver.perSecond.clear();
    this.rateObserver.bulkPerMinute.clear();
    this.faults.reseed();
    this.counters = newCounters();
    this.ctx.stats = this.counters;
    this.log = new Array(this.log.length);
    this.logNext = 0;
    this.seq = 0;
  }

  logEntries(): RequestLogEntry[] {
    const n = this.log.length;
    const out: RequestLogEntry[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.log[(this.logNext + i) % n];
      if (e) out.push(e);
    }
    return out;
  }

  /** Handles one /api/3 request (`path` is what follows /api/3). */
  async handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req, res);
    if (body === undefined) return;
    let now = performance.now();
    this.batches.settle(now);
    const match = matchRoute(method, path);
    const c = this.counters;
    c.total++;
    c.byEndpoint[match.endpoint] = (c.byEndpoint[match.endpoint] ?? 0) + 1;
    const entry: RequestLogEntry = { seq: ++this.seq, at: Math.round((now - this.startedAt) * 1000) / 1000, method, endpoint: match.endpoint, status: 0 };

    // Auth first: requests without a valid key are not attributed to the account, so they are never rate-limited.
    const token = req.headers["api-token"];
    const group: UserGroup | undefined = typeof token === "string" ? this.account.groups.get(token) : undefined;
    if (typeof token !== "string" || (!group && !this.tokenMatches(token))) {
      c.rejected403++;
      return this.send(res, { status: 403, json: { message: "Forbidden" } }, entry);
    }

    this.rateObserver.perSecond.record(now);
    if (match.endpoint === "POST /import/bulk_import") this.rateObserver.bulkPerMinute.record(now);
    const wait = this.rps.waitMs(now);
    if (wait > 0) {
      // Overload mode: what users report at the limit, an HTML 503 without Retry-After (REAL-ACCOUNT.md F6).
      if (this.opts.rateLimitAnswer === 503) {
        c.rejected503++;
        return this.send(res, { status: 503, text: HTML_503 }, entry);
      }
      c.rejected429++;
      return this.send(res, { status: 429, json: { message: "Too Many Requests" }, headers: { "Retry-After": formatRetryAfter(wait, this.opts.timeScale) } }, entry);
    }
    const fault = this.faults.drawRequest();
    if (fault) entry.fault = fault;
    if (fault === "429") {
      // An extra 429, as if the account's budget were shared with another integration: not counted in the window.
      const waitMs = (1000 + Math.floor(this.faults.uniform() * 2000)) / this.opts.timeScale;
      return this.send(res, { status: 429, json: { message: "Too Many Requests" }, headers: { "Retry-After": formatRetryAfter(waitMs, this.opts.timeScale) } }, entry);
    }
    this.rps.take(now);
    if (fault === "503") return this.send(res, { status: 503, text: HTML_503 }, entry);
    if (fault === "500") return this.send(res, { status: 500, json: { message: "An unexpected error occurred." } }, entry);
    if (fault === "403") return this.send(res, { status: 403, json: { message: "Forbidden" } }, entry);
    if (fault === "slow") {
      await new Promise((r) => setTimeout(r, this.opts.slowMs / this.opts.timeScale));
      if (res.destroyed) return;
      now = performance.now();
      this.batches.settle(now);
    }
    const lost = fault === "reset" || fault === "html504";
    this.fireHooks(match.endpoint);
    let reply: ApiReply | undefined;
    if (!lost || this.opts.lostResponsesApplied) {
      reply = match.handler ? match.handler(this.ctx, { method, path, query, body, now, ...(group && { group }) }, match.params) : unknownRoute();
    }
    if (reply?.delayMs) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
    }
    if (fault === "html504") return this.send(res, { status: 504, text: cloudflare504(req.headers.host ?? "127.0.0.1", entry.seq) }, entry);
    if (fault === "reset") {
      entry.status = -1;
      this.record(entry);
      const payload = Buffer.from(JSON.stringify(reply?.json ?? {}));
      res.writeHead(reply?.status ?? 200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(payload.length) });
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      // The connection dies mid-response: the client sees a reset / "other side closed", never the whole body.
      setImmediate(() => req.socket.destroy());
      return;
    }
    this.send(res, reply as ApiReply, entry);
  }

  /** Status hooks armed for this endpoint change their contact's status before the request is handled. */
  private fireHooks(endpoint: string): void {
    for (const h of this.account.dueHooks(endpoint)) {
      const list = this.store.lists.get(h.listId);
      const id = this.store.contactId(h.email);
      if (!list || id === undefined) continue;
      const midx = list.m.byContact.get(id);
      if (midx === undefined) this.store.addMembership(list, id, h.status, h.by, 0);
      else this.store.setMembershipStatus(midx, h.status, h.by, undefined);
    }
  }

  private tokenMatches(token: string): boolean {
    const given = Buffer.from(token);
    return given.length === this.key.length && timingSafeEqual(given, this.key);
  }

  private record(entry: RequestLogEntry): void {
    const c = this.counters;
    c.byStatus[String(entry.status)] = (c.byStatus[String(entry.status)] ?? 0) + 1;
    if (this.log.length === 0) return;
    this.log[this.logNext] = entry;
    this.logNext = (this.logNext + 1) % this.log.length;
  }

  private send(res: ServerResponse, reply: ApiReply & { text?: string }, entry: RequestLogEntry): void {
    entry.status = reply.status;
    if (reply.batchId) entry.batchId = reply.batchId;
    if (reply.contacts !== undefined) entry.contacts = reply.contacts;
    this.record(entry);
    const headers: Record<string, string> = { ...reply.headers };
    if (this.opts.rateLimitHeaders) {
      headers["RateLimit-Limit"] = String(this.opts.requestsPerSecond);
      headers["RateLimit-Remaining"] = String(this.rps.remaining(performance.now()));
    }
    if (reply.text !== undefined) sendText(res, reply.status, reply.text, "text/html; charset=UTF-8", headers);
    else sendJson(res, reply.status, reply.json ?? {}, headers);
  }
}

interface RollingObserverPair {
  perSecond: RateObserver;
  bulkPerMinute: RateObserver;
}

function newCounters() {
  return {
    total: 0,
    byEndpoint: {} as Record<string, number>,
    byStatus: {} as Record<string, number>,
    rejected403: 0,
    rejected429: 0,
    rejected503: 0,
    bulkRateLimited: 0,
    bulkContactsReceived: 0,
    bulkEmails: new Set<string>(),
    excludeAutomations: 0,
  };
}

export function sendJson(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(json), "application/json; charset=utf-8", headers);
}

export function sendText(res: ServerResponse, status: number, text: string, type: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const payload = Buffer.from(text);
  res.writeHead(status, { ...headers, "Content-Type": type, "Content-Length": String(payload.length) });
  res.end(payload);
}

/** The whole request body, or undefined when it was too big (413 sent, connection closed) or the client went away. */
export function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        done = true;
        sendJson(res, 413, { message: `Request body over ${MAX_BODY} bytes` }, { Connection: "close" });
        res.on("finish", () => req.socket.destroy());
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on("error", () => {
      if (done) return;
      done = true;
      resolve(undefined);
    });
    req.on("close", () => {
      if (done) return;
      done = true;
      resolve(undefined);
    });
  });
}
