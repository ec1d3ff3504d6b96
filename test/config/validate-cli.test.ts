import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const root = resolve(import.meta.dirname, "../..");
const example = resolve(root, "examples/vip-newsletter.json");
const broken = resolve(root, "examples/broken.json");

describe("ac-export validate", () => {
  it("prints the README example normalized and exits 0", async () => {
    const r = await runCli(["validate", "--config", example]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ...JSON.parse(readFileSync(example, "utf8")), excludeAutomations: false });
  });

  it("lists every problem of a broken config and exits 2", async () => {
    const r = await runCli(["validate", "--config", broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("invalid config (9 problems):");
    expect(r.stderr).toContain('connection.hostname: must be a bare hostname without a scheme such as "https://"; got "https://contoso.api-us1.com/api/3"; use "contoso.api-us1.com" instead');
    expect(r.stderr).toContain("connection.apiKey: looks like a credential and is refused");
    expect(r.stderr).toContain("listId: must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got -12");
    expect(r.stderr).toContain('stat: unknown key (did you mean "state"?)');
    expect(r.stderr).not.toContain("do-not-put-keys-here");
  });

  it("reads the config from stdin with --config -", async () => {
    const r = await runCli(["validate", "--config", "-"], { input: readFileSync(example, "utf8") });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).listId).toBe(12);
  });

  it("reads the config from AC_EXPORT_CONFIG, as the deployed job does", async () => {
    const config = { ...JSON.parse(readFileSync(example, "utf8")), listId: "34" };
    const r = await runCli(["validate"], { env: { AC_EXPORT_CONFIG: JSON.stringify(config) } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).listId).toBe(34);
  });

  it("says what is wrong with JSON that does not parse", async () => {
    const r = await runCli(["validate", "--config", "-"], { input: "{ not json" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(root\): stdin is not valid JSON/);
  });

  it("explains where a config can come from when none is given", async () => {
    const r = await runCli(["validate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no config: pass --config <file> (or --config - for stdin), or set AC_EXPORT_CONFIG");
  });

  it("names a missing file", async () => {
    const r = await runCli(["validate", "--config", "nope.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read --config "nope.json": no such file');
  });

  it("has --help for the tool and the command, and rejects unknown flags", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Commands:\n\s+validate/);
    const help = await runCli(["validate", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: ac-export validate");
    const bad = await runCli(["validate", "--confg", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--confg'/);
  });
});
