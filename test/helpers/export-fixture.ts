// A throwaway export for end-to-end runner tests: a sandbox list with a custom field, a segment file in a temp dir,
// a config pointing at both, and helpers to run `ac-export` against it and read the list back.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExportConfigInput } from "../../runner/config.js";
import type { Sandbox } from "../../runner/sandbox/index.js";
import { runCli, type CliResult } from "./cli.js";

export interface Person {
  email: string;
  first?: string;
  last?: string;
  tier?: string;
}

export const csvOf = (people: Person[]): string =>
  `Email,First,Last,Tier\n${people.map((p) => [p.email, p.first ?? "", p.last ?? "", p.tier ?? ""].map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(",")).join("\n")}\n`;

/** Contacts are account-wide in ActiveCampaign: give each fixture its own domain so tests do not share contacts. */
export const people = (n: number, from = 0, tier = "gold", domain = "example.com"): Person[] =>
  Array.from({ length: n }, (_, i) => ({ email: `person${from + i}@${domain}`, first: `First${from + i}`, last: `Last${from + i}`, tier }));

let fixtureCount = 0;

export class ExportFixture {
  readonly dir = mkdtempSync(join(tmpdir(), "ac-export-test-"));
  readonly listId: number;
  /** This fixture's own email domain (see people()). */
  readonly domain = `f${++fixtureCount}-${process.pid}.example.com`;
  config: ExportConfigInput;

  /** The sandbox's --time-scale: the runner gets it as AC_TIME_SCALE so both keep the real limits' ratios. */
  static timeScale = 50;

  constructor(readonly sandbox: Sandbox, overrides: Partial<ExportConfigInput> = {}, fileName = "segment.csv") {
    this.listId = sandbox.inspect.createList(`list-${Math.random().toString(36).slice(2, 8)}`).id;
    if (!sandbox.inspect.contact("__field_probe__")) {
      // Custom fields are account-wide: create LOYALTY_TIER once per sandbox.
      try {
        sandbox.inspect.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER", type: "text" });
      } catch {
        /* already there */
      }
    }
    this.config = {
      name: "test-export",
      connection: { name: "sandbox", hostname: "contoso.api-us1.com" },
      listId: this.listId,
      segment: { source: `file:${fileName}` },
      mappings: { email: "Email", firstName: "First", lastName: "Last", fields: { LOYALTY_TIER: "Tier" }, tags: ["vip"] },
      state: "file:state",
      ...overrides,
    };
    this.writeConfig();
  }

  writeConfig(overrides: Partial<ExportConfigInput> = {}): void {
    this.config = { ...this.config, ...overrides };
    writeFileSync(join(this.dir, "export.json"), JSON.stringify(this.config));
  }

  writeSegment(content: string | Buffer, fileName = "segment.csv"): void {
    writeFileSync(join(this.dir, fileName), content);
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { AC_API_KEY: this.sandbox.apiKey, AC_API_URL: this.sandbox.url, AC_TIME_SCALE: String(ExportFixture.timeScale), ...extra };
  }

  run(command: "run" | "plan" = "run", args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli([command, "--config", "export.json", ...args], { cwd: this.dir, env: this.env(extraEnv) });
  }

  people(n: number, from = 0, tier = "gold"): Person[] {
    return people(n, from, tier, this.domain);
  }

  emails(n: number, from = 0): string[] {
    return this.people(n, from).map((p) => p.email).sort();
  }

  /** Subscribed members' emails, sorted. */
  subscribed(): string[] {
    return this.sandbox.inspect.members(this.listId, 1).map((m) => m.email).sort();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fixtures on one test file's sandbox (started later, in beforeAll), and the cleanup of every fixture made. */
export function fixturesOn(sandbox: () => Sandbox): {
  fixture: (overrides?: ConstructorParameters<typeof ExportFixture>[1]) => ExportFixture;
  cleanup: () => void;
} {
  const made: ExportFixture[] = [];
  return {
    fixture: (overrides = {}) => {
      const f = new ExportFixture(sandbox(), overrides);
      made.push(f);
      return f;
    },
    cleanup: () => {
      for (const f of made) f.cleanup();
    },
  };
}
