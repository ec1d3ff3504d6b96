// Custom fields as ActiveCampaign types them (issue #11), over real HTTP: options and list relations, the field
// endpoints in fields.yml's shapes, and how bulk import and contact/sync store each type under both readings.
import { describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../runner/sandbox/index.js";
import { api, quickSandbox, waitForBatch } from "./helpers.js";

async function withFields(options: SandboxOptions, fn: (sb: Sandbox, a: ReturnType<typeof api>, ids: Record<string, number>, listId: number) => Promise<void>): Promise<void> {
  const sb = await quickSandbox(options);
  try {
    const listId = sb.inspect.createList("Members").id;
    const seeded = sb.inspect.seed({
      fields: [
        { title: "Since", perstag: "SINCE", type: "date" },
        { title: "Seen", perstag: "SEEN", type: "datetime" },
        { title: "Tier", perstag: "TIER", type: "dropdown", options: [{ value: "gold", label: "Gold" }, "silver"] },
        { title: "Topics", perstag: "TOPICS", type: "checkbox", options: ["news", "deals", "events"], lists: [listId] },
        { title: "Note", perstag: "NOTE", type: "text" },
      ],
    });
    const [SINCE, SEEN, TIER, TOPICS, NOTE] = seeded.fields as [number, number, number, number, number];
    await fn(sb, api(sb), { SINCE, SEEN, TIER, TOPICS, NOTE }, listId);
  } finally {
    await sb.close();
  }
}

describe("field endpoints", () => {
  it("GET /fields sideloads fieldOptions and fieldRels; /fields/{id}/options lists options with value and label", async () => {
    await withFields({}, async (_sb, a, ids, listId) => {
      const all = await a.get("/fields?limit=100");
      expect(all.json.fieldOptions).toHaveLength(5);
      expect(all.json.fieldOptions[0]).toMatchObject({ value: "gold", label: "Gold", field: String(ids.TIER), orderid: 1, isdefault: 0, id: "1" });
      expect(all.json.fieldRels).toEqual([expect.objectContaining({ field: String(ids.TOPICS), relid: String(listId), id: "1" })]);
      const tier = all.json.fields.find((f: { perstag: string }) => f.perstag === "TIER");
      expect(tier).toMatchObject({ type: "dropdown", options: ["1", "2"], relations: [] });
      const byTag = await a.get("/fields?filters[perstag]=topics");
      expect(byTag.json.fields.map((f: { id: string }) => Number(f.id))).toEqual([ids.TOPICS]);
      expect(byTag.json.fieldOptions.map((o: { value: string }) => o.value)).toEqual(["news", "deals", "events"]);
      const opts = await a.get(`/fields/${ids.TIER}/options`);
      expect(opts.json.fieldOptions.map((o: { value: string; label: string }) => [o.value, o.label])).toEqual([["gold", "Gold"], ["silver", "silver"]]);
      expect((await a.get("/fields/999/options")).json).toEqual({ message: "No Result found for Field with id 999" });
    });
  });

  it("creates a field, its options (POST /fieldOption/bulk) and a list relation (POST /fieldRels) in the documented shapes", async () => {
    await withFields({}, async (_sb, a, _ids, listId) => {
      const f = await a.post("/fields", { field: { title: "Region", type: "radio", perstag: "REGION" } });
      expect(f.status).toBe(201);
      const id = Number(f.json.field.id);
      const o = await a.post("/fieldOption/bulk", { fieldOptions: [{ field: id, value: "NSW", label: "New South Wales" }, { field: id, value: "VIC", label: "Victoria", isdefault: true }] });
      expect(o.status).toBe(201);
      expect(o.json.fieldOptions).toEqual([
        expect.objectContaining({ orderid: 1, value: "NSW", label: "New South Wales", isdefault: 0, field: String(id) }),
        expect.objectContaining({ orderid: 2, value: "VIC", label: "Victoria", isdefault: 1, field: String(id) }),
      ]);
      const bad = await a.post("/fieldOption/bulk", { field: id, value: "x" });
      expect(bad.status).toBe(422);
      expect(bad.json).toEqual({ errors: "Bulk operation failed. Request must contain an array of fieldOption objects." });
      const rel = await a.post("/fieldRels", { fieldRel: { field: id, relid: listId } });
      expect(rel.status).toBe(201);
      expect(rel.json.fieldRel).toMatchObject({ relid: listId, field: id, links: [], id: expect.stringMatching(/^\d+$/) });
      const one = await a.get(`/fields/${id}`);
      expect(one.json.field).toMatchObject({ perstag: "REGION", type: "radio", options: expect.any(Array), relations: [rel.json.fieldRel.id] });
      expect(one.json.fieldOptions).toHaveLength(2);
      const tag = await a.post("/tags", { tag: { tag: "VIP", tagType: "contact", description: "" } });
      expect(tag.status).toBe(201);
      expect(tag.json.tag).toMatchObject({ tag: "VIP", tagType: "contact", id: expect.stringMatching(/^\d+$/) });
    });
  });

  it("GET /fields honours offset only with fieldsOffset honoured", async () => {
    for (const fieldsOffset of ["ignored", "honoured"] as const) {
      await withFields({ fieldsOffset }, async (_sb, a) => {
        const page = await a.get("/fields?limit=2&offset=2");
        expect(page.json.fields.map((f: { perstag: string }) => f.perstag)).toEqual(fieldsOffset === "honoured" ? ["TIER", "TOPICS"] : ["SINCE", "SEEN"]);
      });
    }
  });
});

const values = (ids: Record<string, number>, v: Record<string, string>) => Object.entries(v).map(([k, value]) => ({ id: ids[k], value }));

describe("stored values by type", () => {
  it("reading coerce: a bad date becomes 1899-12-31, datetimes move to the account's zone, unknown options are stored but shown empty", async () => {
    await withFields({ accountTimeZone: "America/Chicago" }, async (sb, _a, ids, listId) => {
      const r = await api(sb).post("/import/bulk_import", {
        contacts: [
          { email: "good@example.com", subscribe: [{ listid: listId }], fields: values(ids, { SINCE: "2024-05-01", SEEN: "2024-11-01T13:05:00-06:00", TIER: "gold", TOPICS: "||news||events||", NOTE: "2024-05-01T10:00:00.000Z" }) },
          { email: "bad@example.com", subscribe: [{ listid: listId }], fields: values(ids, { SINCE: "2024-05-01T10:00:00.000Z", SEEN: "2024-05-01T10:00:00", TIER: "Gold", TOPICS: '["news","deals"]' }) },
          { email: "naive@example.com", fields: values(ids, { SEEN: "2024-01-15T10:00:00.000Z", TOPICS: "||news||nope||" }) },
        ],
      });
      expect((await waitForBatch(sb, r.json.batchId)).json.status).toBe("completed");
      const good = sb.inspect.contact("good@example.com")!;
      expect(good.fields).toEqual({ SINCE: "2024-05-01", SEEN: "2024-11-01T14:05:00-05:00", TIER: "gold", TOPICS: "||news||events||", NOTE: "2024-05-01T10:00:00.000Z" });
      expect(good.storedFields).toBeUndefined();
      const bad = sb.inspect.contact("bad@example.com")!;
      // A naive datetime is read in the account's zone; a label is not a value; JSON is not ||a||b||.
      expect(bad.fields).toEqual({ SINCE: "1899-12-31", SEEN: "2024-05-01T10:00:00-05:00", TIER: "", TOPICS: "" });
      expect(bad.storedFields).toEqual({ TIER: "Gold", TOPICS: '["news","deals"]' });
      const naive = sb.inspect.contact("naive@example.com")!;
      expect(naive.fields).toEqual({ SEEN: "2024-01-15T04:00:00-06:00", TOPICS: "||news||" });
      expect(naive.storedFields).toEqual({ TOPICS: "||news||nope||" });
    });
  });

  it("reading fail: one bad value ends the whole import failed, nothing applied; contact/sync answers 422", async () => {
    await withFields({ fieldValueReading: "fail" }, async (sb, a, ids, listId) => {
      const r = await a.post("/import/bulk_import", {
        contacts: [
          { email: "fine@example.com", subscribe: [{ listid: listId }], fields: values(ids, { SINCE: "2024-05-01" }) },
          { email: "bad@example.com", subscribe: [{ listid: listId }], fields: values(ids, { TIER: "bronze" }) },
        ],
      });
      expect(r.status).toBe(200);
      const info = await waitForBatch(sb, r.json.batchId);
      expect(info.json).toEqual({ status: "failed", success: [], failure: [] });
      expect(sb.inspect.members(listId)).toEqual([]);
      const sync = await a.post("/contact/sync", { contact: { email: "s@example.com", fieldValues: [{ field: String(ids.SINCE), value: "05/01/2024" }] } });
      expect(sync.status).toBe(422);
      expect(sync.json.errors[0]).toMatchObject({ code: "field_invalid" });
      expect(sync.json.errors[0].title).toContain('"05/01/2024" is not a date in YYYY-MM-DD');
      const ok = await a.post("/contact/sync", { contact: { email: "s@example.com", fieldValues: [{ field: String(ids.SEEN), value: "2024-05-01T10:00:00Z" }] } });
      expect(ok.status).toBe(201);
      expect(ok.json.fieldValues[0].value).toBe("2024-05-01T10:00:00+00:00");
    });
  });

  it("contact/sync applies the coerce reading too", async () => {
    await withFields({}, async (sb, a, ids) => {
      const r = await a.post("/contact/sync", { contact: { email: "c@example.com", fieldValues: [{ field: String(ids.SINCE), value: "05/01/2024" }, { field: String(ids.TIER), value: "platinum" }] } });
      expect(r.status).toBe(201);
      expect(sb.inspect.contact("c@example.com")).toMatchObject({ fields: { SINCE: "1899-12-31", TIER: "" }, storedFields: { TIER: "platinum" } });
    });
  });
});

describe("data-dependent batch failure", () => {
  it("a batch containing the failing pattern ends failed; others complete; the pattern can be set over HTTP", async () => {
    await withFields({ failPattern: "/😀/u" }, async (sb, a, _ids, listId) => {
      const bad = await a.post("/import/bulk_import", { contacts: [{ email: "e1@example.com", first_name: "Ann 😀", subscribe: [{ listid: listId }] }, { email: "e2@example.com" }] });
      const good = await a.post("/import/bulk_import", { contacts: [{ email: "e3@example.com", first_name: "Bob" }, { email: "e4@example.com" }] });
      expect((await waitForBatch(sb, bad.json.batchId)).json.status).toBe("failed");
      expect((await waitForBatch(sb, good.json.batchId)).json.status).toBe("completed");
      expect(sb.inspect.contact("e2@example.com")).toBeUndefined();
      const set = await fetch(`${sb.url}/__sandbox/fail-pattern`, { method: "PUT", body: JSON.stringify({ pattern: "Bob" }) });
      expect(set.status).toBe(200);
      const now = await a.post("/import/bulk_import", { contacts: [{ email: "e5@example.com", first_name: "Bob" }, { email: "e6@example.com" }] });
      expect((await waitForBatch(sb, now.json.batchId)).json.status).toBe("failed");
    });
  });
});
