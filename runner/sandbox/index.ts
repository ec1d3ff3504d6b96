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
// Requests count toward the 5/s budget on every /api/3 endpoint, bulk imports included (FACTS: "assume they do").
import { isLoopbackHost } from "../config/loopback.js";
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { dirname, resolve as resolvePath } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultSpecError, parseFaults, type FaultSpec } from "./faults.js";
import { createInspector, handleInspectorHttp, type SandboxInspector } from "./inspect.js";
import { DataFileError, loadData, saveData } from "./persist.js";
import { SandboxCore, sendJson, type ResolvedOptions } from "./server.js";

export type { FaultKind, FaultSpec } from "./faults.js";
export { FaultSpecError, parseFaults } from "./faults.js";
export type {
  BatchView,
  ContactView,
  MemberView,
  RequestStats,
  SandboxInspector,
  SeedContact,
  SeedData,
  SeedResult,
} from "./inspect.js";
export { InspectorError } from "./inspect.js";
export type { RequestLogEntry } from "./server.js";
export type { ListStatus, UnsubscribedBy } from "./store.js";
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
  /** The plan's contact limit: bulk-imported contacts beyond it fail (their emails in `failure`). @default unlimited */
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
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:43121 (no /api/3) */
  url: string;
  apiKey: string;
  inspect: SandboxInspector;
  /** The options in effect, defaults filled in (the API key masked). */
  options: Readonly<Omit<ResolvedOptions, "apiKey">>;
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
  };
}

/** Starts a sandbox and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { port, host, ...resolved } = resolveOptions(options);
  const core = new SandboxCore(resolved);
  const inspect = createInspector(core);
  const persistEvery = options.persistIntervalMs ?? 5000;
  if (options.data) {
    const dir = dirname(resolvePath(options.data));
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new DataFileError(`cannot use --data ${JSON.stringify(options.data)}: the folder ${JSON.stringify(dir)} does not exist`);
    await loadData(options.data, core.store, core.batches, core.faults);
  }

  const info = () => {
    const { apiKey: _key, ...shown } = resolved;
    return { url, api: `${url}/api/3`, options: { ...shown, faults: inspect.faults() }, contacts: core.store.contactCount, lists: core.store.lists.size };
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
    saving = saveData(options.data, core.store, core.batches).finally(() => {
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
  const { apiKey: _hidden, ...shownOptions } = resolved;
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
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await save();
      })()),
  };
}
