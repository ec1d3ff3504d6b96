// HTTP helpers for the sandbox contract tests: real requests over loopback with undici.
import { request } from "undici";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../runner/sandbox/index.js";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface CallOptions {
  body?: unknown;
  /** sent as is (overrides body) */
  raw?: string | Buffer;
  /** undefined: the sandbox key; null: no Api-Token header; a string: that token */
  token?: string | null;
}

export async function call(sb: Pick<Sandbox, "url" | "apiKey">, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? sb.apiKey : opts.token;
  if (token !== null) headers["Api-Token"] = token;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await request(`${sb.url}${path}`, { method: method as "GET", headers, body });
  const text = await r.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

export const api = (sb: Pick<Sandbox, "url" | "apiKey">) => ({
  get: (path: string, opts?: CallOptions) => call(sb, "GET", `/api/3${path}`, opts),
  post: (path: string, body?: unknown, opts?: CallOptions) => call(sb, "POST", `/api/3${path}`, { ...opts, body }),
  del: (path: string, opts?: CallOptions) => call(sb, "DELETE", `/api/3${path}`, opts),
});

/** A sandbox for tests that are not about limits: limits lifted, fast processing. */
export function quickSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ requestsPerSecond: 100_000, bulkPerMinute: 100_000, bulkSinglePerMinute: 100_000, timeScale: 20, ...options });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls /import/info until the batch has ended (bounded). */
export async function waitForBatch(sb: Sandbox, batchId: string, timeoutMs = 5000): Promise<Reply> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = await call(sb, "GET", `/api/3/import/info?batchId=${encodeURIComponent(batchId)}`);
    if (r.status !== 200) return r;
    if (["completed", "failed", "interrupted"].includes(r.json?.status)) return r;
    if (performance.now() > deadline) throw new Error(`batch ${batchId} still ${JSON.stringify(r.json?.status)} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

export const bulkContacts = (n: number, prefix = "c", extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@example.com`, ...extra }));
