// The baseline: how common integrations sync a list, one contact at a time: POST /contact/sync, then
// POST /contactLists to subscribe it, per member. Same account budget as the runner (5 requests per rolling second,
// scaled like the sandbox), a few requests in flight, 429/503 honoured through Retry-After (the sandbox sends
// decimal seconds at a --time-scale), other failures retried with a short backoff. Written for the bench only.
import { Agent, request } from "undici";

export interface NaiveContact {
  email: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** custom field id → value */
  fields?: Record<number, string>;
}

export interface NaiveResult {
  contacts: number;
  requests: number;
  retries: number;
  wallMs: number;
}

/** Rolling-window limiter: at most `limit` starts in any `windowMs`; pause() holds everything back (Retry-After). */
class Window {
  private readonly starts: number[] = [];
  private pausedUntil = 0;
  constructor(private readonly limit: number, private readonly windowMs: number) {}
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
  }
  async take(): Promise<void> {
    for (;;) {
      const now = performance.now();
      while (this.starts.length && now - this.starts[0]! >= this.windowMs) this.starts.shift();
      const wait = Math.max(this.pausedUntil - now, this.starts.length >= this.limit ? this.starts[0]! + this.windowMs - now : 0);
      if (wait <= 0) {
        this.starts.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, wait + 1));
    }
  }
}

export async function naiveSync(opts: {
  baseUrl: string;
  apiKey: string;
  listId: number;
  contacts: NaiveContact[];
  timeScale: number;
  requestsPerSecond?: number;
  concurrency?: number;
}): Promise<NaiveResult> {
  const agent = new Agent({ connections: 8, keepAliveTimeout: 4000 });
  const window = new Window(opts.requestsPerSecond ?? 5, 1000 / opts.timeScale);
  let requests = 0;
  let retries = 0;
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 20) throw new Error(`naive client: ${path} kept failing`);
      await window.take();
      requests++;
      let status = 0;
      let retryAfter: string | undefined;
      let json: Record<string, unknown> | undefined;
      try {
        const res = await request(`${opts.baseUrl}/api/3${path}`, {
          method: "POST",
          dispatcher: agent,
          headers: { "api-token": opts.apiKey, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        status = res.statusCode;
        const h = res.headers["retry-after"];
        retryAfter = Array.isArray(h) ? h[0] : h;
        const text = await res.body.text();
        if (status < 300) json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        status = -1; // reset / network error
      }
      if (json) return json;
      retries++;
      if ((status === 429 || status === 503) && retryAfter !== undefined && Number.isFinite(Number(retryAfter))) {
        window.pause(Number(retryAfter) * 1000); // seconds (decimal at a time scale)
      } else {
        await new Promise((r) => setTimeout(r, (Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2)) / opts.timeScale));
      }
    }
  };

  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < opts.contacts.length) {
      const c = opts.contacts[next++]!;
      const synced = await call("/contact/sync", {
        contact: {
          email: c.email,
          ...(c.firstName ? { firstName: c.firstName } : {}),
          ...(c.lastName ? { lastName: c.lastName } : {}),
          ...(c.phone ? { phone: c.phone } : {}),
          fieldValues: Object.entries(c.fields ?? {}).map(([field, value]) => ({ field, value })),
        },
      });
      const id = (synced.contact as { id: string | number }).id;
      await call("/contactLists", { contactList: { list: opts.listId, contact: id, status: 1 } });
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  } finally {
    await agent.close();
  }
  return { contacts: opts.contacts.length, requests, retries, wallMs: performance.now() - t0 };
}
