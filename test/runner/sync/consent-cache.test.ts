// The cached consent set (issue #10, REAL-ACCOUNT.md F10, F12): a re-run reads counts and changes instead of every
// unsubscribed, unconfirmed and bounced member, heals when a count disagrees, and consent holds where the cache cannot
// see (a status change that does not touch the contact's udate). Run under both readings of statusChangeTouchesContact,
// with the harsh readings of everything else (contactLists status 1 re-subscribes anyone, bulk `subscribe` activates
// 0 and 3). Every test asserts the sandbox's list member by member and that nothing inactive was activated.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture, fixturesOn, type Person } from "../../helpers/export-fixture.js";

/** The seeded inactive members are old: they unsubscribed, bounced or signed up days before these runs. */
const OLD = new Date(Date.now() - 3 * 86_400_000).toISOString();
const UNSUBSCRIBED = 250;
const UNCONFIRMED = 10;
const BOUNCED = 30;

interface ConsentEvent {
  full: Array<{ status: number; why: string }>;
  incremental: number[];
  changed: number;
  members: number;
}

/** Several ac-export runs per test, on a shared machine. */
const SLOW = { timeout: 180_000 };

for (const touches of [false, true]) {
  describe(`the consent cache, statusChangeTouchesContact: ${touches}`, SLOW, () => {
    let sandbox: Sandbox;
    const { fixture, cleanup } = fixturesOn(() => sandbox);
    beforeAll(async () => {
      sandbox = await startSandbox({ timeScale: 50, seed: 5, statusChangeTouchesContact: touches, contactListsResubscribe: "any", bulkSubscribeInactive: "activate" });
    });
    afterAll(async () => {
      cleanup();
      await sandbox.close();
    });

    const endpoint = (name: string) => sandbox.inspect.requests().byEndpoint[name] ?? 0;
    const statusOf = (f: ExportFixture, email: string) => sandbox.inspect.contact(email)?.lists[f.listId]?.status;
    const reactivated = (f: ExportFixture) => sandbox.inspect.reactivations().filter((a) => a.email.endsWith(`@${f.domain}`));
    const retier = (people: Person[], tier: string) => people.map((p) => ({ ...p, tier }));
    const consentEvent = (stderr: string): ConsentEvent => {
      const line = stderr.split("\n").find((l) => l.includes('"event":"consent-set"'));
      if (!line) throw new Error(`no consent-set event in: ${stderr.slice(0, 500)}`);
      return JSON.parse(line) as ConsentEvent;
    };
    /** A fixture whose list has old unsubscribed (u…), unconfirmed (p…) and bounced (b…) members outside the segment. */
    const seeded = (overrides: Parameters<typeof fixture>[0] = {}) => {
      const f = fixture(overrides);
      const at = (prefix: string, n: number, status: 0 | 2 | 3) =>
        Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@${f.domain}`, updatedAt: OLD, lists: { [f.listId]: status === 2 ? { status, by: "contact" as const } : status } }));
      sandbox.inspect.seed({ contacts: [...at("u", UNSUBSCRIBED, 2), ...at("p", UNCONFIRMED, 0), ...at("b", BOUNCED, 3)] });
      return f;
    };
    /**
     * The first run was days ago: its writes set every member's udate to then. (Members the sync wrote within the
     * change read's margin are re-read anyway; these tests are about the ones it did not write lately.)
     */
    const age = (people: Array<{ email: string }>) => sandbox.inspect.seed({ contacts: people.map((p) => ({ email: p.email, updatedAt: OLD })) });
    /** A run's GET /contacts and all its requests. */
    const measured = async (f: ExportFixture, command: "run" | "plan" = "run", args: string[] = []) => {
      const before = { contacts: endpoint("GET /contacts"), total: sandbox.inspect.requests().total };
      const r = await f.run(command, args);
      return { ...r, contacts: endpoint("GET /contacts") - before.contacts, total: sandbox.inspect.requests().total - before.total };
    };

    it("a first run reads in full; a re-run with unchanged data reads counts and changes only (exact requests)", async () => {
      const f = seeded();
      f.writeSegment(csvOf(f.people(20)));
      const first = await measured(f);
      expect(first.code).toBe(0);
      expect(consentEvent(first.stderr).full).toEqual([2, 0, 3].map((status) => ({ status, why: "no cache" })));
      // 250 unsubscribed = 3 pages, 10 unconfirmed and 30 bounced one page each; then 0 and 3 again, fresh, right
      // before the bulk pass (20 new contacts ask to subscribe).
      expect(first.contacts).toBe(3 + 1 + 1 + 2);
      expect(f.subscribed()).toEqual(f.emails(20));

      // The re-run's preflight, as `plan` (the same prepare step; it reads the cache and writes nothing).
      const plan = await measured(f, "plan");
      expect(plan.code).toBe(0);
      expect(consentEvent(plan.stderr)).toMatchObject({ full: [], incremental: [2, 0, 3], changed: 0, members: UNSUBSCRIBED + UNCONFIRMED + BOUNCED });
      // 1 visibility count + per status 1 count + 1 page of changes
      expect(plan.contacts).toBe(1 + 3 * 2);
      // + GET /users/me, GET /lists/{id}, GET /fields?filters[perstag]=LOYALTY_TIER
      expect(plan.total).toBe(10);

      const again = await measured(f);
      expect(again.code).toBe(0);
      expect(again.total).toBe(10); // nothing to send: the run is its preflight
      expect(f.subscribed()).toEqual(f.emails(20));
      expect(reactivated(f)).toEqual([]);
    });

    for (const [path, n] of [["small-delta", 5], ["bulk", 30]] as const) {
      it(`a member who unsubscribes between runs stays unsubscribed when their data changes (${path} path)`, async () => {
        const f = seeded();
        const base = f.people(n);
        f.writeSegment(csvOf(base));
        expect((await f.run()).code).toBe(0);
        age(base);
        const leaver = base[2]!.email;
        sandbox.inspect.unsubscribeByContact(leaver, f.listId);
        f.writeSegment(csvOf(retier(base, "silver")));
        const r = await measured(f);
        expect(r.code).toBe(0);
        const event = consentEvent(r.stderr);
        // Touched: the change read finds them. Not touched: the count of status 2 is one more than the cache's, so
        // status 2 is read in full again (the cache heals).
        expect(event.full).toEqual(touches ? [] : [{ status: 2, why: "count differed" }]);
        expect(statusOf(f, leaver)).toBe(2);
        expect(sandbox.inspect.contact(leaver)?.fields.LOYALTY_TIER).toBe("gold"); // planned out: nothing sent
        expect(f.subscribed()).toEqual(f.emails(n).filter((e) => e !== leaver));
        expect(reactivated(f)).toEqual([]);
      });

      it(`a swap (one 2→1 by an admin, one 1→2 by the person) between runs re-subscribes no one (${path} path)`, async () => {
        const f = seeded();
        const base = f.people(n);
        const readmitted = `u7@${f.domain}`; // unsubscribed, in the segment: kept on the first run
        f.writeSegment(csvOf([...base, { email: readmitted, tier: "gold" }]));
        expect((await f.run()).code).toBe(0);
        expect(statusOf(f, readmitted)).toBe(2);
        age(base);
        const leaver = base[1]!.email;
        sandbox.inspect.setStatus(readmitted, f.listId, 1);
        sandbox.inspect.unsubscribeByContact(leaver, f.listId);
        f.writeSegment(csvOf(retier([...base, { email: readmitted }], "silver")));
        const r = await measured(f, "run", []);
        expect(r.code).toBe(0);
        // Not touched: every count is equal, the swap is invisible until the next full read; consent holds anyway
        // (the small path reads the status before its write; bulk sends a known member without `subscribe`).
        // Touched: the leaver shows in the change read, the count differs, status 2 is read again.
        expect(consentEvent(r.stderr).full).toEqual(touches ? [{ status: 2, why: "count differed" }] : []);
        expect(statusOf(f, leaver)).toBe(2);
        expect(sandbox.inspect.contact(leaver)?.lists[f.listId]?.unsubscribedBy).toBe("contact");
        expect(statusOf(f, readmitted)).toBe(1); // as the admin left it
        expect(f.subscribed()).toEqual([...f.emails(n).filter((e) => e !== leaver), readmitted].sort());
        expect(reactivated(f)).toEqual([]);
      });
    }

    it("a member who bounces or a new contact left unconfirmed between runs is never activated on the bulk path", async () => {
      const f = seeded();
      const base = f.people(30);
      f.writeSegment(csvOf(base));
      expect((await f.run()).code).toBe(0);
      age(base);
      const bounced = base[3]!.email;
      const pending = `new-pending@${f.domain}`;
      // Each paired with the opposite change, so every count stays the same: the cache cannot see them when a status
      // change leaves udate alone.
      sandbox.inspect.setStatus(bounced, f.listId, 3, "bounce");
      sandbox.inspect.setStatus(`b0@${f.domain}`, f.listId, 1);
      sandbox.inspect.seed({ contacts: [{ email: pending, updatedAt: OLD, lists: { [f.listId]: 0 } }] });
      sandbox.inspect.setStatus(`p0@${f.domain}`, f.listId, 1);
      // A third bounces during the run, right before the first import.
      const during = base[9]!.email;
      sandbox.inspect.armHook({ on: "POST /import/bulk_import", email: during, listId: f.listId, status: 3, by: "bounce" });
      f.writeSegment(csvOf([...retier(base, "silver"), { email: pending, tier: "silver" }]));
      const r = await f.run("run", ["--json"]);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { counts: Record<string, number>; keptByReason: Array<{ reason: string; count: number }> };
      expect(statusOf(f, bounced)).toBe(3);
      expect(statusOf(f, pending)).toBe(0);
      expect(statusOf(f, during)).toBe(3);
      // The new contact asked to subscribe, so 0 and 3 were read fresh first: both found there, neither sent.
      expect(report.keptByReason.map((k) => [k.reason, k.count]).sort()).toEqual([
        ["bounced; not activated", 1],
        ["unconfirmed, not activated (double opt-in pending)", 1],
      ]);
      expect(sandbox.inspect.contact(pending)?.fields.LOYALTY_TIER).toBeUndefined();
      // The member who bounced during the run was sent as a known member, without `subscribe`: data, no activation.
      expect(sandbox.inspect.contact(during)?.fields.LOYALTY_TIER).toBe("silver");
      expect(f.subscribed()).toEqual([...f.emails(30).filter((e) => e !== bounced && e !== during), `b0@${f.domain}`, `p0@${f.domain}`].sort());
      expect(reactivated(f)).toEqual([]);
    });

    it("the cache heals when a count disagrees: a deleted contact costs one full read of its status, counted", async () => {
      const f = seeded();
      f.writeSegment(csvOf(f.people(5)));
      expect((await f.run()).code).toBe(0);
      expect(sandbox.inspect.deleteContact(`u0@${f.domain}`)).toBe(true);
      const r = await measured(f, "plan");
      expect(consentEvent(r.stderr)).toMatchObject({ full: [{ status: 2, why: "count differed" }], incremental: [2, 0, 3], members: UNSUBSCRIBED - 1 + UNCONFIRMED + BOUNCED });
      // visibility count + 3 × (count + changes) + 249 unsubscribed in 3 pages
      expect(r.contacts).toBe(1 + 6 + 3);
      // plan wrote nothing: the run reads it again, and keeps what it found
      expect(consentEvent((await f.run()).stderr).full).toEqual([{ status: 2, why: "count differed" }]);
      expect(consentEvent((await f.run()).stderr).full).toEqual([]);
    });

    it("keeps what the run itself did: members it unsubscribes or re-subscribes cost no full read next time", async () => {
      const f = seeded({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
      const base = f.people(20);
      f.writeSegment(csvOf(base));
      expect((await f.run()).code).toBe(0);
      age(base);
      f.writeSegment(csvOf(base.slice(3)));
      const left = await f.run();
      expect(left.code).toBe(0);
      expect(consentEvent(left.stderr).full).toEqual([]);
      for (const p of base.slice(0, 3)) expect(statusOf(f, p.email)).toBe(2);
      // The three the sync unsubscribed are in the cache: the count of status 2 agrees.
      expect(consentEvent((await f.run("plan")).stderr)).toMatchObject({ full: [], members: UNSUBSCRIBED + 3 + UNCONFIRMED + BOUNCED });
      f.writeSegment(csvOf(base));
      const back = await f.run("run", ["--json"]);
      expect(JSON.parse(back.stdout).counts).toMatchObject({ resubscribed: 3 });
      expect(consentEvent((await f.run("plan")).stderr)).toMatchObject({ full: [], members: UNSUBSCRIBED + UNCONFIRMED + BOUNCED });
      expect(f.subscribed()).toEqual(f.emails(20));
      // The only activations: the three the sync itself had unsubscribed, re-subscribed with sourceid 4.
      expect(reactivated(f).map((a) => [a.email, a.from, a.unsubscribedBy, a.sourceid]).sort()).toEqual(base.slice(0, 3).map((p) => [p.email, 2, "api", 4]));
    });

    it("a missing or unreadable cache, or consent.fullReadEveryHours: 0, means a full read, never an error", async () => {
      const f = seeded();
      f.writeSegment(csvOf(f.people(5)));
      expect((await f.run()).code).toBe(0);
      mkdirSync(join(f.dir, "state", "test-export", "aux"), { recursive: true });
      writeFileSync(join(f.dir, "state", "test-export", "aux", "consent-cache"), "not gzip");
      const broken = await f.run();
      expect(broken.code).toBe(0);
      expect(consentEvent(broken.stderr).full.map((x) => x.why)).toEqual(["no cache", "no cache", "no cache"]);
      expect(consentEvent((await f.run()).stderr).full).toEqual([]);
      f.writeConfig({ consent: { fullReadEveryHours: 0 } });
      const every = await f.run();
      expect(consentEvent(every.stderr).full.map((x) => x.why)).toEqual(["due", "due", "due"]);
      expect(f.subscribed()).toEqual(f.emails(5));
    });
  });
}
