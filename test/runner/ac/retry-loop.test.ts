// The retry loop against a scripted server: a backoff (node:timers/promises) ends at once when the client's signal
// aborts, with the signal's own reason, and nothing more is sent; a body over the size cap fails without a retry.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import { AcRequestError, type AcClientEvent } from "../../../runner/ac/types.js";
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

it("a body over maxBodyBytes fails the call at once, naming the limit, and is not retried", async () => {
  const big = { contactTags: Array.from({ length: 200 }, (_, i) => ({ id: String(i), contact: "1", tag: "5" })) };
  stub.handle((req, res) => (req.path.endsWith("/users/me") ? json(res, 200, { user: { id: "1" } }) : json(res, 200, big)));
  stub.seen.length = 0;
  const c = createAcClient({
    baseUrl: stub.url,
    apiKey: "test-key-0123456789",
    hostname: "acme.api-us1.com",
    rateLimit: { requestsPerSecond: 50, bulkRequestsPerMinute: 100 },
    maxBodyBytes: 1000,
  });
  try {
    await c.checkKey();
    const err = (await c.contactTags(1).catch((e: unknown) => e)) as AcRequestError;
    expect(err).toBeInstanceOf(AcRequestError);
    expect(err.message).toBe(
      "ActiveCampaign GET /contacts/{id}/contactTags failed: UND_ERR_RES_EXCEEDED_MAX_SIZE answer body over 1000 bytes, more than any ActiveCampaign answer (pages are well under 1 MB); not read further",
    );
    expect(c.stats().requestsByEndpoint).toEqual({ "GET /users/me": 1, "GET /contacts/{id}/contactTags": 1 });
    expect(c.stats().retriesByReason).toEqual({});
  } finally {
    await c.close();
  }
});
