// Fields and tags as code against the sandbox (issue #11): a declared field is created once with its type, options
// and list relation, and a second run creates nothing; a declared type ActiveCampaign contradicts exits 2 with no
// write; a field whose relations exclude the list warns; plan lists what a run would create and writes nothing; the
// export's tags are created once at preflight, however many bulk batches follow.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../../runner/output/markdown.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, fixturesOn } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const { fixture, cleanup } = fixturesOn(() => sandbox);
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, seed: 11 });
});
afterAll(async () => {
  cleanup();
  await sandbox.close();
});

let unique = 0;
const tagName = (base: string) => `${base}_${++unique}`;
const posts = () => Object.fromEntries(Object.entries(sandbox.inspect.requests().byEndpoint).filter(([ep]) => !ep.startsWith("GET")));

/** The messages of the JSON log's warning events. */
const warnings = (stderr: string): string[] =>
  stderr.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    const e = JSON.parse(line) as { event: string; message?: string };
    return e.event === "warning" ? [e.message!] : [];
  });

/** The field as GET /fields answers it, with its options and relations (what the runner reads). */
async function fieldOf(perstag: string) {
  const res = await fetch(`${sandbox.url}/api/3/fields?filters[perstag]=${perstag}`, { headers: { "Api-Token": sandbox.apiKey } });
  const json = (await res.json()) as { fields: Array<{ id: string; title: string; type: string }>; fieldOptions: Array<{ value: string; label: string }>; fieldRels: Array<{ relid: string }> };
  const f = json.fields[0];
  return f && { title: f.title, type: f.type, options: json.fieldOptions.map((o) => [o.value, o.label]), lists: json.fieldRels.map((r) => Number(r.relid)) };
}

describe("fields declared with create", () => {
  it("are created once with their type, options and the list; a second run creates nothing", async () => {
    const TIER = tagName("MEMBER_TIER");
    const f = fixture();
    f.writeConfig({
      mappings: {
        email: "Email",
        fields: { [TIER]: { column: "Tier", title: `Member tier ${TIER}`, type: "dropdown", options: ["gold", { value: "SLV", label: "silver" }], create: true } },
      },
    });
    f.writeSegment(csvOf(f.people(3)));
    const before = posts();
    const r = await f.run("run", ["--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await fieldOf(TIER)).toEqual({ title: `Member tier ${TIER}`, type: "dropdown", options: [["gold", "gold"], ["SLV", "silver"]], lists: [f.listId] });
    const created = posts();
    expect((created["POST /fields"] ?? 0) - (before["POST /fields"] ?? 0)).toBe(1);
    expect((created["POST /fieldOption/bulk"] ?? 0) - (before["POST /fieldOption/bulk"] ?? 0)).toBe(1);
    expect((created["POST /fieldRels"] ?? 0) - (before["POST /fieldRels"] ?? 0)).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.fields.creations).toEqual({ status: "created", items: [`field ${TIER} "Member tier ${TIER}" (dropdown) with options "gold", "SLV", for list ${f.listId}`] });
    expect(report.fields.fields).toEqual([expect.objectContaining({ tag: TIER, column: "Tier", type: "dropdown", declaredType: "dropdown", id: expect.any(Number) })]);
    expect(sandbox.inspect.contact(f.people(1)[0]!.email)?.fields[TIER]).toBe("gold");
    expect(readFileSync(join(f.dir, "state/test-export/report.md"), "utf8")).toContain(
      ["Created in ActiveCampaign before any contact was sent:", "", `- ${escapeMarkdown(`field ${TIER} "Member tier ${TIER}" (dropdown) with options "gold", "SLV", for list ${f.listId}`)}`].join("\n"),
    );

    f.writeSegment(csvOf(f.people(4)));
    const again = await f.run("run", ["--json"]);
    expect(again.code, again.stderr).toBe(0);
    const after = posts();
    for (const ep of ["POST /fields", "POST /fieldOption/bulk", "POST /fieldRels", "POST /tags"]) expect(after[ep] ?? 0, ep).toBe(created[ep] ?? 0);
    expect(JSON.parse(again.stdout).fields.creations.items).toEqual([]);
  });

  it("adds only the declared options a field lacks, and only with addOptions", async () => {
    const LEVEL = tagName("LEVEL");
    sandbox.inspect.seed({ fields: [{ title: `Level ${LEVEL}`, perstag: LEVEL, type: "radio", options: ["gold"] }] });
    const f = fixture();
    const decl = { column: "Tier", type: "radio" as const, options: ["Gold", "silver"] };
    f.writeConfig({ mappings: { email: "Email", fields: { [LEVEL]: decl } } });
    f.writeSegment(csvOf(f.people(2)));
    const without = await f.run("plan");
    expect(without.code, without.stderr).toBe(0);
    expect(warnings(without.stderr)).toContain(`custom field ${LEVEL} lacks the declared options "silver" in ActiveCampaign: values matching them are reported, not sent (set addOptions: true to add them)`);

    f.writeConfig({ mappings: { email: "Email", fields: { [LEVEL]: { ...decl, addOptions: true } } } });
    const before = posts()["POST /fieldOption/bulk"] ?? 0;
    expect((await f.run()).code).toBe(0);
    expect((await fieldOf(LEVEL))!.options).toEqual([["gold", "gold"], ["silver", "silver"]]);
    expect((await f.run()).code).toBe(0);
    expect(posts()["POST /fieldOption/bulk"]).toBe(before + 1);
  });
});

describe("checks before any write", () => {
  it("a declared type that ActiveCampaign contradicts exits 2 and writes nothing", async () => {
    const BORN = tagName("BORN");
    sandbox.inspect.createField({ title: `Born ${BORN}`, perstag: BORN, type: "text" });
    const f = fixture();
    f.writeConfig({ mappings: { email: "Email", fields: { [BORN]: { column: "Tier", type: "date", create: true } }, tags: [tagName("never")] } });
    f.writeSegment(csvOf(f.people(5)));
    const before = posts();
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.error).toEqual({
      code: "FIELD_TYPE_MISMATCH",
      message: `mappings.fields: field type mismatch: ${BORN} is "text" in ActiveCampaign, the config declares "date". Nothing was written, and the field is not changed: fix the declared type, or the field in ActiveCampaign`,
    });
    expect(posts()).toEqual(before);
    expect(f.subscribed()).toEqual([]);
    expect((await fieldOf(BORN))!.type).toBe("text");
  });

  it("a field whose relations exclude the list is a warning in plan and run", async () => {
    const SCOPED = tagName("SCOPED");
    const other = sandbox.inspect.createList("another list").id;
    sandbox.inspect.seed({ fields: [{ title: `Scoped ${SCOPED}`, perstag: SCOPED, type: "text", lists: [other] }] });
    const f = fixture();
    f.writeConfig({ mappings: { email: "Email", fields: { [SCOPED]: "Tier" } } });
    f.writeSegment(csvOf(f.people(2)));
    const warning = `custom field ${SCOPED} ("Scoped ${SCOPED}") does not apply to list ${f.listId} (it applies to list ${other}): ActiveCampaign may ignore its values for this list's contacts; add the list to the field in ActiveCampaign`;
    const plan = await f.run("plan");
    expect(plan.code).toBe(0);
    expect(warnings(plan.stderr)).toEqual([warning]);
    expect(plan.stdout).toContain(`Warning: ${warning}`);
    const run = await f.run("run");
    expect(run.code).toBe(0);
    expect(warnings(run.stderr)).toEqual([warning]);
    expect(f.subscribed()).toEqual(f.emails(2));
    // --json quiets the log; the report carries the warning.
    expect(JSON.parse((await f.run("run", ["--json"])).stdout).fields.warnings).toEqual([warning]);
  });

  it("a run blocked by a limit creates nothing", async () => {
    const NEVER = tagName("NEVER_MADE");
    const f = fixture({ limits: { maxProfiles: 2 } });
    f.writeConfig({ mappings: { email: "Email", fields: { [NEVER]: { column: "Tier", type: "text", create: true } }, tags: [tagName("never-made")] } });
    f.writeSegment(csvOf(f.people(3)));
    const before = posts();
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("MAX_PROFILES");
    expect(posts()).toEqual(before);
    expect(await fieldOf(NEVER)).toBeUndefined();
  });

  it("a missing field without create stays FIELD_NOT_FOUND, with how to declare it", async () => {
    const f = fixture();
    f.writeConfig({ mappings: { email: "Email", fields: { NO_SUCH_FIELD_11: { column: "Tier", type: "text" } } } });
    f.writeSegment(csvOf(f.people(1)));
    const r = await f.run("run", ["--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("FIELD_NOT_FOUND");
    expect(JSON.parse(r.stdout).error.message).toContain('no custom field with personalization tag "NO_SUCH_FIELD_11"');
  });
});

describe("plan", () => {
  it("shows every field, option and tag a run would create, its fields' types and conversions, and writes nothing", async () => {
    const WHEN = tagName("JOINED");
    const tag = tagName("new-tag");
    const f = fixture();
    f.writeConfig({
      mappings: {
        email: "Email",
        fields: { LOYALTY_TIER: "Tier", [WHEN]: { column: "First", type: "datetime", timeZone: "Europe/Amsterdam", create: true } },
        tags: [tag],
      },
    });
    f.writeSegment(csvOf(f.people(2)));
    const before = posts();
    const r = await f.run("plan");
    expect(r.code, r.stderr).toBe(0);
    expect(posts()).toEqual(before);
    expect(await fieldOf(WHEN)).toBeUndefined();
    expect(r.stdout).toContain(
      [
        "Custom fields:",
        `  LOYALTY_TIER         ← "Tier": text; text as given (numbers without float noise or exponents)`,
        `  ${WHEN.padEnd(20)} ← "First": datetime; ISO 8601 with offset, no milliseconds; values without a zone read in Europe/Amsterdam`,
        "A run would create in ActiveCampaign (before any contact is written):",
        `  + field ${WHEN} "${WHEN}" (datetime), for list ${f.listId}`,
        `  + tag "${tag}"`,
      ].join("\n"),
    );
    const json = JSON.parse((await f.run("plan", ["--json"])).stdout);
    expect(json.fields.creations).toEqual({ status: "would-create", items: [`field ${WHEN} "${WHEN}" (datetime), for list ${f.listId}`, `tag "${tag}"`] });
  });
});

describe("tags", () => {
  it("are created once at preflight, before the bulk batches that carry them", async () => {
    const tag = tagName("wave");
    const f = fixture();
    f.writeConfig({ mappings: { email: "Email", tags: [tag] } });
    f.writeSegment(csvOf(f.people(1200)));
    const before = posts();
    const r = await f.run();
    expect(r.code, r.stderr).toBe(0);
    const after = posts();
    expect((after["POST /import/bulk_import"] ?? 0) - (before["POST /import/bulk_import"] ?? 0)).toBeGreaterThanOrEqual(5);
    expect((after["POST /tags"] ?? 0) - (before["POST /tags"] ?? 0)).toBe(1);
    const res = await fetch(`${sandbox.url}/api/3/tags?search=${tag}`, { headers: { "Api-Token": sandbox.apiKey } });
    expect(((await res.json()) as { tags: unknown[] }).tags).toHaveLength(1);
    expect(sandbox.inspect.members(f.listId, 1).filter((m) => m.tags.includes(tag))).toHaveLength(1200);
  });
});
