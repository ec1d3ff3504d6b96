// The contract between constructs and runner is spelled once, in runner/config/: these tests fail when a job
// environment name, a tag key or a role name is typed again as a string elsewhere, or a second cron parser appears.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { GRANTS, JOB_ENV, JOB_TAGS, readMarker, ROLES, roleDescription, roleMarkerSchema } from "../../runner/config/contract.js";

const root = resolve(import.meta.dirname, "../..");
const CONTRACT = "runner/config/contract.ts";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const sources = [...tsFiles(join(root, "constructs")), ...tsFiles(join(root, "runner"))].map((f) => ({
  file: relative(root, f),
  text: readFileSync(f, "utf8"),
}));

/** Files (other than the contract) holding `value` as a quoted string literal. */
const quotedOutsideContract = (value: string) =>
  sources.filter((s) => s.file !== CONTRACT && (s.text.includes(`"${value}"`) || s.text.includes(`'${value}'`))).map((s) => s.file);

describe("the contract is defined once (runner/config/contract.ts)", () => {
  it.each(Object.values(JOB_TAGS))("tag key %s", (key) => expect(quotedOutsideContract(key)).toEqual([]));

  it.each(Object.values(ROLES))("role name %s", (role) => expect(quotedOutsideContract(role)).toEqual([]));

  it.each(Object.values(JOB_ENV))("job environment name %s, in the constructs and the review", (name) => {
    const offenders = quotedOutsideContract(name).filter((f) => f.startsWith("constructs/") || f.startsWith("runner/review/"));
    expect(offenders).toEqual([]);
  });

  it("has one cron parser", () => {
    expect(sources.filter((s) => /function parseCron\b/.test(s.text)).map((s) => s.file)).toEqual(["runner/config/cron.ts"]);
  });

  it("makes the role description and the marker from the same data, and reads only well-formed markers", () => {
    const marker = { grant: GRANTS.runExport, export: "vip", principal: "Dana (user 4b3a)", name: "Dana", reason: "user of connection eu" };
    expect(roleDescription(marker)).toBe("ac-export: Dana (user 4b3a), user of connection eu, may run export vip on demand");
    expect(roleDescription({ ...marker, grant: GRANTS.readReports })).toBe("ac-export: Dana (user 4b3a), user of connection eu, may read the run reports of export vip");
    expect(readMarker(roleMarkerSchema, { "//": { "ac-export": marker, metadata: {} } })).toEqual(marker);
    expect(readMarker(roleMarkerSchema, { "//": { "ac-export": { ...marker, grant: "own-everything" } } })).toBeUndefined();
    expect(readMarker(roleMarkerSchema, { description: roleDescription(marker) })).toBeUndefined();
  });
});
