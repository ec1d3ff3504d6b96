// A rejection that names most of a batch is systematic (REAL-ACCOUNT.md F7, F11): its contacts are not sent one by
// one (single-contact imports, 20/min), the circuit breaker counts it, and the run stops after a bounded number of
// imports with AC's reason in the message (addresses masked).
import { afterEach, describe, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import type { BulkContact } from "../../../runner/ac/types.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import type { BatchItem } from "../../../runner/sync/batcher.js";
import { BulkPipeline } from "../../../runner/sync/bulk-pipeline.js";
import { TRIP_CONSECUTIVE } from "../../../runner/sync/circuit-breaker.js";

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe("every batch rejected for a field every contact carries", () => {
  it("stops with IMPORTS_FAILING after a bounded number of imports, never sending contacts one by one", async () => {
    sb = await startSandbox({ timeScale: 50, seed: 4 });
    const { id: listId } = sb.inspect.createList("systematic");
    const client = createAcClient({ baseUrl: `${sb.url}/api/3`, apiKey: sb.apiKey, hostname: "acme.api-us1.com", rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 }, timeScale: 50 });
    const failed: string[] = [];
    const pipeline = new BulkPipeline<number>(client, {
      timeScale: 50,
      onFailed: (batch) => failed.push(...batch.map((b) => b.contact.email)),
      onConfirmed: async () => {},
    });
    const batches = 10;
    let error: unknown;
    try {
      for (let b = 0; b < batches; b++) {
        const items: Array<BatchItem<number>> = Array.from({ length: 250 }, (_, i) => {
          const contact: BulkContact = { email: `s${b}-${i}@example.com`, subscribe: [{ listid: listId }], fields: [{ id: 9999, value: "x" }] };
          return { contact, meta: i, bytes: 0 };
        });
        await pipeline.submit(items);
      }
      await pipeline.drain();
    } catch (e) {
      error = e;
    }
    await client.close();
    expect((error as { code?: string }).code).toBe("IMPORTS_FAILING");
    expect((error as Error).message).toContain(`rejected: Custom field id 9999 does not exist.`);
    const posts = sb.inspect.requests().byEndpoint["POST /import/bulk_import"] ?? 0;
    expect(posts).toBeLessThanOrEqual(2 * TRIP_CONSECUTIVE + batches);
    expect(failed).toEqual([]);
  }, 60_000);
});
