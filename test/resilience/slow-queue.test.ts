// Issue #12, against the sandbox's slow import queue (importRate contacts/min, one batch after another, `waiting`
// while the backlog lasts; REAL-ACCOUNT.md F4, F7): a first sync under a backlog sends every contact exactly once;
// a sync killed with SIGKILL at random points re-sends at most the POSTs in flight at each kill (1–2 batches);
// a segment whose every import fails stops after a bounded number of imports, naming what the failures share; and a
// batchId the sandbox forgets is verified, not re-sent. Time-scaled (AC_TIME_SCALE) so each test takes seconds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../runner/sandbox/index.js";
import { TRIP_CONSECUTIVE } from "../../runner/sync/circuit-breaker.js";
import { INITIAL_IN_FLIGHT } from "../../runner/sync/in-flight-limit.js";
import { parseEvents } from "../bench/lib.js";
import { csvOf, ExportFixture, expectList, readReport, rng, runIn, subscribedAs, type Person } from "./helpers.js";

const SCALE = 100;
const env = { AC_TIME_SCALE: String(SCALE) };

let sandbox: Sandbox | undefined;
const fixtures: ExportFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) f.cleanup();
  await sandbox?.close();
  sandbox = undefined;
});

async function setUp(options: SandboxOptions): Promise<{ sb: Sandbox; f: ExportFixture }> {
  sandbox = await startSandbox({ timeScale: SCALE, seed: 12, ...options });
  const f = new ExportFixture(sandbox);
  fixtures.push(f);
  return { sb: sandbox, f };
}

const members = (f: ExportFixture, n: number, tier = "gold"): Person[] =>
  Array.from({ length: n }, (_, i) => ({ email: `m${i}@${f.domain}`, first: `Ann${i % 7}`, last: `Lee${i % 5}`, tier }));

/** Most batches sent and not yet settled at any moment, from the run's event log. */
function maxInFlight(stderr: string): number {
  let now = 0;
  let max = 0;
  for (const e of parseEvents(stderr)) {
    if (e.event === "batch-sent") max = Math.max(max, ++now);
    else if (["batch-confirmed", "batch-not-completed", "batch-verified"].includes(e.event)) now--;
  }
  return max;
}

describe("a first sync through a slow import queue", () => {
  it("completes exactly with zero duplicate imports and a bounded number of batches in flight", async () => {
    // 20,000 contacts at 2,000/min: 10 minutes of AC time behind a queue that the bulk limit (25,000/min) would
    // fill 12 times faster; the old fixed cap of 200 batches would have queued the whole segment at once.
    const { sb, f } = await setUp({ importRate: 2_000, importJitter: 0.5 });
    const people = members(f, 20_000);
    f.writeSegment(csvOf(people));
    const before = sb.inspect.requests();
    const r = await runIn(f, "run", [], { extraEnv: env });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const after = sb.inspect.requests();
    const received = after.bulkContactsReceived - before.bulkContactsReceived;
    const distinct = after.bulkContactsDistinct - before.bulkContactsDistinct;
    expect({ received, distinct }).toEqual({ received: 20_000, distinct: 20_000 });
    expectList(sb, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list after a first sync under a backlog");
    expect(readReport(f).counts).toMatchObject({ added: 20_000, failed: 0 });
    // 8 batches/min settle; a minute of work ahead of the importer is about 8–10 batches, never the 80 of the segment.
    const events = parseEvents(r.stderr);
    const sendMs = Date.parse(events.filter((e) => e.event === "batch-confirmed").at(-1)!.time) - Date.parse(events.find((e) => e.event === "batch-sent")!.time);
    console.info(`slow queue: ${maxInFlight(r.stderr)} batches in flight at most; send phase ${sendMs} ms for 600,000 ms of importer work at scale ${SCALE} (${((600_000 / SCALE) / sendMs).toFixed(3)} of its throughput); run ${Math.round(r.wallMs)} ms`);
    expect(maxInFlight(r.stderr)).toBeLessThanOrEqual(24);
    expect(parseEvents(r.stderr).filter((e) => e.event === "batch-not-completed")).toEqual([]);
  }, 90_000);
});

describe("a sync killed with SIGKILL at random points of a slow queue", () => {
  it("ends exact after 10 kills and re-sends at most 2 batches per kill", async () => {
    const KILLS = 10;
    const MEMBERS = 10_000;
    const { sb, f } = await setUp({ importRate: 6_000, importJitter: 0.3 });
    let people = members(f, MEMBERS);
    f.writeSegment(csvOf(people));
    const r = rng(2_026_12);
    const start = sb.inspect.requests();
    const kills: string[] = [];
    let versions = 1;
    for (let attempt = 0; kills.length < KILLS && attempt < KILLS * 3; attempt++) {
      const afterSent = r.int(0, 12);
      const extraMs = r.int(0, 40);
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const res = await runIn(f, "run", [], {
        extraEnv: env,
        onStderrLine: (line, child) => {
          if (timer || !line.includes('"event":"batch-sent"') || ++sent < afterSent) return;
          timer = setTimeout(() => child.kill("SIGKILL"), extraMs);
        },
        onSpawn: (child) => {
          if (afterSent === 0) timer = setTimeout(() => child.kill("SIGKILL"), 300 + extraMs * 10);
        },
      });
      clearTimeout(timer);
      if (res.signal === "SIGKILL") {
        kills.push(`after ${afterSent} batches sent + ${extraMs} ms`);
        continue;
      }
      // The run finished before its kill point: a new version of every member, so the kills go on.
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      versions++;
      people = people.map((p) => ({ ...p, first: `${p.first}v${versions}` }));
      f.writeSegment(csvOf(people));
    }
    expect(kills).toHaveLength(KILLS);
    const last = await runIn(f, "run", [], { extraEnv: env });
    expect(last.code, last.stderr.slice(-2000)).toBe(0);
    expectList(sb, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list after the kills");
    const end = sb.inspect.requests();
    const resent = end.bulkContactsReceived - start.bulkContactsReceived - MEMBERS * versions;
    console.info(`slow-queue kills: ${KILLS} kills over ${versions} version(s); ${resent} contacts re-sent (${(resent / KILLS / 250).toFixed(2)} batches per kill); ${kills.join("; ")}`);
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(2 * 250 * KILLS);
    // Nothing left to do: a further run sends nothing.
    const again = await runIn(f, "run", [], { extraEnv: env });
    expect(again.code).toBe(0);
    expect(sb.inspect.requests().bulkContactsReceived).toBe(end.bulkContactsReceived);
  }, 180_000);
});

describe("a segment whose every import fails", () => {
  it("stops within a bounded number of imports with exit 1, naming the value shape the failures share", async () => {
    // Every row has a date in a format the account rejects: each import ends `failed` (REAL-ACCOUNT.md F7).
    const { sb, f } = await setUp({ importRate: 5_000, failPattern: "31/12/2024" });
    f.writeSegment(csvOf(members(f, 5_000, "31/12/2024")));
    const before = sb.inspect.requests();
    const r = await runIn(f, "run", [], { extraEnv: env });
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const report = readReport(f);
    expect(report.error?.code).toBe("IMPORTS_FAILING");
    expect(report.error?.message).toMatch(/^bulk imports keep failing: \d+ of the \d+ imports that ended failed \(\d+× "failed"\)/);
    expect(report.error?.message).toContain('field LOYALTY_TIER values shaped like "99/99/9999" (100% of the failed contacts)');
    const posts = (sb.inspect.requests().byEndpoint["POST /import/bulk_import"] ?? 0) - (before.byEndpoint["POST /import/bulk_import"] ?? 0);
    // The first batches in flight plus one retry each, at most: never a bisection of 20 batches down to single contacts.
    expect(posts).toBeLessThanOrEqual(2 * (INITIAL_IN_FLIGHT + TRIP_CONSECUTIVE));
    expect(sb.inspect.members(f.listId)).toEqual([]);
  }, 60_000);
});

describe("a batchId the sandbox forgets as soon as the batch ends (unknownBatchAnswer 400, batchRetentionMs 0)", () => {
  it("reads the contacts back, commits what is proven applied and sends nothing twice", async () => {
    const { sb, f } = await setUp({ importRate: 20_000, unknownBatchAnswer: "400", batchRetentionMs: 0 });
    const people = members(f, 1_000);
    f.writeSegment(csvOf(people));
    const before = sb.inspect.requests();
    const r = await runIn(f, "run", [], { extraEnv: env });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const after = sb.inspect.requests();
    expect(after.bulkContactsReceived - before.bulkContactsReceived).toBe(1_000);
    expectList(sb, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list");
    const verified = parseEvents(r.stderr).filter((e) => e.event === "batch-verified");
    expect(verified.reduce((s, e) => s + Number(e.applied), 0)).toBe(1_000);
    expect(readReport(f).counts).toMatchObject({ added: 1_000, failed: 0 });
  }, 60_000);
});

describe('a batchId the sandbox forgets as soon as the batch ends, answering {"status":false} for ever (unknownBatchAnswer "false")', () => {
  it("is pending until the confirm deadline, then verified by reading the contacts: exact, nothing sent twice", async () => {
    // The other reading of an unknown batch: indistinguishable from "queued, not started" until the deadline
    // (18 s of AC time here), then the members are read back and the applied ones committed.
    const { sb, f } = await setUp({ importRate: 20_000, unknownBatchAnswer: "false", batchRetentionMs: 0 });
    const people = members(f, 1_000);
    f.writeSegment(csvOf(people));
    const before = sb.inspect.requests();
    const r = await runIn(f, "run", [], { extraEnv: { ...env, AC_EXPORT_CONFIRM_HOURS: "0.005" } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const after = sb.inspect.requests();
    expect(after.bulkContactsReceived - before.bulkContactsReceived).toBe(1_000);
    expect(after.bulkContactsReceived - after.bulkContactsDistinct).toBe(0);
    expectList(sb, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list");
    const events = parseEvents(r.stderr);
    expect(events.filter((e) => e.event === "batch-unknown").map((e) => e.why)).toEqual(Array(4).fill('import/info answered {"status":false} past the confirm deadline'));
    expect(events.filter((e) => e.event === "batch-verified").reduce((s, e) => s + Number(e.applied), 0)).toBe(1_000);
    expect(readReport(f).counts).toMatchObject({ added: 1_000, failed: 0 });
  }, 60_000);
});

describe("batches still pending at the confirm deadline (AC_EXPORT_CONFIRM_HOURS)", () => {
  it("end the run with IMPORTS_PENDING, stay open in the state, and the next run commits them without sending them again", async () => {
    // 300 contacts/min: a 250-contact batch takes 50 s of AC time; the deadline is 18 s.
    const { sb, f } = await setUp({ importRate: 300 });
    const people = members(f, 1_000);
    f.writeSegment(csvOf(people));
    const first = await runIn(f, "run", [], { extraEnv: { ...env, AC_EXPORT_CONFIRM_HOURS: "0.005" } });
    expect(first.code, first.stderr.slice(-2000)).toBe(1);
    expect(readReport(f).error?.code).toBe("IMPORTS_PENDING");
    expect(readReport(f).error?.message).toMatch(/^\d+ bulk imports ActiveCampaign accepted were still pending \("(waiting|claimed|active)"(, "(waiting|claimed|active)")*\) after the confirm deadline of 0\.005 h \(AC_EXPORT_CONFIRM_HOURS\)/);
    const sentFirst = sb.inspect.requests().bulkContactsReceived;
    expect(sentFirst).toBeGreaterThan(0);

    const second = await runIn(f, "run", [], { extraEnv: env });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expectList(sb, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), "the list after the resumed run");
    const end = sb.inspect.requests();
    expect(end.bulkContactsReceived - end.bulkContactsDistinct).toBe(0);
    const polling = parseEvents(second.stderr).find((e) => e.event === "phase")?.phase as string;
    expect(polling).toMatch(/^polling \d+ bulk imports an earlier run left open at ActiveCampaign$/);
    // The report says what was resumed rather than sent again.
    const open = Number(/\d+/.exec(polling)![0]);
    const resumed = readReport(f).resumed;
    expect(resumed?.batches).toBe(open);
    expect(resumed?.contacts).toBeGreaterThan(0);
    expect(resumed?.contacts).toBeLessThanOrEqual(open * 250);
    expect(readFileSync(join(f.dir, "state", "test-export", "report.md"), "utf8")).toContain(`Resumed ${open} bulk imports an earlier run had sent: polled from the journal, not sent again (${resumed?.contacts.toLocaleString("en-US")} contacts confirmed).`);
  }, 60_000);
});
