// The ActiveCampaign sandbox: a real HTTP server (node:http) that behaves like one ActiveCampaign account for the API
// v3 subset the runner uses, with the real shapes, status codes, error bodies, rate limits, asynchronous bulk imports
// and seedable faults. Started by `ac-export sandbox`, or in-process with startSandbox().
//
// Where FACTS.md marks a behaviour UNCONFIRMED, the sandbox does the stricter thing by default and has a switch
// (README "Try it without an ActiveCampaign account" lists them):
//   bulkRateLimitStatus 400          the bulk "Rate limit exceeded." error comes as HTTP 400 (documented body), no Retry-After
//   bulkSingleCountsTowardMulti true a single-contact bulk import also uses one of the 100/min multi-contact slots
//   countRateLimitedBulk false       bulk requests refused by the per-minute limit do not count toward it (like 429s)
//   bulkDuplicateEmails "reject"     the same email twice in one batch rejects the batch, naming the later index
//   importSuccessIncludesUpdated false  /import/info `success` lists only contacts the batch created
//   syncUpdateStatus 200             contact/sync answers 201 when it creates, 200 when it updates
//   rateLimitHeaders false           no RateLimit-Limit / RateLimit-Remaining headers (clients must not need them)
//   lostResponsesApplied true        a request whose response is lost (reset, HTML 504) was still applied
// The real account (issues #10-#12, REAL-ACCOUNT.md): documented behaviour is the default (contactLists status 1
// re-subscribes whatever sourceid says); each undocumented one is a switch below, defaulting to the reading that is
// harder on a client (skipped contacts vanish silently, bulk subscribe activates unconfirmed/bounced members, an
// unsubscribe-only import creates a missing contact, exclude_automations honoured only at the top level).
// Requests count toward the 5/s budget on every /api/3 endpoint, bulk imports included (FACTS: "assume they do").
import { isLoopbackHost } from "../config/loopback.js";
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { dirname, resolve as resolvePath } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultSpecError, parseFaults, type FaultSpec } from "./faults.js";
import { createInspector, type SandboxInspector } from "./inspect.js";
import { handleInspectorHttp } from "./inspect-http.js";
import { isTimeZone } from "./fieldvalues.js";
import { DataFileError, loadData, saveData } from "./persist.js";
import { SandboxCore, sendJson, type ResolvedOptions } from "./server.js";

export type { FaultKind, FaultSpec } from "./faults.js";
export { FaultSpecError, parseFaults } from "./faults.js";
export type {
  BatchView,
  ContactView,
  ListCounts,
  MemberView,
  RequestStats,
  SandboxInspector,
  SeedContact,
  SeedData,
  SeedResult,
} from "./inspect.js";
export type { AccountInspector, HookInput } from "./inspect-account.js";
export { InspectorError } from "./inspect.js";
export type { RequestLogEntry } from "./server.js";
export type { ListStatus, UnsubscribedBy } from "./store.js";
export type { Activation, AutomationCounts, Exclusion, StatusHook } from "./account.js";
export type { TenantStats } from "./tenant.js";
export { DataFileError };

export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on; loopback only (127.0.0.0/8, ::1, localhost) unless allowNonLoopback. @default "127.0.0.1" */
  host?: string;
  /** Allow a non-loopback host (the sandbox has no TLS and one shared key). @default false */
  allowNonLoopback?: boolean;
  /** The key every /api/3 request must send as `Api-Token`. @default a random 72-hex-digit key */
  apiKey?: string;
  /** Divides every window, Retry-After, processing delay and slow-response delay by N (ratios stay exact). @default 1 */
  timeScale?: number;
  /** Fault probabilities, e.g. "429:0.05,503:0.02,500:0.01,reset:0.01,html504:0.01,slow:0.02,bulkfail:0.02". @default none */
  faults?: string | FaultSpec;
  /** Seed of the fault sequence. @default 1 */
  seed?: number;
  /** JSON file to load the account from at start and persist it to (every few seconds while it changes, and at close). */
  data?: string;
  /** How often to persist to `data` while the account changes, real ms. @default 5000 */
  persistIntervalMs?: number;
  /** The account's request budget: at most this many /api/3 requests in any rolling second. @default 5 */
  requestsPerSecond?: number;
  /** Multi-contact bulk imports in any rolling minute. @default 100 */
  bulkPerMinute?: number;
  /** Single-contact bulk imports in any rolling minute. @default 20 */
  bulkSinglePerMinute?: number;
  /** Time from a bulk import's POST to its completion, in API ms (divided by timeScale). @default 2000 */
  bulkProcessingMs?: number;
  /** /import/info answers `status: false` this long after the POST, API ms (divided by timeScale). @default 1000 */
  importInfoFalseMs?: number;
  /** Delay of a `slow` fault, API ms (divided by timeScale). @default 5000 */
  slowMs?: number;
  /** The plan's contact limit: new bulk-imported contacts beyond it are skipped (see skippedInFailure). @default unlimited */
  contactLimit?: number;
  /** Requests kept in inspect.requests().log. @default 10000 */
  logSize?: number;

  // Strictness switches (see the header comment; defaults are the stricter readings of FACTS.md).
  /** HTTP status of the bulk "Rate limit exceeded." answer; 429 also sends Retry-After. @default 400 */
  bulkRateLimitStatus?: 400 | 429;
  /** A single-contact bulk import also takes a multi-contact (100/min) slot. @default true */
  bulkSingleCountsTowardMulti?: boolean;
  /** Bulk imports refused by the per-minute limit still count toward it. @default false */
  countRateLimitedBulk?: boolean;
  /** Same email twice in one bulk import: reject the batch, or apply in order (last wins). @default "reject" */
  bulkDuplicateEmails?: "reject" | "last-wins";
  /** /import/info `success` also lists updated (not only created) contacts. @default false */
  importSuccessIncludesUpdated?: boolean;
  /** Status of POST /contact/sync when it updates an existing contact (creating is 201). @default 200 */
  syncUpdateStatus?: 200 | 201;
  /** Send RateLimit-Limit / RateLimit-Remaining on every /api/3 response. @default false */
  rateLimitHeaders?: boolean;
  /** A request whose response is lost to a `reset` or `html504` fault was applied anyway. @default true */
  lostResponsesApplied?: boolean;

  // The real account (issues #10-#12). README "Readings of the real account" lists each with its evidence.
  /** POST /contactLists status 1 on an unsubscribed member: "any" re-subscribes whatever sourceid (documented); "sourceid4" only with sourceid 4. @default "any" */
  contactListsResubscribe?: "any" | "sourceid4";
  /** Bulk `subscribe` on an unconfirmed (0) or bounced (3) member: "activate" or "keep" (strict). Status 2 always stays. @default "activate" */
  bulkSubscribeInactive?: "activate" | "keep";
  /** Contacts an import skips (exclusion list, account bounce, contact limit) are listed in `failure`. @default false (they vanish silently) */
  skippedInFailure?: boolean;
  /** A bulk contact that only unsubscribes and does not exist is created (unsubscribed). @default true */
  bulkUnsubscribeCreates?: boolean;
  /** Which exclude_automations the importer honours: the request's "top-level" flag (doc text), the "per-contact" one (spec example), or "either". @default "top-level" */
  excludeAutomationsReading?: "per-contact" | "top-level" | "either";
  /** Base of the index in a rejected import's failureReasons[].contact. @default 0 */
  failureIndexBase?: 0 | 1;
  /** Restricted API keys: key → the list ids its user group sees (a key sees nothing else: 403 on other lists, none of their contacts). */
  restrictedKeys?: Record<string, number[]>;
  /** Custom-field values that do not fit the field's type: "coerce" (dates to 1899-12-31, unknown options stored but shown empty) or "fail" (the import ends failed; contact/sync answers 422). @default "coerce" */
  fieldValueReading?: "coerce" | "fail";
  /** The account's time zone (IANA): datetime values are stored converted to it. @default "UTC" */
  accountTimeZone?: string;
  /** GET /fields honours `offset` (the spec documents only limit and filters[perstag]). @default "ignored" */
  fieldsOffset?: "ignored" | "honoured";
  /** A bulk import ends `failed` when any of its contacts contains this text (or matches /regex/flags). @default none */
  failPattern?: string;
  /** The account's importer processes this many contacts per minute, one batch after another (0 = fast mode: every batch bulkProcessingMs after its POST, in parallel). @default 0 */
  importRate?: number;
  /** Each batch's processing time in the slow queue varies by ± this fraction (0…1). @default 0 */
  importJitter?: number;
  /** /import/info for an unknown or expired batchId: "404", "false" (`{"status":false}` for ever) or "400". @default "404" */
  unknownBatchAnswer?: "404" | "false" | "400";
  /** How long a finished batch stays known to /import/info, API ms. @default forever */
  batchRetentionMs?: number;
  /** The 5 requests/s limiter answers 429 with Retry-After (documented) or 503 without it (overload mode). @default 429 */
  rateLimitAnswer?: 429 | 503;
  /** A background tenant (a website's forms) spends this many of the account's requests per second. @default 0 */
  backgroundTenantRps?: number;
  /** GET /contacts pages take this many API ms longer per 10,000 contacts in the list read (or the account). @default 0 */
  contactsPageDelayMs?: number;
  /** GET /contacts?listid=… ignores orders[id] (rows in subscription order; an id_greater cursor then skips rows). @default false */
  listOrderIgnored?: boolean;
  /** A list-status change (an unsubscribe, a bounce) also sets the contact's udate, so filters[updated_after] finds it. @default false */
  statusChangeTouchesContact?: boolean;
  /**
   * Lean contacts, for benchmarks at 10,000,000 contacts: a contact keeps its email, dates and list memberships only;
   * names, phones, field values and tag links are accepted and dropped (so no tag automations either). Not with `data`.
   * @default false
   */
  leanContacts?: boolean;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:43121 (no /api/3) */
  url: string;
  apiKey: string;
  inspect: SandboxInspector;
  /** The options in effect, defaults filled in (the API key masked). */
  options: Readonly<Omit<ResolvedOptions, "apiKey" | "restrictedKeys">>;
  /** Writes the account to the `data` file now (no-op without one). */
  save(): Promise<void>;
  /** Stops listening, drops open connections, stops processing and persists to `data`. Idempotent. */
  close(): Promise<void>;
}

export class SandboxOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxOptionError";
  }
}

export { isLoopbackHost };

function resolveOptions(o: SandboxOptions): ResolvedOptions & { port: number; host: string } {
  const num = (name: keyof SandboxOptions, value: number | undefined, fallback: number, min: number, integer: boolean): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new SandboxOptionError(`${name} must be ${integer ? "a whole number" : "a number"} ≥ ${min}; got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const oneOf = <T>(name: keyof SandboxOptions, value: T | undefined, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) throw new SandboxOptionError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${JSON.stringify(value)}`);
    return value;
  };
  const host = o.host ?? "127.0.0.1";
  if (!o.allowNonLoopback && !isLoopbackHost(host)) {
    throw new SandboxOptionError(`host ${JSON.stringify(host)} is not a loopback address; the sandbox listens on 127.0.0.1, ::1 or localhost unless allowNonLoopback (--allow-non-loopback) is set`);
  }
  const timeScale = num("timeScale", o.timeScale, 1, Number.MIN_VALUE, false);
  if (timeScale <= 0) throw new SandboxOptionError("timeScale must be > 0");
  const apiKey = o.apiKey ?? randomBytes(36).toString("hex");
  if (typeof apiKey !== "string" || apiKey.length === 0 || /[\s\x00-\x1f]/.test(apiKey)) throw new SandboxOptionError("apiKey must be a non-empty string without whitespace");
  let faults: FaultSpec;
  try {
    faults = parseFaults(o.faults);
  } catch (e) {
    if (e instanceof FaultSpecError) throw new SandboxOptionError(`faults: ${e.message}`);
    throw e;
  }
  const accountTimeZone = o.accountTimeZone ?? "UTC";
  if (typeof accountTimeZone !== "string" || !isTimeZone(accountTimeZone)) throw new SandboxOptionError(`accountTimeZone must be an IANA time zone such as "America/Chicago"; got ${JSON.stringify(o.accountTimeZone)}`);
  const restrictedKeys = o.restrictedKeys ?? {};
  for (const [key, lists] of Object.entries(restrictedKeys)) {
    if (key === "" || /[\s\x00-\x1f]/.test(key) || key === apiKey) throw new SandboxOptionError("restrictedKeys: each key must be a non-empty string without whitespace, other than apiKey");
    if (!Array.isArray(lists) || lists.some((l) => !Number.isSafeInteger(l) || l < 1)) throw new SandboxOptionError(`restrictedKeys: the lists of a key must be list ids (whole numbers ≥ 1); got ${JSON.stringify(lists)}`);
  }
  const importJitter = num("importJitter", o.importJitter, 0, 0, false);
  if (importJitter > 1) throw new SandboxOptionError(`importJitter must be from 0 to 1; got ${importJitter}`);
  return {
    port: num("port", o.port, 0, 0, true),
    host,
    apiKey,
    timeScale,
    faults,
    seed: num("seed", o.seed, 1, 0, true),
    requestsPerSecond: num("requestsPerSecond", o.requestsPerSecond, 5, 1, true),
    bulkPerMinute: num("bulkPerMinute", o.bulkPerMinute, 100, 1, true),
    bulkSinglePerMinute: num("bulkSinglePerMinute", o.bulkSinglePerMinute, 20, 1, true),
    bulkProcessingMs: num("bulkProcessingMs", o.bulkProcessingMs, 2000, 0, false),
    importInfoFalseMs: num("importInfoFalseMs", o.importInfoFalseMs, 1000, 0, false),
    slowMs: num("slowMs", o.slowMs, 5000, 0, false),
    contactLimit: num("contactLimit", o.contactLimit, Number.POSITIVE_INFINITY, 0, false),
    logSize: num("logSize", o.logSize, 10_000, 0, true),
    bulkRateLimitStatus: oneOf("bulkRateLimitStatus", o.bulkRateLimitStatus, [400, 429] as const, 400),
    bulkSingleCountsTowardMulti: oneOf("bulkSingleCountsTowardMulti", o.bulkSingleCountsTowardMulti, [true, false], true),
    countRateLimitedBulk: oneOf("countRateLimitedBulk", o.countRateLimitedBulk, [true, false], false),
    bulkDuplicateEmails: oneOf("bulkDuplicateEmails", o.bulkDuplicateEmails, ["reject", "last-wins"] as const, "reject"),
    importSuccessIncludesUpdated: oneOf("importSuccessIncludesUpdated", o.importSuccessIncludesUpdated, [true, false], false),
    syncUpdateStatus: oneOf("syncUpdateStatus", o.syncUpdateStatus, [200, 201] as const, 200),
    rateLimitHeaders: oneOf("rateLimitHeaders", o.rateLimitHeaders, [true, false], false),
    lostResponsesApplied: oneOf("lostResponsesApplied", o.lostResponsesApplied, [true, false], true),
    contactListsResubscribe: oneOf("contactListsResubscribe", o.contactListsResubscribe, ["any", "sourceid4"] as const, "any"),
    bulkSubscribeInactive: oneOf("bulkSubscribeInactive", o.bulkSubscribeInactive, ["activate", "keep"] as const, "activate"),
    skippedInFailure: oneOf("skippedInFailure", o.skippedInFailure, [true, false], false),
    bulkUnsubscribeCreates: oneOf("bulkUnsubscribeCreates", o.bulkUnsubscribeCreates, [true, false], true),
    excludeAutomationsReading: oneOf("excludeAutomationsReading", o.excludeAutomationsReading, ["per-contact", "top-level", "either"] as const, "top-level"),
    failureIndexBase: oneOf("failureIndexBase", o.failureIndexBase, [0, 1] as const, 0),
    restrictedKeys,
    fieldValueReading: oneOf("fieldValueReading", o.fieldValueReading, ["coerce", "fail"] as const, "coerce"),
    accountTimeZone,
    fieldsOffset: oneOf("fieldsOffset", o.fieldsOffset, ["ignored", "honoured"] as const, "ignored"),
    failPattern: o.failPattern ?? "",
    importRate: num("importRate", o.importRate, 0, 0, false),
    importJitter,
    unknownBatchAnswer: oneOf("unknownBatchAnswer", o.unknownBatchAnswer, ["404", "false", "400"] as const, "404"),
    batchRetentionMs: num("batchRetentionMs", o.batchRetentionMs, Number.POSITIVE_INFINITY, 0, false),
    rateLimitAnswer: oneOf("rateLimitAnswer", o.rateLimitAnswer, [429, 503] as const, 429),
    backgroundTenantRps: num("backgroundTenantRps", o.backgroundTenantRps, 0, 0, false),
    contactsPageDelayMs: num("contactsPageDelayMs", o.contactsPageDelayMs, 0, 0, false),
    listOrderIgnored: oneOf("listOrderIgnored", o.listOrderIgnored, [true, false], false),
    statusChangeTouchesContact: oneOf("statusChangeTouchesContact", o.statusChangeTouchesContact, [true, false], false),
    leanContacts: oneOf("leanContacts", o.leanContacts, [true, false], false),
  };
}

/** Starts a sandbox and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { port, host, ...resolved } = resolveOptions(options);
  if (resolved.leanContacts && options.data) throw new SandboxOptionError("leanContacts keeps no names, field values or tags, so it cannot save an account: leave out data (--data) or leanContacts (--lean-contacts)");
  const core = new SandboxCore(resolved);
  const inspect = createInspector(core);
  const persistEvery = options.persistIntervalMs ?? 5000;
  if (options.data) {
    const dir = dirname(resolvePath(options.data));
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new DataFileError(`cannot use --data ${JSON.stringify(options.data)}: the folder ${JSON.stringify(dir)} does not exist`);
    await loadData(options.data, core.store, core.batches, core.faults, core.account);
  }

  const info = () => {
    const { apiKey: _key, restrictedKeys: _restricted, ...shown } = resolved;
    return { url, api: `${url}/api/3`, options: { ...shown, faults: inspect.faults() }, contacts: core.store.liveContacts, lists: core.store.lists.size };
  };

  const server: Server = createServer((req, res) => {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
    const fail = (e: unknown) => {
      process.stderr.write(`sandbox: internal error on ${req.method} ${path}: ${(e as Error)?.stack ?? String(e)}\n`);
      if (!res.headersSent) sendJson(res, 500, { message: "sandbox internal error" });
      else res.destroy();
    };
    if (path === "/api/3" || path.startsWith("/api/3/")) {
      core.handleApi(req, res, path.slice("/api/3".length) || "/", query).catch(fail);
    } else if (path === "/__sandbox" || path.startsWith("/__sandbox/")) {
      handleInspectorHttp(inspect, req, res, path.slice("/__sandbox".length) || "/", query, info).catch(fail);
    } else {
      req.resume();
      sendJson(res, 404, { message: "Not Found: the API lives under /api/3, the sandbox inspector under /__sandbox" });
    }
  });
  // Longer than clients' keep-alive (undici: 4 s) so the server never closes a connection a client is about to reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}`;
  core.setBaseUrl(url);

  let saving: Promise<void> | undefined;
  let savedVersion = "";
  const version = () => `${core.store.version}:${core.batches.version}`;
  const save = async () => {
    if (!options.data) return;
    while (saving) await saving;
    const v = version();
    saving = saveData(options.data, core.store, core.batches, core.account).finally(() => {
      saving = undefined;
    });
    await saving;
    savedVersion = v;
  };
  const timer = options.data
    ? setInterval(() => {
        if (version() !== savedVersion && !saving) save().catch((e: unknown) => process.stderr.write(`sandbox: cannot save ${options.data}: ${(e as Error).message}\n`));
      }, persistEvery)
    : undefined;
  timer?.unref();

  let closing: Promise<void> | undefined;
  const { apiKey: _hidden, restrictedKeys: _keys, ...shownOptions } = resolved;
  return {
    url,
    apiKey: resolved.apiKey,
    inspect,
    options: shownOptions,
    save,
    close: () =>
      (closing ??= (async () => {
        if (timer) clearInterval(timer);
        core.batches.stop();
        core.tenant.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await save();
      })()),
  };
}
