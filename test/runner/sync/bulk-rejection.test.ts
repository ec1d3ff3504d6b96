// A bulk import rejected as a whole names the bad contact by index, and AC does not document whether that index
// counts from 0 or 1 (REAL-ACCOUNT.md F11). Under either reading the pipeline reports exactly the bad contact and
// every innocent one reaches the list: against the sandbox with failureIndexBase 0 and 1.
import { afterEach, describe, expect, it } from "vitest";
import { createAcClient } from "../../../runner/ac/client.js";
import type { BulkContact } from "../../../runner/ac/types.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import type { BatchItem } from "../../../runner/sync/batcher.js";
import { BulkPipeline } from "../../../runner/sync/bulk-pipeline.js";

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe.each([0, 1] as const)("a batch AC rejects for one contact (failureReasons counted from %i)", (base) => {
  it("reports only that contact and confirms every other one", async () => {
    sb = await startSandbox({ timeScale: 50, seed: 4, failureIndexBase: base });
    const { id: listId } = sb.inspect.createList("rejections");
    const client = createAcClient({
      baseUrl: `${sb.url}/api/3`,
      apiKey: sb.apiKey,
      hostname: "acme.api-us1.com",
      rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 },
      timeScale: 50,
    });
    const contacts: BulkContact[] = Array.from({ length: 6 }, (_, i) => ({ email: `r${i}@example.com`, subscribe: [{ listid: listId }] }));
    contacts[2] = { ...contacts[2]!, fields: [{ id: 9999, value: "x" }] }; // a field the account does not have
    const items: Array<BatchItem<number>> = contacts.map((contact, i) => ({ contact, meta: i, bytes: 0 }));
    const failed: Array<{ email: string; reason: string }> = [];
    const confirmed: string[] = [];
    const pipeline = new BulkPipeline<number>(client, {
      initialPollDelayMs: 20,
      onFailed: (batch, reason) => failed.push(...batch.map((b) => ({ email: b.contact.email, reason }))),
      onConfirmed: async (batch) => {
        confirmed.push(...batch.map((b) => b.contact.email));
      },
    });
    await pipeline.submit(items);
    await pipeline.drain();
    await client.close();
    expect(failed).toEqual([{ email: "r2@example.com", reason: "rejected by ActiveCampaign: Custom field id 9999 does not exist." }]);
    expect(confirmed.sort()).toEqual(["r0@example.com", "r1@example.com", "r3@example.com", "r4@example.com", "r5@example.com"]);
    expect(sb.inspect.members(listId, 1).map((m) => m.email).sort()).toEqual(confirmed.sort());
  });
});
