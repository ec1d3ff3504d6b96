// A runaway answer (a proxy streaming garbage, a hostile endpoint) must fail the call fast with a clear
// AcRequestError, without reading it into memory: the default cap is 8 MiB, far above any ActiveCampaign page.
// Memory is measured roughly (RSS growth), never time.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import { AcRequestError } from "../../../runner/ac/types.js";
import { json, startStub, type Stub } from "./stub-server.js";

const MB = 1024 * 1024;
let stub: Stub;
let sentBytes = 0;
beforeAll(async () => {
  stub = await startStub();
});
afterAll(() => stub.close());

/** 50 MB of one endless JSON string, chunked (no content-length to refuse up front), honouring backpressure. */
function streamHuge(res: import("node:http").ServerResponse, declareLength: boolean): void {
  const total = 50 * MB;
  res.writeHead(200, { "content-type": "application/json", ...(declareLength && { "content-length": String(total) }) });
  const chunk = Buffer.alloc(64 * 1024, "a");
  const pump = () => {
    while (sentBytes < total && !res.destroyed) {
      sentBytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on("close", () => undefined);
  pump();
}

for (const declareLength of [false, true]) {
  it(`a 50 MB answer (${declareLength ? "with" : "without"} content-length) fails the call at 8 MiB with an AcRequestError, not retried, memory bounded`, async () => {
    sentBytes = 0;
    stub.seen.length = 0;
    stub.handle((req, res) => (req.path.endsWith("/users/me") ? json(res, 200, { user: { id: "1" } }) : streamHuge(res, declareLength)));
    const c = createAcClient({
      baseUrl: stub.url,
      apiKey: "test-key-0123456789",
      hostname: "acme.api-us1.com",
      rateLimit: { requestsPerSecond: 50, bulkRequestsPerMinute: 100 },
    });
    try {
      await c.checkKey();
      global.gc?.();
      const before = process.memoryUsage().rss;
      const err = (await c.contactTags(1).catch((e: unknown) => e)) as AcRequestError;
      const grown = process.memoryUsage().rss - before;
      expect(err).toBeInstanceOf(AcRequestError);
      expect(err.message).toBe(
        "ActiveCampaign GET /contacts/{id}/contactTags failed: UND_ERR_RES_EXCEEDED_MAX_SIZE answer body over 8 MiB, more than any ActiveCampaign answer (pages are well under 1 MB); not read further",
      );
      expect(c.stats().requestsByEndpoint).toEqual({ "GET /users/me": 1, "GET /contacts/{id}/contactTags": 1 });
      // The whole 50 MB was never buffered: growth stays well below it (8 MiB cap plus allocator slack).
      expect(grown).toBeLessThan(40 * MB);
      expect(sentBytes).toBeLessThan(50 * MB);
    } finally {
      await c.close();
    }
  });
}
