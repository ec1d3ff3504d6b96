// The bottom layer: one undici keep-alive pool to the account's origin. Sends one request with the key, a per-attempt
// timeout and the client's abort signal, reads the whole body and says what kind of body it is. It decides nothing:
// what an answer means is decide.ts's job.
import { Pool } from "undici";
import type { AcResponse, BodyKind, Method } from "./call.js";

export interface TransportOptions {
  /** https://<hostname>/api/3, or a loopback sandbox URL. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, from sending to the last byte of the response. */
  timeoutMs: number;
  /** Keep-alive connections to the origin. */
  connections: number;
  /** Longest body read, bytes; undici stops reading a longer one and the attempt fails (not retried). */
  maxBodyBytes: number;
  /** The client's signal: an abort rejects with its reason (not undici's AbortError). */
  signal?: AbortSignal;
}

export interface Request {
  method: Method;
  /** Path under the base URL, with query string. */
  path: string;
  /** Sent as JSON when present. */
  body?: unknown;
}

export interface Transport {
  /** One attempt. `onHeaders` runs when the status line and headers are in (the rate budget frees the slot then). */
  send(request: Request, onHeaders: () => void): Promise<AcResponse>;
  /** Aborts every request in flight. */
  abortAll(reason: unknown): void;
  /** Closes the pool: gracefully, or at once when `destroy`. */
  close(destroy: boolean): Promise<void>;
}

const KEEP_ALIVE_MS = 10_000;
const KEEP_ALIVE_MAX_MS = 60_000;
const CONNECT_TIMEOUT_CAP_MS = 30_000;
const USER_AGENT = "activecampaign-exports";

/** What kind of body this is. HTML is recognised by type or by its first tag: proxies send pages as text/plain too. */
export function classifyBody(contentType: string, text: string): { body: BodyKind; json: unknown } {
  const trimmed = text.trim();
  if (/text\/html/i.test(contentType) || /^<(!doctype|html|head|body|\?xml)/i.test(trimmed)) return { body: "html", json: undefined };
  if (trimmed === "") return { body: "empty", json: undefined };
  try {
    return { body: "json", json: JSON.parse(trimmed) };
  } catch {
    return { body: "invalid", json: undefined };
  }
}

/** The error an attempt that ran out of time rejects with (decide.ts counts ETIMEDOUT as a timeout). */
function timeoutError(): Error {
  return Object.assign(new Error("timeout"), { code: "ETIMEDOUT" });
}

const sizeText = (bytes: number): string =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;

/** undici's code when a body passes maxResponseSize. */
const BODY_TOO_LARGE = "UND_ERR_RES_EXCEEDED_MAX_SIZE";

export function createTransport(options: TransportOptions): Transport {
  const { apiKey, timeoutMs, signal } = options;
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const pool = new Pool(base.origin, {
    connections: options.connections,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MAX_MS,
    connect: { timeout: Math.min(timeoutMs, CONNECT_TIMEOUT_CAP_MS) },
    // A body is read whole into memory: a runaway answer (a proxy streaming garbage) must not take the job's memory.
    maxResponseSize: options.maxBodyBytes,
  });
  const inFlight = new Set<AbortController>();

  async function send(request: Request, onHeaders: () => void): Promise<AcResponse> {
    const controller = new AbortController();
    inFlight.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("timeout"));
    }, timeoutMs);
    try {
      const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
      const res = await pool.request({
        path: basePath + request.path,
        method: request.method,
        headers: {
          "api-token": apiKey,
          accept: "application/json",
          "user-agent": USER_AGENT,
          ...(payload !== undefined && { "content-type": "application/json" }),
        },
        ...(payload !== undefined && { body: payload }),
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      onHeaders();
      const text = await res.body.text();
      const { body, json } = classifyBody(String(res.headers["content-type"] ?? ""), text);
      return { status: res.statusCode, headers: res.headers, text, json, body };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) throw timeoutError();
      if ((e as { code?: unknown })?.code === BODY_TOO_LARGE) {
        // Not retried: the same request would get the same answer. undici stopped reading at the limit.
        throw Object.assign(new Error(`answer body over ${sizeText(options.maxBodyBytes)}, more than any ActiveCampaign answer (pages are well under 1 MB); not read further`), {
          code: BODY_TOO_LARGE,
        });
      }
      throw e;
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
  }

  return {
    send,
    abortAll(reason) {
      for (const c of inFlight) c.abort(reason);
    },
    close: (destroy) => (destroy ? pool.destroy() : pool.close()),
  };
}
