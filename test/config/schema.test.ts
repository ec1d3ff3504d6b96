import { describe, expect, it } from "vitest";
import { AC_LIMITS, formatProblems, parseExportConfig, removalCap, safeParseExportConfig } from "../../runner/config.js";
import { validConfig, withValue } from "./fixtures.js";

type Case = [label: string, config: unknown, path: string, gist: RegExp];

// Each row: a broken config, the key path that must be named, and the gist of the message.
const invalid: Case[] = [
  ["name with upper case", withValue("name", "VIP"), "name", /lowercase letters, digits or "-".*got "VIP"/],
  ["name too long", withValue("name", "n".repeat(49)), "name", /1-48/],
  ["name empty", withValue("name", ""), "name", /1-48.*got ""/],
  ["name wrong type", withValue("name", 42), "name", /must be a string; got 42/],
  ["connection name with space", withValue("connection.name", "marketing eu"), "connection.name", /got "marketing eu"/],
  ["hostname with scheme", withValue("connection.hostname", "https://contoso.api-us1.com"), "connection.hostname",
    /without a scheme.*use "contoso\.api-us1\.com" instead/],
  ["hostname with path", withValue("connection.hostname", "contoso.api-us1.com/api/3"), "connection.hostname",
    /must not contain a path.*use "contoso\.api-us1\.com"/],
  ["hostname with port", withValue("connection.hostname", "contoso.api-us1.com:443"), "connection.hostname", /must not contain a port/],
  ["hostname with query", withValue("connection.hostname", "contoso.api-us1.com?x=1"), "connection.hostname", /query/],
  ["hostname with user info", withValue("connection.hostname", "admin@contoso.api-us1.com"), "connection.hostname", /user info/],
  ["hostname with whitespace", withValue("connection.hostname", " contoso.api-us1.com"), "connection.hostname", /whitespace/],
  ["hostname empty", withValue("connection.hostname", ""), "connection.hostname", /must not be empty/],
  ["hostname IPv4", withValue("connection.hostname", "10.0.0.1"), "connection.hostname", /not an IP address/],
  ["hostname IPv6", withValue("connection.hostname", "[::1]"), "connection.hostname", /not an IP address/],
  ["hostname Cyrillic look-alike", withValue("connection.hostname", "cоntoso.api-us1.com"), "connection.hostname",
    /non-ASCII character "о" \(U\+043E\) at position 2/],
  ["hostname fullwidth dot", withValue("connection.hostname", "contoso．api-us1.com"), "connection.hostname", /U\+FF0E/],
  ["hostname single label", withValue("connection.hostname", "localhost"), "connection.hostname", /fully qualified/],
  ["hostname bad label", withValue("connection.hostname", "-contoso.api-us1.com"), "connection.hostname", /invalid label "-contoso"/],
  ["hostname trailing dot", withValue("connection.hostname", "contoso.api-us1.com."), "connection.hostname", /must not end with a dot/],
  ["listId negative", withValue("listId", -3), "listId", /positive whole number.*got -3/],
  ["listId fractional", withValue("listId", 1.5), "listId", /positive whole number.*got 1\.5/],
  ["listId zero", withValue("listId", 0), "listId", /got 0/],
  ["listId non-numeric string", withValue("listId", "twelve"), "listId", /got "twelve"/],
  ["listId boolean", withValue("listId", true), "listId", /wrong type; got true/],
  ["listId missing", withValue("listId", undefined), "listId", /required/],
  ["segment source scheme", withValue("segment.source", "s3://bucket/vip.csv"), "segment.source", /not a supported location/],
  ["segment source empty file", withValue("segment.source", "file:"), "segment.source", /needs a path/],
  ["segment source SAS token", withValue("segment.source", "https://acct1.blob.core.windows.net/segs/vip.csv?sig=abc"),
    "segment.source", /^looks like an Azure SAS token; .*\(the value is not shown\)/],
  ["segment blob bad container", withValue("segment.source", "https://acct1.blob.core.windows.net/S/vip.csv"),
    "segment.source", /container "S" must be 3-63/],
  ["segment format unknown", withValue("segment.format", "xlsx"), "segment.format", /one of "csv", "jsonl", "parquet", "customer-insights", "delta"; got "xlsx"/],
  ["segment format not inferable", { ...withValue("segment.format", undefined), segment: { source: "azure-blob://acct1/segs/vip/" } },
    "segment.format", /cannot be inferred/],
  ["mappings email missing", withValue("mappings.email", undefined), "mappings.email", /required/],
  ["mappings email empty", withValue("mappings.email", "  "), "mappings.email", /must name a source column/],
  ["field tag lower case", withValue("mappings.fields", { loyalty_tier: "Tier" }), "mappings.fields.loyalty_tier",
    /upper-case A-Z, 0-9 and "_" \(e\.g\. "LOYALTY_TIER"\)/],
  ["field tag is standard", withValue("mappings.fields", { EMAIL: "Other" }), "mappings.fields.EMAIL", /map it with mappings\.email/],
  ["too many fields", withValue("mappings.fields", Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`F${i}`, `c${i}`]))),
    "mappings.fields", /at most 100 custom fields; got 101/],
  ["too many tags", withValue("mappings.tags", Array.from({ length: 21 }, (_, i) => `t${i}`)), "mappings.tags", /at most 20 tags; got 21/],
  ["tag blank", withValue("mappings.tags", ["vip", " "]), "mappings.tags.1", /tag name of 1-255/],
  ["tag repeated in other case", withValue("mappings.tags", ["vip", "VIP"]), "mappings.tags.1", /repeats tag "vip"/],
  ["column feeds two targets", withValue("mappings.lastName", "FirstName"), "mappings.lastName",
    /column "FirstName" already feeds mappings\.firstName/],
  ["email column reused as field", withValue("mappings.fields", { EMAIL_COPY: "PrimaryEmail" }), "mappings.fields.EMAIL_COPY",
    /already feeds mappings\.email/],
  ["onLeave unknown", withValue("onLeave", "delete"), "onLeave", /one of "keep", "unsubscribe", "untag"; got "delete"/],
  ["untag without tags", { ...withValue("onLeave", "untag"), mappings: { email: "PrimaryEmail" } }, "onLeave", /at least one tag/],
  ["maxProfiles zero", withValue("limits.maxProfiles", 0), "limits.maxProfiles", /1 to 10000000; got 0/],
  ["maxProfiles too big", withValue("limits.maxProfiles", 10_000_001), "limits.maxProfiles", /got 10000001/],
  ["maxProfiles fractional", withValue("limits.maxProfiles", 10.5), "limits.maxProfiles", /whole number/],
  ["removal cap bad percent", withValue("limits.maxRemovalsPerRun", "150%"), "limits.maxRemovalsPerRun", /"0%" to "100%".*got "150%"/],
  ["removal cap negative", withValue("limits.maxRemovalsPerRun", -1), "limits.maxRemovalsPerRun", /got -1/],
  ["problem rows not a percentage", withValue("limits.maxProblemRows", "5"), "limits.maxProblemRows", /must be a whole number of rows \(e\.g\. 500\) or a percentage of the rows read from "0%" to "100%" \(e\.g\. "10%"\); got "5"/],
  ["rate limit zero", withValue("rateLimit.requestsPerSecond", 0), "rateLimit.requestsPerSecond", /^must be a number of at least 0\.1 \(requests per second to ActiveCampaign\); got 0$/],
  ["consent full read negative", withValue("consent.fullReadEveryHours", -1), "consent.fullReadEveryHours", /^must be a whole number of hours from 0 \(read in full on every run\) to 8760 \(a year\); got -1$/],
  ["consent unknown key", withValue("consent.everyHours", 5), "consent.everyHours", /^unknown key; allowed keys here: fullReadEveryHours$/],
  ["bulk rate fractional", withValue("rateLimit.bulkRequestsPerMinute", 2.5), "rateLimit.bulkRequestsPerMinute", /whole number.*got 2\.5/],
  ["state unsupported", withValue("state", "redis://x"), "state", /not a supported location/],
  ["unknown top-level key (typo)", withValue("lsitId", 12), "lsitId", /unknown key \(did you mean "listId"\?\)/],
  ["unknown nested key", withValue("mappings.emial", "x"), "mappings.emial", /unknown key \(did you mean "email"\?\)/],
  ["unknown key in segment (a transformed object)", withValue("segment.fromat", "csv"), "segment.fromat",
    /^unknown key \(did you mean "format"\?\); allowed keys here: name, source, format, delimiter, header, columns, escape, table, parts, settleMinutes$/],
  ["unknown key in limits (an object with a default)", withValue("limits.maxProfile", 5), "limits.maxProfile", /did you mean "maxProfiles"/],
  ["unknown key, nothing close", withValue("connection.region", "eu"), "connection.region", /^unknown key; allowed keys here: name, hostname$/],
  ["segment name empty", withValue("segment.name", ""), "segment.name", /^must be at least 1 character; got ""$/],
  ["segment name too long", withValue("segment.name", "n".repeat(201)), "segment.name", /^must be at most 200 characters; got "n{60}…" \(201 characters\)$/],
  ["delimiter of two characters", withValue("segment.delimiter", "::"), "segment.delimiter", /^must be one ASCII character other than a quote or a line break \(e\.g\. ",", ";", "\\t", "\|"\); got "::"$/],
  ["excludeAutomations wrong type", withValue("excludeAutomations", "yes"), "excludeAutomations", /^must be a boolean; got "yes"$/],
  ["API key property", withValue("connection.apiKey", "s3cr3t-key"), "connection.apiKey", /credential.*AC_API_KEY/],
  ["api_token at root", withValue("api_token", "abc"), "api_token", /credential/],
  ["config not an object", "hello", "(root)", /must be an object; got "hello"/],
  ["connection wrong type", withValue("connection", "marketing-eu"), "connection", /must be an object; got "marketing-eu"/],
];

describe("ExportConfig schema: invalid configs", () => {
  it("has at least 30 cases", () => expect(invalid.length).toBeGreaterThanOrEqual(30));

  it.each(invalid)("%s", (_label, config, path, gist) => {
    const result = safeParseExportConfig(config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path === path);
    expect(problem, `no problem at ${path}; got ${JSON.stringify(result.problems)}`).toBeDefined();
    expect(problem!.message).toMatch(gist);
  });

  it("never echoes an API key or URL credentials in its messages", () => {
    const secret = "c4n4ry-s3cr3t-9f8e7d";
    for (const config of [
      withValue("connection.apiKey", secret),
      withValue("connection.hostname", `https://user:${secret}@contoso.api-us1.com`),
      withValue("segment.source", `https://user:${secret}@acct1.blob.core.windows.net/segs/vip.csv`),
    ]) {
      const result = safeParseExportConfig(config);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(secret);
    }
  });

  it("phrases zod's own issues with the error map, not zod's English", () => {
    const result = safeParseExportConfig({ ...withValue("segment.name", ""), listId: undefined, onLeave: 3 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatProblems(result.problems)).toBe(
        [
          "listId: is required",
          'segment.name: must be at least 1 character; got ""',
          'onLeave: must be one of "keep", "unsubscribe", "untag"; got 3',
        ].join("\n"),
      );
    }
  });

  it("lists every problem at once", () => {
    const config = { ...withValue("name", "Bad Name"), listId: -1, onLeave: "nope" };
    const result = safeParseExportConfig(config);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path).sort()).toEqual(["listId", "name", "onLeave"]);
  });
});

describe("ExportConfig schema: valid configs", () => {
  it("accepts the README example unchanged", () => {
    expect(parseExportConfig(validConfig())).toEqual({ ...validConfig(), excludeAutomations: false });
  });

  it("fills defaults and normalizes", () => {
    const config = parseExportConfig({
      name: "minimal",
      connection: { name: "c1", hostname: "Contoso.API-us1.com" },
      listId: " 7 ",
      segment: { source: "azure-blob://acct1/segments/vip/2026-11-23.parquet" },
      mappings: { email: "Email" },
    });
    expect(config.listId).toBe(7);
    expect(config.segment.format).toBe("parquet");
    expect(config.onLeave).toBe("keep");
    expect(config.limits).toEqual({ maxProfiles: 1_000_000, maxRemovalsPerRun: "10%", maxProblemRows: "1%" });
    expect(config.rateLimit).toEqual(AC_LIMITS);
    expect(config.state).toBe("file:.ac-export/state");
    expect(config.excludeAutomations).toBe(false);
  });

  it("infers the format from the extension", () => {
    expect(parseExportConfig(withValue("segment", { source: "file:a/b.jsonl" })).segment.format).toBe("jsonl");
    expect(parseExportConfig(withValue("segment", { source: "file:a/b.CSV" })).segment.format).toBe("csv");
  });

  it("allows rate limits above ActiveCampaign's with a warning", () => {
    const result = safeParseExportConfig(withValue("rateLimit", { requestsPerSecond: 50, bulkRequestsPerMinute: 1000 }));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.warnings).toEqual([
        expect.stringMatching(/requestsPerSecond 50 is above ActiveCampaign's account limit of 5\/s; use it only against the sandbox/),
        expect.stringMatching(/bulkRequestsPerMinute 1000 is above ActiveCampaign's limit of 100\/min/),
      ]);
    }
  });

  it("accepts Azure Blob URLs, azure-blob:// and loopback emulator URLs", () => {
    for (const source of [
      "https://acct1.blob.core.windows.net/segments/vip/",
      "azure-blob://acct1/segments/vip.csv",
      "http://127.0.0.1:10000/devstoreaccount1/segments/vip.csv",
    ]) {
      expect(parseExportConfig(withValue("segment", { source, format: "csv" })).segment.source).toBe(source);
    }
  });

  it("allows a custom field tag named like a credential (it is data, not a key)", () => {
    expect(parseExportConfig(withValue("mappings.fields", { API_TOKEN_HINT: "Hint" })).mappings.fields).toEqual({ API_TOKEN_HINT: "Hint" });
  });

  it("computes the removal cap from a count or a percentage", () => {
    expect(removalCap(parseExportConfig(validConfig()), 1234)).toBe(123);
    expect(removalCap(parseExportConfig(withValue("limits.maxRemovalsPerRun", 5)), 1234)).toBe(5);
  });
});
