// Crash: a first sync killed with SIGKILL at seeded random points (while starting, planning, sending, confirming or
// committing), resumed each time. The list must end exactly as expected (members, names, field, tags), the state must
// know every member (a further run sends nothing), and the contacts sent twice must be no more than the contacts of
// the batches that were in flight at the kills (accepted by the sandbox, not yet committed by the runner).
// Bounded: 5,000 members, 5 kills. RESILIENCE=full: 50,000 members, 20 kills.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { FileStateStore } from "../../runner/state/index.js";
import { SyncState } from "../../runner/sync/state.js";
import { parseEvents } from "../bench/lib.js";
import { csvOf, ExportFixture, expectList, person, readReport, rng, runIn, size, subscribedAs, TIERS, type ExpectedMember } from "./helpers.js";

const MEMBERS = size(5_000, 50_000);
const KILLS = size(5, 20);
const SEED = 20_240_601;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 7 });
});
afterAll(async () => {
  await sandbox?.close();
});

async function committed(f: ExportFixture): Promise<number> {
  const loaded = await new FileStateStore(`${f.dir}/state`, "test-export").load();
  return SyncState.load({ hostname: f.config.connection.hostname, listId: f.listId }, loaded.snapshot, loaded.journal).state.size;
}

describe("a sync killed with SIGKILL at random points and resumed", () => {
  it(
    `ends with the exact list after ${KILLS} kills of a ${MEMBERS.toLocaleString("en-US")}-member sync, re-sending only what was in flight`,
    async () => {
      const f = new ExportFixture(sandbox);
      try {
        let people = Array.from({ length: MEMBERS }, (_, i) => person(f, i));
        f.writeSegment(csvOf(people));
        const r = rng(SEED);
        const kills: Array<{ mode: string; at: string; inFlightBatches: number; inFlightContacts: number; committed: number }> = [];
        const start = sandbox.inspect.requests();
        // When a run gets to the end before its kill point, the segment changes for every member (a new version) and
        // the kills go on in the run that sends the change, so there are always KILLS kills.
        let versions = 1;
        let confirmedThisVersion = 0;

        for (let attempt = 0; kills.length < KILLS && attempt < KILLS * 3; attempt++) {
          const remaining = Math.ceil((MEMBERS - confirmedThisVersion) / 250);
          const killsLeft = KILLS - kills.length;
          const timeMode = r.next() < 0.2;
          const afterConfirmed = r.int(0, Math.max(0, Math.min(remaining - 2, Math.ceil((2 * remaining) / (killsLeft + 1)))));
          const extraDelay = r.int(0, 15);
          const timeDelay = r.int(50, 600);
          const batchesBefore = sandbox.inspect.batches().length;
          let confirmedSeen = 0;
          let armed = false;
          let killTimer: NodeJS.Timeout | undefined;
          const res = await runIn(f, "run", [], {
            onStderrLine: (line, child) => {
              if (timeMode || armed) return;
              if (line.includes('"event":"batch-confirmed"')) confirmedSeen++;
              const trigger = afterConfirmed === 0 ? line.includes('"event":"phase"') : confirmedSeen >= afterConfirmed;
              if (trigger) {
                armed = true;
                killTimer = setTimeout(() => child.kill("SIGKILL"), extraDelay);
              }
            },
            onSpawn: (child) => {
              if (timeMode) killTimer = setTimeout(() => child.kill("SIGKILL"), timeDelay);
            },
          });
          clearTimeout(killTimer);
          const confirmed = parseEvents(res.stderr).filter((e) => e.event === "batch-confirmed");
          if (res.signal !== "SIGKILL") {
            // The run got to the end before the kill point: it must have finished cleanly, with the whole list.
            expect(res.code, res.stderr.slice(-2000)).toBe(0);
            expectList(sandbox, f.listId, new Map(people.map((p) => [p.email, subscribedAs(p)])), `the list after version ${versions}`);
            versions++;
            confirmedThisVersion = 0;
            people = people.map((p, i) => ({ ...p, first: `${p.first} v${versions}`, tier: TIERS[(i + versions) % TIERS.length] }));
            f.writeSegment(csvOf(people));
            continue;
          }
          const accepted = sandbox.inspect.batches().slice(batchesBefore);
          const acceptedContacts = accepted.reduce((s, b) => s + b.contacts, 0);
          const confirmedContacts = confirmed.reduce((s, e) => s + Number(e.contacts) + Number(e.failed ?? 0), 0);
          confirmedThisVersion += confirmedContacts;
          kills.push({
            mode: timeMode ? `time ${timeDelay} ms` : `after ${afterConfirmed} confirmed + ${extraDelay} ms`,
            at: `version ${versions}: ${confirmed.length} batches confirmed of ${accepted.length} accepted`,
            inFlightBatches: accepted.length - confirmed.length,
            inFlightContacts: acceptedContacts - confirmedContacts,
            committed: await committed(f),
          });
        }
        expect(kills.length, JSON.stringify(kills, null, 1)).toBe(KILLS);

        const last = await runIn(f, "run", ["--json"]);
        expect(last.code, last.stderr.slice(-2000)).toBe(0);

        const expected = new Map<string, ExpectedMember>(people.map((p) => [p.email, subscribedAs(p)]));
        expectList(sandbox, f.listId, expected, "the list after the kills and the resume");
        expect(await committed(f)).toBe(MEMBERS);

        // Re-sent contacts: everything the sandbox received beyond one send per member and version, bounded by what
        // was in flight at the kills.
        const end = sandbox.inspect.requests();
        const resent = end.bulkContactsReceived - start.bulkContactsReceived - MEMBERS * versions;
        const inFlight = kills.reduce((s, k) => s + k.inFlightContacts, 0);
        expect(end.bulkContactsDistinct - start.bulkContactsDistinct).toBe(MEMBERS);
        expect(resent, JSON.stringify(kills, null, 1)).toBeLessThanOrEqual(inFlight);
        for (const k of kills) expect(k.inFlightContacts).toBeLessThanOrEqual(250 * k.inFlightBatches);
        console.info(
          `crash: ${KILLS} kills over ${versions} segment version(s) of ${MEMBERS} members; ${resent} contacts re-sent, ` +
            `${inFlight} in flight at the kills (${kills.reduce((s, k) => s + k.inFlightBatches, 0)} batches); kill points: ${kills.map((k) => `${k.mode} (${k.at})`).join("; ")}`,
        );

        // A further run finds nothing to do and sends nothing.
        const again = await runIn(f, "run", ["--json"]);
        expect(again.code).toBe(0);
        expect(sandbox.inspect.requests().bulkContactsReceived).toBe(end.bulkContactsReceived);
        expect(readReport(f).counts).toMatchObject({ added: 0, updated: 0, unchanged: MEMBERS, failed: 0 });
      } finally {
        f.cleanup();
      }
    },
    size(150_000, 1_800_000),
  );
});
