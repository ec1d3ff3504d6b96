// import/info answers the runner must survive (REAL-ACCOUNT.md F13 and "Where evidence is absent"): a status AC did
// not document is kept (the pipeline treats it as pending), `failure` entries may be objects, and a batchId AC does
// not know (404, or 400 in the other reading) is an answer, not an error.
import { afterEach, describe, expect, it } from "vitest";
import { importInfoResponse } from "../../../runner/ac/schemas.js";
import { createAcClient } from "../../../runner/ac/client.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";

describe("the import/info schema", () => {
  it("keeps an undocumented status and takes the email of object failures", () => {
    expect(importInfoResponse.parse({ status: "queued" })).toEqual({ status: "queued", success: [], failure: [] });
    expect(importInfoResponse.parse({ status: "completed", success: [1], failure: [{ email: "a@example.com", error: "bad" }, "b@example.com", { contact: 3 }] })).toEqual({
      status: "completed",
      success: ["1"],
      failure: ["a@example.com", "b@example.com", "3"],
    });
    expect(importInfoResponse.parse({})).toEqual({ status: false, success: [], failure: [] });
  });
});

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe.each(["404", "400"] as const)("an unknown batchId answered %s", (answer) => {
  it("is { status: false, unknown: true }, not an error", async () => {
    sb = await startSandbox({ timeScale: 50, unknownBatchAnswer: answer });
    const client = createAcClient({ baseUrl: `${sb.url}/api/3`, apiKey: sb.apiKey, hostname: "acme.api-us1.com", rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 }, timeScale: 50 });
    await client.checkKey();
    await expect(client.importInfo("no-such-batch")).resolves.toEqual({ status: false, success: [], failure: [], unknown: true });
    expect(client.stats().retriesByReason).toEqual({});
    await client.close();
  });
});
