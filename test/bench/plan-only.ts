// The engine's plan over a segment file with no network and an empty state (every row new), timed in-process:
// for CPU profiles of the per-row path (`node --cpu-prof plan-only.mjs <file> csv|parquet`) without a sandbox.
// Bundled like bare-parse.ts, so it runs the same compiled engine. Prints one JSON line.
import "../../runner/v8-regexp-workaround.js";
import { parseExportConfig } from "../../runner/config.js";
import { openSegment } from "../../runner/segment/index.js";
import type { SegmentFormat } from "../../runner/config.js";
import { planSync } from "../../runner/sync/plan.js";
import { segmentOptions } from "../../runner/sync/segment-options.js";
import { SyncState } from "../../runner/sync/state.js";

const [path, format] = process.argv.slice(2);
const scope = { hostname: "bench.api-us1.com", listId: 1 };
const config = parseExportConfig({
  name: "plan-only",
  connection: { name: "bench", hostname: scope.hostname },
  listId: scope.listId,
  segment: { source: `file:${path}`, format: format as SegmentFormat },
  mappings: { email: "email", firstName: "first_name", lastName: "last_name", phone: "phone", fields: { LOYALTY_TIER: "tier" }, tags: ["vip"] },
  limits: { maxProfiles: 10_000_000 },
});
const t0 = performance.now();
const segment = await openSegment({ kind: "file", path: path! }, segmentOptions(config));
const plan = await planSync(config, segment, new SyncState(scope), new Map());
await segment.close();
process.stdout.write(`${JSON.stringify({ rows: plan.rowsRead, adds: plan.adds, planMs: Math.round(performance.now() - t0) })}\n`);
