// The engine's memory at N profiles, in its own process (issue #12 "Scale"): what a 1 GiB job must hold for the
// sync's data, without the network. The segment is generated row by row (the records of the bench's CSV), so 10,000,000
// rows need no file. Phases, as a first sync and the next day's run go:
//   1. plan against an empty state (every row new): the plan's per-row data and its set of members seen;
//   2. the sync's commits: the send pass reads the segment again and commits each batch of 250 as the Checkpointer
//      does (state.set + a journal entry; the entry is dropped here, a store would append it);
//   3. the snapshot written at the end of the run;
//   4. the next day, in a new process (`next`): the state loaded from that snapshot and a plan over the same rows
//      (every row unchanged).
// Prints one JSON line: per phase the time and the process's peak RSS so far (VmHWM), and the state's bytes a member.
// Usage: node state-scale.mjs <profiles> first|next <snapshot file>
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import "../../runner/v8-regexp-workaround.js";
import { parseExportConfig } from "../../runner/config.js";
import type { OpenedSegment, SegmentRow } from "../../runner/segment/types.js";
import { fingerprintRow } from "../../runner/sync/member.js";
import { plainValueMapping } from "../../runner/sync/value-mapping.js";
import { planSync } from "../../runner/sync/plan.js";
import { SyncState } from "../../runner/sync/state.js";
import { CSV_HEADER, syntheticRecord } from "../runner/segment/generate.js";

const [count, mode, snapshotFile] = process.argv.slice(2);
const profiles = Number(count);
if (!Number.isInteger(profiles) || profiles <= 0 || (mode !== "first" && mode !== "next") || !snapshotFile) {
  throw new Error(`usage: state-scale.mjs <profiles> first|next <snapshot file>; got ${process.argv.slice(2).join(" ")}`);
}
const scope = { hostname: "bench.api-us1.com", listId: 1 };
const config = parseExportConfig({
  name: "scale",
  connection: { name: "bench", hostname: scope.hostname },
  listId: scope.listId,
  segment: { source: "file:generated.csv" },
  mappings: { email: "email", firstName: "first_name", lastName: "last_name", phone: "phone", fields: { LOYALTY_TIER: "tier" }, tags: ["vip"] },
  limits: { maxProfiles: 10_000_000 },
});

/** The bench's segment, generated in batches of 1,000 rows as a reader would yield them. */
function generated(): OpenedSegment {
  return {
    resolved: "generated",
    columns: CSV_HEADER,
    async *batches() {
      for (let start = 0; start < profiles; start += 1000) {
        const rows: SegmentRow[] = [];
        for (let i = start; i < Math.min(start + 1000, profiles); i++) {
          const r = syntheticRecord(i);
          const values: Record<string, string> = {};
          CSV_HEADER.forEach((c, k) => (values[c] = r[k]!));
          rows.push({ rowNumber: i + 2, values });
        }
        yield rows;
      }
    },
    close: async () => undefined,
  };
}

const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const phases: Record<string, { ms: number; peakRss: number }> = {};
async function phase<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const result = await run();
  phases[name] = { ms: Math.round(performance.now() - t0), peakRss: hwm() };
  return result;
}

if (mode === "first") {
  const state = new SyncState(scope);
  const plan = await phase("plan (first sync)", () => planSync(config, generated(), state, new Map()));
  if (plan.adds !== profiles) throw new Error(`the first plan has ${plan.adds} adds, expected ${profiles}`);
  await phase("sync commits", async () => {
    let upserts: Array<[string, number, number]> = [];
    const commit = () => {
      for (const [email, fp, flags] of upserts) state.set(email, fp, flags);
      SyncState.journalEntry(scope, upserts);
      upserts = [];
    };
    const values = plainValueMapping(config, new Map());
    for await (const rows of generated().batches()) {
      for (const row of rows) {
        const r = fingerprintRow(row, config, values);
        if (!r.ok || plan.send.get(row.rowNumber) !== r.fingerprint) throw new Error(`row ${row.rowNumber} is not the planned one`);
        upserts.push([r.email, r.fingerprint, 0]);
        if (upserts.length === 250) commit();
      }
    }
    commit();
  });
  // Written one gzip member at a time, as a state store writes the stream (StateStore.writeSnapshot).
  const snapshotBytes = await phase("snapshot written", () => {
    const fd = openSync(snapshotFile, "w");
    let bytes = 0;
    try {
      for (const member of state.snapshotMembers()) bytes += writeSync(fd, member);
    } finally {
      closeSync(fd);
    }
    return bytes;
  });
  process.stdout.write(`${JSON.stringify({ profiles, mode, stateBytes: state.bytes, planBytes: plan.send.bytes + plan.sendEmails.bytes, snapshotBytes, phases })}\n`);
} else {
  const snapshot = readFileSync(snapshotFile);
  const state = await phase("state loaded", () => SyncState.load(scope, snapshot, []).state);
  const plan = await phase("plan (all unchanged)", () => planSync(config, generated(), state, new Map()));
  if (plan.unchanged !== profiles) throw new Error(`the next plan has ${plan.unchanged} unchanged, expected ${profiles}`);
  process.stdout.write(`${JSON.stringify({ profiles, mode, stateBytes: state.bytes, snapshotBytes: snapshot.length, phases })}\n`);
}
