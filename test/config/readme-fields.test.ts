// The README's "Custom fields and tags as code" examples: each config is valid and reads as the README says, and the
// plan text shown there is what the field preflight prints for that config against the sandbox.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAcClient } from "../../runner/ac/client.js";
import { formatPlanFields } from "../../runner/commands/plan-fields-text.js";
import { parseExportConfig } from "../../runner/config.js";
import { startSandbox, type Sandbox } from "../../runner/sandbox/index.js";
import { fieldsReportOf, inspectFields, valueMappingOf } from "../../runner/sync/field-preflight.js";
import { withValue } from "./fixtures.js";

const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
const start = readme.indexOf("## Custom fields and tags as code");
const section = readme.slice(start, readme.indexOf("\n## ", start + 3));
const examples = [...section.matchAll(/```json\n(.*?)\n```/gs)].map((m) => JSON.parse(m[1]!).mappings as Record<string, any>);
const planText = /```text\n(.*?)\n```/s.exec(section)![1]!;

describe("README custom field examples", () => {
  it("has the simple and the object form, and both are valid configs kept as written", () => {
    expect(examples).toHaveLength(2);
    for (const mappings of examples) expect(parseExportConfig(withValue("mappings", mappings)).mappings).toEqual(mappings);
  });

  it("the object form reads as the README says: E.164 phones, row rejection, each field's conversion", () => {
    const config = parseExportConfig(withValue("mappings", examples[1]));
    const fields = new Map(Object.keys(examples[1]!.fields).map((tag) => [tag, { tag, declared: undefined, spec: { tag, type: "text" as const }, optionsToAdd: [] }]));
    const values = valueMappingOf(config, { fields: [...fields.values()], tags: [], warnings: [], creations: [], applied: false });
    expect(values.phoneE164).toEqual({ defaultCountry: "US" });
    expect(values.onInvalid).toBe("reject-row");
    expect(values.fields.find((f) => f.tag === "INTERESTS")!.conversion).toEqual({ separator: ";" });
    expect(values.fields.find((f) => f.tag === "NEWSLETTER_OK")!.conversion).toEqual({ booleans: { true: "Yes", false: "No" } });
  });

  describe("the plan text", () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ timeScale: 50, seed: 12 });
    });
    afterAll(() => sandbox.close());

    it("is what plan prints for the README's fields against an account with list 12 and LOYALTY_TIER", async () => {
      sandbox.inspect.seed({ lists: Array.from({ length: 12 }, (_, i) => `list ${i + 1}`), fields: [{ title: "Loyalty tier", perstag: "LOYALTY_TIER", type: "text" }] });
      const { LOYALTY_TIER, MEMBER_SINCE } = examples[1]!.fields;
      const config = parseExportConfig(withValue("mappings", { email: "Email", fields: { LOYALTY_TIER, MEMBER_SINCE }, tags: ["vip"] }));
      const client = createAcClient({ baseUrl: `${sandbox.url}/api/3`, apiKey: sandbox.apiKey, hostname: "contoso.api-us1.com", rateLimit: config.rateLimit, timeScale: 50 });
      try {
        const pre = await inspectFields(client, config);
        expect(formatPlanFields(fieldsReportOf(config, pre)).join("\n").trim()).toBe(planText);
      } finally {
        await client.close();
      }
    });
  });
});
