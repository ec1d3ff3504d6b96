// `ac-export run` / `plan` end to end against the sandbox: assertions are on the list in the sandbox (members,
// field values, tags, statuses) and on what was sent, not only on exit codes.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const fixtures: ExportFixture[] = [];
const fixture = (...args: ConstructorParameters<typeof ExportFixture> extends [Sandbox, ...infer R] ? R : never) => {
  const f = new ExportFixture(sandbox, ...args);
  fixtures.push(f);
  return f;
};
const sent = () => sandbox.inspect.requests().bulkContactsReceived;
const endpoint = (name: string) => sandbox.inspect.requests().byEndpoint[name] ?? 0;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, requestsPerSecond: 5, seed: 1 });
});
afterAll(async () => {
  for (const f of fixtures) f.cleanup();
  await sandbox.close();
});
afterEach(() => sandbox.inspect.setFaults(null));

describe("ac-export run", () => {
  it("first sync puts every valid member on the list with fields and tags, and reports the rejects", async () => {
    const f = fixture();
    const rows = [...f.people(40), { email: "bad-email" }, { email: `PERSON3@${f.domain}`, first: "Dup" }, { email: "" }];
    f.writeSegment(csvOf(rows));
    const r = await f.run();
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(3); // rows were rejected
    expect(f.subscribed()).toEqual(f.emails(40));
    const m = sandbox.inspect.members(f.listId, 1).find((x) => x.email === `person7@${f.domain}`)!;
    expect(m).toMatchObject({ firstName: "First7", lastName: "Last7", fields: { LOYALTY_TIER: "gold" }, tags: ["vip"] });
    const report = JSON.parse(readFileSync(join(f.dir, "state/test-export/report.json"), "utf8"));
    expect(report.counts).toMatchObject({ added: 40, rejected: 3, failed: 0 });
    expect(report.rejectsByReason).toEqual(
      expect.arrayContaining([
        { reason: "email has no @", count: 1, rows: [42] },
        { reason: "duplicate of an earlier row (same email, ignoring case)", count: 1, rows: [43] },
        { reason: "email is empty", count: 1, rows: [44] },
      ]),
    );
    const rejected = readFileSync(join(f.dir, "state/test-export/rejected.csv"), "utf8");
    expect(rejected.split("\n")).toEqual(expect.arrayContaining(["42,bad-email,rejected,email has no @,", "44,,rejected,email is empty,"]));
    expect(r.stdout).toContain("Report: ");
    expect(r.stdout).toContain("state/test-export/report.md");
  });

  it("an unchanged second run sends no contact; 1% changed sends exactly those", async () => {
    const f = fixture();
    const base = f.people(300);
    f.writeSegment(csvOf(base));
    expect((await f.run()).code).toBe(0);
    const afterFirst = sent();
    const second = await f.run("run", ["--json"]);
    expect(second.code).toBe(0);
    expect(sent()).toBe(afterFirst);
    expect(JSON.parse(second.stdout).counts).toMatchObject({ added: 0, updated: 0, unchanged: 300 });
    const changed = base.map((p, i) => (i % 100 === 0 ? { ...p, tier: "platinum" } : p));
    f.writeSegment(csvOf(changed));
    const syncsBefore = endpoint("POST /contact/sync");
    const third = await f.run("run", ["--json"]);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout).counts).toMatchObject({ updated: 3, unchanged: 297 });
    // 3 changes ≤ 10: the small path (contact/sync), not bulk import.
    expect(endpoint("POST /contact/sync") - syncsBefore).toBe(3);
    expect(sandbox.inspect.contact(`person100@${f.domain}`)?.fields.LOYALTY_TIER).toBe("platinum");
  });

  it("plan prints what a run would do and writes nothing", async () => {
    const f = fixture();
    f.writeSegment(csvOf([...f.people(12), { email: "nope" }]));
    const before = sandbox.inspect.requests().byEndpoint;
    const r = await f.run("plan");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`add\\s+12\\s+e\\.g\\. person0@${f.domain.replace(/\./g, "\\.")}`));
    expect(r.stdout).toMatch(/reject\s+1/);
    expect(r.stdout).toContain("Nothing was written.");
    expect(f.subscribed()).toEqual([]);
    expect(existsSync(join(f.dir, "state/test-export/report.json"))).toBe(false);
    const after = sandbox.inspect.requests().byEndpoint;
    for (const ep of Object.keys(after)) if (!ep.startsWith("GET")) expect(after[ep], ep).toBe(before[ep]);
  });

  it("onLeave unsubscribe unsubscribes leavers, and re-subscribes them when they come back", async () => {
    const f = fixture({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "50%" } });
    f.writeSegment(csvOf(f.people(30)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(20)));
    expect((await f.run()).code).toBe(0);
    expect(f.subscribed()).toEqual(f.emails(20));
    const gone = sandbox.inspect.members(f.listId, 2).map((m) => m.email).sort();
    expect(gone).toEqual(f.emails(10, 20));
    f.writeSegment(csvOf(f.people(30)));
    const back = await f.run("run", ["--json"]);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout).counts.resubscribed).toBe(10);
    expect(f.subscribed()).toEqual(f.emails(30));
  });

  it("never re-subscribes a contact who unsubscribed by themselves", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(15)));
    expect((await f.run()).code).toBe(0);
    sandbox.inspect.unsubscribeByContact(`person4@${f.domain}`, f.listId);
    f.writeSegment(csvOf(f.people(15).map((p) => ({ ...p, tier: "silver" }))));
    const r = await f.run("run", ["--json"]);
    expect(JSON.parse(r.stdout).counts.keptUnsubscribed).toBe(1);
    expect(sandbox.inspect.contact(`person4@${f.domain}`)?.lists[f.listId]).toMatchObject({ status: 2, unsubscribedBy: "contact" });
    expect(f.subscribed()).not.toContain(`person4@${f.domain}`);
    expect(f.subscribed()).toHaveLength(14);
  });

  it("onLeave untag removes the export's tags from leavers and keeps them on the list", async () => {
    const f = fixture({ onLeave: "untag", limits: { maxRemovalsPerRun: 5 } });
    f.writeSegment(csvOf(f.people(12)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(9)));
    expect((await f.run()).code).toBe(0);
    const members = sandbox.inspect.members(f.listId, 1);
    expect(members).toHaveLength(12);
    for (const m of members) expect(m.tags, m.email).toEqual(Number(m.email.match(/\d+/)![0]) < 9 ? ["vip"] : []);
  });

  it("onLeave keep leaves leavers on the list", async () => {
    const f = fixture({ onLeave: "keep" });
    f.writeSegment(csvOf(f.people(12)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(2)));
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).counts.leavers).toBe(10);
    expect(f.subscribed()).toHaveLength(12);
  });

  it("an empty segment with onLeave unsubscribe trips the removal cap instead of emptying the list", async () => {
    const f = fixture({ onLeave: "unsubscribe" });
    f.writeSegment(csvOf(f.people(50)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment("Email,First,Last,Tier\n");
    const before = sandbox.inspect.requests().byEndpoint;
    const r = await f.run();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("50 members left the segment and onLeave is \"unsubscribe\", more than limits.maxRemovalsPerRun allows");
    expect(f.subscribed()).toHaveLength(50);
    expect(sandbox.inspect.requests().byEndpoint["POST /import/bulk_import"]).toBe(before["POST /import/bulk_import"]);
  });

  it("more valid profiles than limits.maxProfiles stops before any write, with the count", async () => {
    const f = fixture({ limits: { maxProfiles: 10 } });
    f.writeSegment(csvOf(f.people(11)));
    const r = await f.run();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the segment has 11 valid profiles, more than limits.maxProfiles (10)");
    expect(f.subscribed()).toEqual([]);
  });

  it("an unknown list, custom field or column is an error before any write", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(3)));
    f.writeConfig({ listId: 99999 });
    let r = await f.run();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("listId: list 99999 does not exist on contoso.api-us1.com");
    f.writeConfig({ listId: f.listId, mappings: { email: "Email", fields: { NO_SUCH_FIELD: "Tier" } } });
    r = await f.run("plan");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mappings.fields: no custom field with personalization tag "NO_SUCH_FIELD"');
    f.writeConfig({ mappings: { email: "EmailAddress" } });
    r = await f.run();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no column "EmailAddress" \(mapped in mappings\); its columns: Email, First, Last, Tier/);
    expect(f.subscribed()).toEqual([]);
  });

  it("a second run of the same export while one holds the lock exits 4", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(2000)));
    // Real-time rate budget (5 requests/s) for the first run, so it is still working when the second starts.
    const first = f.run("run", [], { AC_TIME_SCALE: "1" });
    await new Promise((r) => setTimeout(r, 700));
    const second = await f.run();
    expect(second.code).toBe(4);
    expect(second.stderr).toContain("another run of this export holds the lock");
    expect((await first).code).toBe(0);
    expect(f.subscribed()).toHaveLength(2000);
  });

  it("a rejected API key fails after 5 tries of the key check (intermittent 403s are retried, F15) with one clear message", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(3)));
    const before = sandbox.inspect.requests().total;
    const r = await f.run("run", [], { AC_API_KEY: "wrong-key-000" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("API key rejected for contoso.api-us1.com");
    expect(sandbox.inspect.requests().total - before).toBe(5);
  });

  it("completes with exact membership through injected faults and reports its retries", async () => {
    const f = fixture();
    f.writeSegment(csvOf(f.people(1500)));
    sandbox.inspect.setFaults("429:0.1,503:0.05,reset:0.02,html504:0.01,bulkfail:0.05,500:0.02");
    const r = await f.run("run", ["--json"]);
    sandbox.inspect.setFaults(null);
    expect(r.code).toBe(0);
    expect(f.subscribed()).toHaveLength(1500);
    const report = JSON.parse(r.stdout);
    expect(Object.values(report.requests.retriesByReason as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("never prints, logs, reports or stores the API key", async () => {
    const f = fixture();
    f.writeSegment(csvOf([...f.people(20), { email: "x" }]));
    const canary = sandbox.apiKey;
    const outputs = [await f.run(), await f.run("plan", ["--json"]), await f.run("run", [], { AC_API_KEY: `${canary}-wrong` }), await f.run("run", [], { AC_API_URL: "http://10.1.2.3:1" })];
    for (const o of outputs) {
      expect(o.stdout).not.toContain(canary);
      expect(o.stderr).not.toContain(canary);
    }
    const { readdirSync } = await import("node:fs");
    const dir = join(f.dir, "state/test-export");
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => e.name)).toContain("changes.csv");
    for (const file of files) {
      const name = join(file.parentPath, file.name);
      const body = readFileSync(name);
      const text = name.endsWith(".gz") || body[0] === 0x1f ? (await import("node:zlib")).gunzipSync(body).toString() : body.toString();
      expect(text, name).not.toContain(canary);
    }
  });
});

describe("consent across leaving and returning", () => {
  it("a member who unsubscribed themselves, then left and came back, stays unsubscribed", async () => {
    const f = fixture({ onLeave: "unsubscribe", limits: { maxRemovalsPerRun: "100%" } });
    f.writeSegment(csvOf(f.people(12)));
    expect((await f.run()).code).toBe(0);
    sandbox.inspect.unsubscribeByContact(`person3@${f.domain}`, f.listId);
    f.writeSegment(csvOf(f.people(12).filter((p) => p.email !== `person3@${f.domain}`)));
    expect((await f.run()).code).toBe(0);
    f.writeSegment(csvOf(f.people(12)));
    const back = await f.run("run", ["--json"]);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout).counts).toMatchObject({ resubscribed: 0, keptUnsubscribed: 1 });
    expect(sandbox.inspect.contact(`person3@${f.domain}`)?.lists[f.listId]).toMatchObject({ status: 2, unsubscribedBy: "contact" });
  });
});
