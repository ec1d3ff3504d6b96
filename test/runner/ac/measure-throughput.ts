// Measures the client's throughput against the time-scaled sandbox: bulk POSTs per (scaled) minute with a full
// pipeline and polls alongside, and the highest rates the sandbox observed. Not a vitest suite (no .test.ts):
//
//   node --regexp-interpret-all --import tsx test/runner/ac/measure-throughput.ts [timeScale=60] [seconds=5] [bulkWorkers=12] [pollWorkers=6]
//
// Prints one JSON line. The sandbox runs in the same process (as in the tests), so loopback latency counts twice.
import { createAcClient } from "../../../runner/ac/client.js";
import { startSandbox } from "../../../runner/sandbox/index.js";

const [timeScale = 60, seconds = 5, bulkWorkers = 12, pollWorkers = 6] = process.argv.slice(2).map(Number);
const sb = await startSandbox({ timeScale });
const listId = sb.inspect.seed({ lists: ["L"] }).lists[0]!;
const c = createAcClient({
  baseUrl: `${sb.url}/api/3`,
  apiKey: sb.apiKey,
  hostname: "sandbox.example.com",
  rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 },
  timeScale,
});
await c.checkKey();
const batch = ["m1@example.com", "m2@example.com"].map((email) => ({ email, subscribe: [{ listid: listId }] }));
let lastBatch = "";
const until = performance.now() + seconds * 1000;
const bulk = async () => {
  while (performance.now() < until) {
    const r = await c.bulkImport(batch);
    if ("batchId" in r) lastBatch = r.batchId;
  }
};
const poll = async () => {
  while (performance.now() < until) await (lastBatch ? c.importInfo(lastBatch) : c.getList(listId));
};
await Promise.all([...Array.from({ length: bulkWorkers }, bulk), ...Array.from({ length: pollWorkers }, poll)]);
const stats = sb.inspect.requests();
const windowMs = 60_000 / timeScale;
const times = stats.log.filter((e) => e.endpoint === "POST /import/bulk_import" && e.status === 200).map((e) => e.at);
const gaps = times.slice(100).map((t, i) => t - times[i]!);
const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
const scaledSeconds = (seconds * timeScale);
console.log(
  JSON.stringify({
    timeScale,
    scaledMinutes: +(scaledSeconds / 60).toFixed(2),
    bulkPerScaledMinute: +((100 * windowMs) / meanGap).toFixed(2),
    bulkLimit: 100,
    minGap100Ms: +Math.min(...gaps).toFixed(2),
    windowMs: +windowMs.toFixed(2),
    pollsPerScaledSecond: +(((stats.byEndpoint["GET /import/info"] ?? 0) + (stats.byEndpoint["GET /lists/{id}"] ?? 0)) / scaledSeconds).toFixed(2),
    maxPerSecondObserved: stats.maxPerSecondObserved,
    maxBulkPerMinuteObserved: stats.maxBulkPerMinuteObserved,
    rejected429: stats.rejected429,
    bulkRateLimited: stats.bulkRateLimited,
    client: c.stats(),
  }),
);
await c.close();
await sb.close();
