// Leavers and restricted keys against the sandbox's real-account readings (REAL-ACCOUNT.md F5, F9): a contact deleted
// in ActiveCampaign never comes back through a leave action, under either reading of an unsubscribe-only bulk
// contact; a key whose user group cannot see the list stops the run before any write. Also measures the requests a
// leaver costs under each onLeave policy (printed; bounds asserted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

for (const bulkUnsubscribeCreates of [true, false]) {
  describe(`a contact deleted in ActiveCampaign that leaves the segment (bulkUnsubscribeCreates: ${bulkUnsubscribeCreates})`, () => {
    let sandbox: Sandbox;
    const fixtures: ExportFixture[] = [];
    beforeAll(async () => {
      sandbox = await startSandbox({ timeScale: 50, seed: 5, bulkUnsubscribeCreates });
    });
    afterAll(async () => {
      for (const f of fixtures) f.cleanup();
      await sandbox.close();
    });

    for (const [path, leaving] of [["bulk", 15], ["small-delta", 3]] as const) {
      it(`does not reappear (${path} path)`, async () => {
        const f = new ExportFixture(sandbox, { onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
        fixtures.push(f);
        f.writeSegment(csvOf(f.people(30)));
        expect((await f.run()).code).toBe(0);
        const deleted = `person${30 - leaving}@${f.domain}`;
        expect(sandbox.inspect.deleteContact(deleted)).toBe(true);
        f.writeSegment(csvOf(f.people(30 - leaving)));
        const r = await f.run("run", ["--json"]);
        expect(r.code).toBe(0);
        expect(sandbox.inspect.contact(deleted)).toBeUndefined();
        expect(JSON.parse(r.stdout).counts).toMatchObject({ leavers: leaving, left: leaving - 1 });
        expect(f.subscribed()).toEqual(f.emails(30 - leaving));
        const unsubscribed = sandbox.inspect.members(f.listId, 2).map((m) => m.email).sort();
        expect(unsubscribed).toEqual(f.emails(leaving, 30 - leaving).filter((e) => e !== deleted));
        // The state forgot it: a later run does not try again, and it stays gone.
        const again = await f.run("run", ["--json"]);
        expect(JSON.parse(again.stdout).counts).toMatchObject({ leavers: 0 });
        expect(sandbox.inspect.contact(deleted)).toBeUndefined();
      });
    }
  });
}

describe("a key whose user group cannot see the list", () => {
  let sandbox: Sandbox;
  let f: ExportFixture;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 50, seed: 6 });
    f = new ExportFixture(sandbox);
  });
  afterAll(async () => {
    f.cleanup();
    await sandbox.close();
  });

  it("stops with exit 2 before any write, naming the user-group permission", async () => {
    const other = sandbox.inspect.createList("someone else's").id;
    const { apiKey } = sandbox.inspect.addRestrictedKey([other]);
    f.writeSegment(csvOf(f.people(5)));
    const before = sandbox.inspect.requests().byEndpoint;
    const r = await f.run("run", ["--json"], { AC_API_KEY: apiKey });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.error.code).toBe("PREFLIGHT_FAILED");
    expect(report.error.message).toContain(`this API key's user cannot see list ${f.listId}`);
    expect(report.error.message).toContain("Settings → Users → Groups → the key's user group → Permissions → Lists");
    const after = sandbox.inspect.requests().byEndpoint;
    for (const ep of Object.keys(after)) if (!ep.startsWith("GET")) expect(after[ep] ?? 0, ep).toBe(before[ep] ?? 0);
    expect(f.subscribed()).toEqual([]);
    // The same export with the main key works.
    expect((await f.run()).code).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(5));
  });
});

describe("onLeave untag with the tag read in bulk", () => {
  let sandbox: Sandbox;
  let f: ExportFixture;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 50, seed: 8 });
    f = new ExportFixture(sandbox, { onLeave: "untag", limits: { maxRemovalsPerRun: "100%" } });
  });
  afterAll(async () => {
    f.cleanup();
    await sandbox.close();
  });

  it("removes the tag from leavers only, leaves other tagged contacts alone, and re-creates no deleted contact", async () => {
    const outsiders = Array.from({ length: 5 }, (_, i) => `outsider${i}@${f.domain}`);
    sandbox.inspect.seed({ contacts: outsiders.map((email) => ({ email, tags: ["vip", "other"] })) });
    f.writeSegment(csvOf(f.people(30)));
    expect((await f.run()).code).toBe(0);
    const deleted = `person29@${f.domain}`;
    expect(sandbox.inspect.deleteContact(deleted)).toBe(true);
    const before = sandbox.inspect.requests().byEndpoint;
    f.writeSegment(csvOf(f.people(15)));
    const r = await f.run("run", ["--json"]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(r.stdout).counts).toMatchObject({ leavers: 15, left: 15 });
    const after = sandbox.inspect.requests().byEndpoint;
    const delta = (ep: string) => (after[ep] ?? 0) - (before[ep] ?? 0);
    // 14 leavers still exist: their tags read once each, one DELETE each; the deleted one costs nothing.
    expect(delta("GET /contacts/{id}/contactTags")).toBe(14);
    expect(delta("DELETE /contactTags/{id}")).toBe(14);
    expect(sandbox.inspect.contact(deleted)).toBeUndefined();
    for (const e of f.emails(14, 15)) expect(sandbox.inspect.contact(e)?.tags, e).toEqual([]);
    for (const e of f.emails(15)) expect(sandbox.inspect.contact(e)?.tags, e).toEqual(["vip"]);
    for (const e of outsiders) expect(sandbox.inspect.contact(e)?.tags, e).toEqual(["vip", "other"]);
    // Untagged leavers stay on the list (untag does not unsubscribe).
    expect(f.subscribed()).toEqual(f.emails(29));
  });
});

describe("requests per leaver, by policy", () => {
  let sandbox: Sandbox;
  const fixtures: ExportFixture[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 50, seed: 7 });
  });
  afterAll(async () => {
    for (const f of fixtures) f.cleanup();
    await sandbox.close();
  });
  const total = () => sandbox.inspect.requests().total;

  /** Requests of a run with `leaving` leavers, minus those of the same run with none (the preflight's). */
  async function perLeaver(onLeave: "keep" | "unsubscribe" | "untag", members: number, leaving: number, others = 0): Promise<number> {
    const f = new ExportFixture(sandbox, { onLeave, limits: { maxRemovalsPerRun: "100%" } });
    fixtures.push(f);
    if (others) sandbox.inspect.seed({ contacts: Array.from({ length: others }, (_, i) => ({ email: `other${i}@${f.domain}`, lists: { [f.listId]: 1 } })) });
    f.writeSegment(csvOf(f.people(members)));
    expect((await f.run()).code).toBe(0);
    let t = total();
    expect((await f.run()).code).toBe(0);
    const baseline = total() - t;
    f.writeSegment(csvOf(f.people(members - leaving)));
    t = total();
    expect((await f.run()).code).toBe(0);
    const cost = (total() - t - baseline) / leaving;
    console.log(`onLeave ${onLeave}: ${leaving} leavers of ${members} (+${others} other members on the list): ${cost.toFixed(2)} requests per leaver`);
    return cost;
  }

  // Several full runs each: longer than the default timeout on a busy machine.
  const LONG = 120_000;
  it("keep costs nothing; untag 2 per tagged leaver plus the paged read of who carries the tag, 3 for a few", async () => {
    expect(await perLeaver("keep", 40, 20)).toBe(0);
    // Who carries the tag is read in bulk (a count, then 100 a page); then each leaver's tags and one DELETE.
    expect(await perLeaver("untag", 40, 20)).toBeLessThanOrEqual(2.2);
    // A few leavers: one lookup each is cheaper than counting and reading the tag (find, read tags, remove).
    expect(await perLeaver("untag", 20, 2)).toBeLessThanOrEqual(3.5);
  }, LONG);

  it("unsubscribe: 2 per leaver for 10 or fewer, about 1 when each is looked up, far less when the list is read", async () => {
    expect(await perLeaver("unsubscribe", 20, 5)).toBeLessThanOrEqual(2);
    // Few leavers on a big list: one lookup each, then bulk.
    expect(await perLeaver("unsubscribe", 60, 20, 3000)).toBeLessThanOrEqual(1.5);
    // Many leavers: the list's active members are read (100 a page), then bulk.
    expect(await perLeaver("unsubscribe", 300, 200)).toBeLessThanOrEqual(0.2);
  }, LONG);
});

describe("finding which leavers still exist, logged with its cost", () => {
  let sandbox: Sandbox;
  const fixtures: ExportFixture[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 50, seed: 9 });
  });
  afterAll(async () => {
    for (const f of fixtures) f.cleanup();
    await sandbox.close();
  });

  /** The run's `leavers-checked` event, and the GET /contacts the sandbox saw during the run. */
  async function checked(members: number, leaving: number, others: number) {
    const f = new ExportFixture(sandbox, { onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
    fixtures.push(f);
    if (others) sandbox.inspect.seed({ contacts: Array.from({ length: others }, (_, i) => ({ email: `other${i}@${f.domain}`, lists: { [f.listId]: 1 } })) });
    f.writeSegment(csvOf(f.people(members)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(members - leaving)));
    const r = await f.run();
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const line = r.stderr.split("\n").find((l) => l.includes('"event":"leavers-checked"'));
    if (!line) throw new Error(`no leavers-checked event in: ${r.stderr.slice(-2000)}`);
    expect(sandbox.inspect.members(f.listId, 2).length).toBe(leaving);
    return JSON.parse(line) as { leavers: number; existing: number; way: string; requests: number };
  }

  it("reads the list when its pages are fewer than the leavers: the count plus one request a page", async () => {
    // 300 active members: 3 pages, fewer than 200 lookups.
    expect(await checked(300, 200, 0)).toMatchObject({ leavers: 200, existing: 200, way: "list", requests: 1 + 3 });
  }, 60_000);

  it("looks each leaver up when that is cheaper: the count plus one request each", async () => {
    // 3,060 active members: 31 pages, more than 20 lookups.
    expect(await checked(60, 20, 3000)).toMatchObject({ leavers: 20, existing: 20, way: "lookup", requests: 1 + 20 });
  }, 60_000);
});
