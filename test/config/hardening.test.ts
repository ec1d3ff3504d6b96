// The config's defences against hostile input, one unit at a time (the CLI side is test/resilience/hostile-config):
// show() makes invisible characters visible and cuts long values, the shape limits stop a walk before it recurses,
// locations refuse ".." and malformed escapes, and maskSecrets hides what looks like a key in a usage message.
import { describe, expect, it } from "vitest";
import { safeParseExportConfig } from "../../runner/config.js";
import { parseLocation } from "../../runner/config/location.js";
import { shapeProblems } from "../../runner/config/input-limits.js";
import { maskSecrets } from "../../runner/config/secret-like.js";
import { show, showKey } from "../../runner/config/show.js";
import { validConfig } from "./fixtures.js";

const KEY = "0f".repeat(36);

describe("show", () => {
  it("makes invisible characters visible, so First and \\uFEFFFirst differ", () => {
    expect(show("First")).toBe('"First"');
    expect(show("\uFEFFFirst")).toBe('"\\uFEFFFirst"');
    expect(show("a\u200Bb\u202Ec\u009Bd\u0000e\n")).toBe('"a\\u200Bb\\u202Ec\\u009Bd\\u0000e\\n"');
    expect(show({ col: "\u2028" })).toBe('{"col":"\\u2028"}');
  });

  it("cuts a long value to an excerpt with its length", () => {
    expect(show("z".repeat(1_000_000))).toBe(`"${"z".repeat(60)}…" (1000000 characters)`);
    expect(showKey("k".repeat(300))).toBe(`"${"k".repeat(60)}…" (300 characters)`);
    expect(showKey("LOYALTY_TIER")).toBe("LOYALTY_TIER");
  });

  it("never shows a value that looks like a secret", () => {
    expect(show(KEY)).toBe("a value that looks like an ActiveCampaign API key (not shown)");
    expect(show({ hostname: KEY })).toBe("a value containing what looks like an ActiveCampaign API key (not shown)");
  });

  it("survives values JSON cannot write", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(show(cyclic)).toBe("a Object");
    expect(show(10n)).toBe("10");
  });
});

describe("shape limits", () => {
  it("stop at the depth limit without recursing into a million levels", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = { a: deep };
    expect(shapeProblems({ x: deep })).toEqual([
      { path: "x.a.a.a.a.a.a.a", message: "nests deeper than 8 levels; the config is at most 6 levels deep (mappings.fields.<TAG>.options.<n>.value)" },
    ]);
  });

  it("refuse __proto__, constructor and prototype keys wherever they are, in the config's order", () => {
    const parsed = JSON.parse('{"mappings":{"fields":{"__proto__":"Points","constructor":"C"}},"segment":{"prototype":1}}');
    expect(shapeProblems(parsed).map((p) => p.path)).toEqual(["mappings.fields.__proto__", "mappings.fields.constructor", "segment.prototype"]);
  });

  it("a __proto__ field mapping is refused by the schema, not dropped", () => {
    const config = validConfig();
    const text = JSON.stringify(config).replace('"fields":{', '"fields":{"__proto__":"Points",');
    const result = safeParseExportConfig(JSON.parse(text));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.path).toBe("mappings.fields.__proto__");
  });
});

describe("locations", () => {
  it("refuse '..' as written or percent-encoded, and malformed escapes, with a LocationError", () => {
    for (const bad of ["https://acct1.blob.core.windows.net/segs/%2E%2e/x.csv", "azure-blob://acct1/segs/a/../b.csv"]) {
      expect(() => parseLocation(bad)).toThrow('must not contain a ".." path segment (as written or percent-encoded)');
    }
    expect(() => parseLocation("azure-blob://acct1/segs/100%.csv")).toThrow("has a malformed percent escape in the blob path");
    expect(parseLocation("file:../segments/vip.csv")).toEqual({ kind: "file", path: "../segments/vip.csv" });
  });
});

describe("maskSecrets", () => {
  it("masks keys, SAS signatures and account keys in a message, leaving the rest", () => {
    expect(maskSecrets(`AC_API_URL "${KEY}" is not a URL`)).toBe('AC_API_URL "***" is not a URL');
    expect(maskSecrets("https://a.blob.core.windows.net/c/x?sv=1&sig=AbC%2Bd")).toBe("https://a.blob.core.windows.net/c/x?sv=1&sig=***");
    expect(maskSecrets("DefaultEndpointsProtocol=https;AccountKey=abc+/=;EndpointSuffix=x")).toBe("DefaultEndpointsProtocol=https;AccountKey=***;EndpointSuffix=x");
    expect(maskSecrets("run 3f2504e0-4f89-41d3-9a0c-0305e82c3301 done")).toBe("run 3f2504e0-4f89-41d3-9a0c-0305e82c3301 done");
  });
});
