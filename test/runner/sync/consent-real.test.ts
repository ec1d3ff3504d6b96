// Consent and refused contacts against the sandbox's real-account readings, the harsh ones (REAL-ACCOUNT.md F1, F3,
// F8, F12): POST /contactLists status 1 re-subscribes whatever sourceid, bulk `subscribe` activates unconfirmed and
// bounced members, skipped contacts vanish silently, exclude_automations is honoured only at the top level. Every
// test asserts the list member by member through sandbox inspection, and that no inactive membership was activated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture, fixturesOn, type Person } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const { fixture, cleanup } = fixturesOn(() => sandbox);
const endpoint = (name: string) => sandbox.inspect.requests().byEndpoint[name] ?? 0;
/** Every inactive membership (0, 2, 3) some write made active, for this fixture's contacts. */
const reactivated = (f: ExportFixture) => sandbox.inspect.reactivations().filter((a) => a.email.endsWith(`@${f.domain}`));
const statusOf = (f: ExportFixture, email: string) => sandbox.inspect.contact(email)?.lists[f.listId];
const retier = (people: Person[], tier: string, n = people.length) => people.map((p, i) => (i < n ? { ...p, tier } : p));
const json = (stdout: string) => JSON.parse(stdout) as { counts: Record<string, number>; keptByReason: Array<{ reason: string; count: number }>; failures: Array<{ reason: string; emails: string[] }> };

beforeAll(async () => {
  // The defaults are the harsh readings; spelled out so a change of default cannot soften this file.
  sandbox = await startSandbox({
    timeScale: 50,
    seed: 3,
    contactListsResubscribe: "any",
    bulkSubscribeInactive: "activate",
    skippedInFailure: false,
    bulkUnsubscribeCreates: true,
    excludeAutomationsReading: "top-level",
  });
});
afterAll(async () => {
  cleanup();
  await sandbox.close();
});

describe("a self-unsubscribed contact whose data changes stays unsubscribed", () => {
  it("on the small-delta path, also when they unsubscribe between the plan and the write", async () => {
    const f = fixture();
    const base = f.people(15);
    f.writeSegment(csvOf(base));
    expect((await f.run()).code).toBe(0);
    const known = `person4@${f.domain}`;
    const late = `person2@${f.domain}`;
    sandbox.inspect.unsubscribeByContact(known, f.listId);
    // person2 unsubscribes after the plan read the list, right before the run's first write.
    sandbox.inspect.armHook({ on: "POST /contact/sync", email: late, listId: f.listId, status: 2, by: "contact" });
    f.writeSegment(csvOf(retier(base, "silver", 6)));
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    const report = json(r.stdout);
    expect(report.counts).toMatchObject({ updated: 4, keptUnsubscribed: 2 });
    expect(report.keptByReason).toEqual([{ reason: "kept unsubscribed (they unsubscribed from the list themselves)", count: 2, rows: expect.any(Array) }]);
    for (const email of [known, late]) expect(statusOf(f, email), email).toMatchObject({ status: 2, unsubscribedBy: "contact" });
    expect(f.subscribed()).toEqual(f.emails(15).filter((e) => e !== known && e !== late));
    expect(reactivated(f)).toEqual([]);
    // The known one was planned out: nothing was sent for it (its data stays as it was).
    expect(sandbox.inspect.contact(known)?.fields.LOYALTY_TIER).toBe("gold");
  });

  it("on the bulk path, also when they unsubscribe between the plan and the first import", async () => {
    const f = fixture();
    const base = f.people(30);
    f.writeSegment(csvOf(base));
    expect((await f.run()).code).toBe(0);
    const known = `person4@${f.domain}`;
    const late = `person7@${f.domain}`;
    sandbox.inspect.unsubscribeByContact(known, f.listId);
    sandbox.inspect.armHook({ on: "POST /import/bulk_import", email: late, listId: f.listId, status: 2, by: "contact" });
    f.writeSegment(csvOf(retier(base, "silver")));
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expect(json(r.stdout).counts).toMatchObject({ keptUnsubscribed: 1 });
    for (const email of [known, late]) expect(statusOf(f, email), email).toMatchObject({ status: 2, unsubscribedBy: "contact" });
    expect(f.subscribed()).toEqual(f.emails(30).filter((e) => e !== known && e !== late));
    expect(sandbox.inspect.contact(known)?.fields.LOYALTY_TIER).toBe("gold");
    expect(reactivated(f)).toEqual([]);
  });
});

describe("unconfirmed (0) and bounced (3) members are never activated", () => {
  for (const [path, n] of [["small-delta", 4], ["bulk", 20]] as const) {
    it(`on the ${path} path, reported as "unconfirmed, not activated" and "bounced"`, async () => {
      const f = fixture();
      const everyone = f.people(n);
      const pending = everyone[0]!.email;
      const bounced = everyone[1]!.email;
      sandbox.inspect.seed({
        contacts: [
          { email: pending, lists: { [f.listId]: 0 } },
          { email: bounced, lists: { [f.listId]: { status: 3, by: "bounce" } } },
        ],
      });
      f.writeSegment(csvOf(everyone));
      const plan = await f.run("plan");
      expect(plan.stdout).toMatch(/keep unconfirmed\s+1   double opt-in pending/);
      expect(plan.stdout).toMatch(/keep bounced\s+1   their address bounced/);
      const planned = JSON.parse((await f.run("plan", ["--json"])).stdout).planned;
      expect(planned).toMatchObject({ adds: n - 2, keptAsTheyAre: 2, automations: "fire" });
      const r = await f.run("run", ["--json"]);
      expect(r.code).toBe(0);
      const report = json(r.stdout);
      expect(report.counts).toMatchObject({ added: n - 2, keptUnsubscribed: 2 });
      expect(report.keptByReason.map((g) => g.reason).sort()).toEqual(["bounced; not activated", "unconfirmed, not activated (double opt-in pending)"]);
      expect(statusOf(f, pending)?.status).toBe(0);
      expect(statusOf(f, bounced)?.status).toBe(3);
      expect(f.subscribed()).toEqual(f.emails(n).filter((e) => e !== pending && e !== bounced));
      expect(reactivated(f)).toEqual([]);
      // A second run changes nothing for them.
      expect((await f.run()).code).toBe(0);
      expect([statusOf(f, pending)?.status, statusOf(f, bounced)?.status]).toEqual([0, 3]);
    });
  }

  it("a member the sync unsubscribed who bounced meanwhile is not re-subscribed on return", async () => {
    const f = fixture({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
    f.writeSegment(csvOf(f.people(5)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(4)));
    expect((await f.run()).code).toBe(0);
    const gone = `person4@${f.domain}`;
    expect(statusOf(f, gone)?.status).toBe(2);
    // Bounced after the plan's read: the re-subscribe step reads the status again right before its write.
    sandbox.inspect.armHook({ on: "GET /contacts/{id}/contactLists", email: gone, listId: f.listId, status: 3, by: "bounce" });
    f.writeSegment(csvOf(f.people(5)));
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expect(json(r.stdout).counts).toMatchObject({ resubscribed: 0, keptUnsubscribed: 1 });
    expect(statusOf(f, gone)?.status).toBe(3);
    expect(reactivated(f)).toEqual([]);
  });
});

describe("contacts ActiveCampaign refuses", () => {
  it("an excluded contact in a small delta is a reported row (exit 3), remembered, and retried when its data changes", async () => {
    const f = fixture();
    const everyone = f.people(3);
    const excluded = everyone[1]!.email;
    sandbox.inspect.exclude({ matchPhrase: excluded });
    f.writeSegment(csvOf(everyone));
    const first = await f.run("run", ["--json"]);
    expect(first.code).toBe(3);
    const report = json(first.stdout);
    expect(report.counts).toMatchObject({ added: 2, failed: 1 });
    expect(report.failures).toEqual([expect.objectContaining({ emails: [excluded], reason: expect.stringContaining("email_excluded") })]);
    expect(f.subscribed()).toEqual(f.emails(3).filter((e) => e !== excluded));
    expect(sandbox.inspect.contact(excluded)).toBeUndefined();

    const syncs = endpoint("POST /contact/sync");
    const again = await f.run("run", ["--json"]);
    expect(again.code).toBe(0);
    expect(json(again.stdout).counts).toMatchObject({ refusedEarlier: 1, unchanged: 2, failed: 0 });
    expect(endpoint("POST /contact/sync")).toBe(syncs);

    f.writeSegment(csvOf(retier(everyone, "silver")));
    const changed = await f.run("run", ["--json"]);
    expect(changed.code).toBe(3);
    expect(json(changed.stdout).counts).toMatchObject({ updated: 2, failed: 1 });
    expect(endpoint("POST /contact/sync") - syncs).toBe(3);
  });

  it("contacts a bulk import skips silently are counted as not confirmed", async () => {
    const f = fixture();
    const everyone = f.people(20);
    sandbox.inspect.exclude({ matchPhrase: everyone[3]!.email });
    sandbox.inspect.bounce(everyone[5]!.email);
    f.writeSegment(csvOf(everyone));
    const r = await f.run("run", ["--json"]);
    expect(json(r.stdout).counts).toMatchObject({ notConfirmed: 2 });
    expect(f.subscribed()).toEqual(f.emails(20).filter((e) => e !== everyone[3]!.email && e !== everyone[5]!.email));
  });
});

describe("excludeAutomations: true holds on every path", () => {
  it("fires no automation on the bulk path nor on a small delta", async () => {
    const f = fixture({ excludeAutomations: true });
    const fired = () => Object.values(sandbox.inspect.automations()).reduce((n, c) => n + c.subscribe + c.tag, 0);
    const suppressed = () => Object.values(sandbox.inspect.automations()).reduce((n, c) => n + c.suppressed, 0);
    const before = { fired: fired(), suppressed: suppressed(), syncs: endpoint("POST /contact/sync"), lists: endpoint("POST /contactLists") };
    f.writeSegment(csvOf(f.people(30)));
    expect(JSON.parse((await f.run("plan", ["--json"])).stdout).planned).toMatchObject({ adds: 30, automations: "suppressed" });
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(33)));
    expect((await f.run()).code).toBe(0); // 3 new: a small delta, sent through bulk import
    expect(f.subscribed()).toEqual(f.emails(33));
    expect(fired() - before.fired).toBe(0);
    expect(suppressed() - before.suppressed).toBe(66); // a subscribe and a tag trigger per contact
    expect(endpoint("POST /contact/sync") - before.syncs).toBe(0);
    expect(endpoint("POST /contactLists") - before.lists).toBe(0);
  });
});
