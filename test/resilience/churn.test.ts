// Churn soak: consecutive runs of one export, each after a random 1-5% of members left, 1-5% joined (new people and
// former members coming back) and 1-5% changed, for each leave policy. After every run the list must be exactly what
// the policy says, member by member. One member unsubscribes by themselves before the first churn run, leaves the
// segment in the second and comes back in the third: they must stay unsubscribed throughout (consent).
// Bounded: 1,000 members, 3 churn runs per policy. RESILIENCE=full: 10,000 members, 10 churn runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import type { RunReport } from "../../runner/sync/report.js";
import { csvOf, ExportFixture, expectList, person, rng, runIn, size, subscribedAs, TIERS, type ExpectedMember, type Person } from "./helpers.js";

const MEMBERS = size(1_000, 10_000);
const RUNS = size(3, 10);

let sandbox: Sandbox;
beforeAll(async () => {
  // The documented contactLists behaviour: status 1 re-subscribes whatever sourceid (REAL-ACCOUNT.md F1).
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 3, contactListsResubscribe: "any" });
});
afterAll(async () => {
  await sandbox?.close();
});

const policies = ["keep", "unsubscribe", "untag"] as const;

describe("churn soak", () => {
  for (const [p, policy] of policies.entries()) {
    it(
      `onLeave ${policy}: ${RUNS} runs with 1-5% churn each keep the list exact`,
      async () => {
        const f = new ExportFixture(sandbox, { onLeave: policy });
        const r = rng(1000 + p);
        try {
          /** index → the person as in the current segment */
          const current = new Map<number, Person>();
          /** email → the person as last sent (members who ever were in the segment) */
          const lastSent = new Map<string, Person>();
          const selfUnsubscribed = new Set<string>();
          const former = new Set<number>();
          let nextIndex = 0;
          for (; nextIndex < MEMBERS; nextIndex++) current.set(nextIndex, person(f, nextIndex));
          let consenter: number | undefined;

          const expected = (): Map<string, ExpectedMember> => {
            const inSegment = new Map([...current.values()].map((x) => [x.email, x]));
            const out = new Map<string, ExpectedMember>();
            for (const [email, last] of lastSent) {
              const now = inSegment.get(email);
              if (selfUnsubscribed.has(email)) out.set(email, { status: 2, unsubscribedBy: "contact" });
              else if (now) out.set(email, subscribedAs(now));
              else if (policy === "keep") out.set(email, subscribedAs(last));
              else if (policy === "unsubscribe") out.set(email, { ...subscribedAs(last), status: 2 });
              else out.set(email, subscribedAs(last, []));
            }
            return out;
          };
          const sync = async (what: string): Promise<RunReport> => {
            const segment = [...current.values()];
            f.writeSegment(csvOf(r.shuffle(segment)));
            const res = await runIn(f, "run", ["--json"]);
            expect(res.code, `${what}: ${res.stderr.slice(-2000)}`).toBe(0);
            for (const x of segment) if (!selfUnsubscribed.has(x.email)) lastSent.set(x.email, x);
            expectList(sandbox, f.listId, expected(), what);
            return JSON.parse(res.stdout) as RunReport;
          };

          await sync("first sync");
          for (let run = 1; run <= RUNS; run++) {
            const pct = () => r.int(1, 5) / 100;
            const indexes = [...current.keys()];
            if (run === 1) {
              consenter = r.pick(indexes);
              const email = current.get(consenter)!.email;
              sandbox.inspect.unsubscribeByContact(email, f.listId);
              selfUnsubscribed.add(email);
            }
            // Leavers (the consenting member leaves in run 2), joiners (a third of them former members), changes.
            const leaving = new Set(r.shuffle(indexes.filter((i) => i !== consenter)).slice(0, Math.round(current.size * pct())));
            if (run === 2 && consenter !== undefined) leaving.add(consenter);
            const joinCount = Math.round(current.size * pct());
            const back = r.shuffle([...former]).slice(0, Math.floor(joinCount / 3));
            if (run === 3 && consenter !== undefined && !back.includes(consenter)) back.push(consenter);
            const stay = indexes.filter((i) => !leaving.has(i));
            const changing = r.shuffle([...stay]).slice(0, Math.round(current.size * pct()));
            for (const i of leaving) {
              current.delete(i);
              former.add(i);
            }
            for (const i of back) {
              former.delete(i);
              current.set(i, { ...person(f, i), tier: r.pick(TIERS) });
            }
            for (let k = back.length; k < joinCount; k++, nextIndex++) current.set(nextIndex, person(f, nextIndex, r.pick(TIERS)));
            for (const i of changing) {
              const x = current.get(i)!;
              current.set(i, { ...x, tier: TIERS[(TIERS.indexOf(x.tier!) + 1) % TIERS.length], ...(r.next() < 0.3 ? { last: `${x.last}-${run}` } : {}) });
            }
            const report = await sync(`run ${run} (${policy}): ${leaving.size} left, ${joinCount} joined (${back.length} came back), ${changing.length} changed`);
            // The member who unsubscribed themselves is not the sync's to remove: forgotten, not counted as a leaver.
            const leavers = leaving.size - (consenter !== undefined && leaving.has(consenter) ? 1 : 0);
            expect(report.counts.leavers, `run ${run}: leavers`).toBe(leavers);
            if (policy !== "keep") expect(report.counts.left, `run ${run}: left`).toBe(leavers);
            const consenterInSegment = consenter !== undefined && current.has(consenter);
            expect(report.counts.keptUnsubscribed, `run ${run}: the member who unsubscribed themselves is reported as kept unsubscribed`).toBe(consenterInSegment ? 1 : 0);
            if (policy === "unsubscribe") {
              expect(report.counts.resubscribed, `run ${run}: re-subscribed (only those the sync had unsubscribed)`).toBe(back.filter((i) => i !== consenter).length);
            }
          }
          // Consent, from the account's own record: the only memberships made active again are those the sync (the
          // API) had unsubscribed; never one a contact ended, never an unconfirmed or bounced one.
          const ours = sandbox.inspect.reactivations().filter((a) => a.email.endsWith(`@${f.domain}`));
          expect(ours.filter((a) => a.from !== 2 || a.unsubscribedBy !== "api")).toEqual([]);
        } finally {
          f.cleanup();
        }
      },
      size(120_000, 1_200_000),
    );
  }
});
