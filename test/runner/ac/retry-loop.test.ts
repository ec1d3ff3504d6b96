// The retry loop's waits against a scripted server: a backoff (node:timers/promises) ends at once when the client's
// signal aborts, with the signal's own reason, and nothing more is sent.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import type { AcClientEvent } from "../../../runner/ac/types.js";
import { json, startStub, type Stub } from "./stub-server.js";

let stub: Stub;
beforeAll(async () => {
  stub = await startStub();
});
afterAll(() => stub.close());

it("aborting the signal during a backoff rejects with the signal's reason, and sends nothing more", async () => {
  stub.handle((req, res) => (req.path.endsWith("/users/me") ? json(res, 200, { user: { id: "1" } }) : json(res, 500, { message: "boom" })));
  const events: AcClientEvent[] = [];
  const ac = new AbortController();
  const c = createAcClient({
    baseUrl: stub.url,
    apiKey: "test-key-0123456789",
    hostname: "acme.api-us1.com",
    rateLimit: { requestsPerSecond: 50, bulkRequestsPerMinute: 100 },
    // A backoff of up to a minute: the call is surely still waiting when the signal aborts.
    backoff: { baseMs: 60_000, capMs: 60_000 },
    signal: ac.signal,
    onEvent: (e) => events.push(e),
  });
  try {
    await c.checkKey();
    const call = c.contactTags(1).catch((e: unknown) => e);
    while (!events.some((e) => e.type === "retry")) await new Promise((r) => setTimeout(r, 5));
    const reason = new Error("run cancelled");
    ac.abort(reason);
    expect(await call).toBe(reason);
    expect(stub.seen.map((s) => s.path)).toEqual(["/api/3/users/me", "/api/3/contacts/1/contactTags"]);
    expect(events).toEqual([expect.objectContaining({ type: "retry", reason: "500", attempt: 1 })]);
  } finally {
    await c.close();
  }
});
