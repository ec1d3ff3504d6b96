// The hostile-input suite: each case in cases/ (a <name>.case.json manifest and the input files it names) runs
// `ac-export run` for real against the sandbox, and asserts the exit code, the message, the rejected rows, the list
// in the sandbox member by member, that nothing was written where the case says so, and that the API key (a canary)
// appears in no output and no file. See README.md.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { SyncState } from "../../../runner/sync/state.js";
import { ExportFixture, runIn } from "../helpers.js";
import { v1Frame } from "../../runner/state/helpers.js";

const CASES = join(import.meta.dirname, "cases");
const CANARY = `canary${"5e".repeat(36)}`;
/** Every 16-character piece of the canary: a key cut or partly masked is still a leak. */
const PIECES = Array.from({ length: CANARY.length - 15 }, (_, i) => CANARY.slice(i, i + 16));

const Member = z.strictObject({ first: z.string().optional(), last: z.string().optional(), tier: z.string().optional() });
const Case = z.strictObject({
  class: z.enum(["unicode", "jsonl", "parquet", "lock", "journal"]),
  title: z.string().min(10),
  segment: z.string(),
  format: z.enum(["csv", "jsonl", "parquet"]).optional(),
  mappings: z.record(z.string(), z.unknown()).optional(),
  setup: z.enum(["live-holder-old-heartbeat", "dead-holder-from-future", "live-holder-from-future", "damaged-journal-length"]).optional(),
  exit: z.number().int().min(0).max(4),
  stderr: z.array(z.string()).optional(),
  /** [row number, reason]: exactly these rows are in rejected.csv. */
  rejected: z.array(z.tuple([z.number().int(), z.string()])).optional(),
  /** No request that changes anything reached ActiveCampaign. */
  noWrites: z.boolean().optional(),
  /** Exactly these emails are subscribed to the list afterwards, with these names and tier where given. */
  list: z.record(z.string(), Member),
});
type Case = z.infer<typeof Case>;

const cases = readdirSync(CASES)
  .filter((n) => n.endsWith(".case.json"))
  .sort()
  .map((n) => [n.slice(0, -".case.json".length), Case.parse(JSON.parse(readFileSync(join(CASES, n), "utf8")))] as const);

let sandbox: Sandbox;
const children: ChildProcess[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, apiKey: CANARY, seed: 15 });
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await sandbox?.close();
});

/** Requests that change something in ActiveCampaign (anything but GET), summed. */
const writes = () => Object.entries(sandbox.inspect.requests().byEndpoint).reduce((s, [ep, n]) => (ep.startsWith("GET ") ? s : s + n), 0);

/** A live process that stands for another run; `script` runs in it (node -e). */
function liveProcess(script = "setInterval(() => {}, 1000)"): ChildProcess {
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  children.push(child);
  return child;
}

const setMtime = (path: string, offsetMs: number) => {
  const t = new Date(Date.now() + offsetMs);
  utimesSync(path, t, t);
};

/** Prepares the export's state folder as the case says. */
async function setup(kind: Case["setup"], f: ExportFixture): Promise<void> {
  if (!kind) return;
  const dir = join(f.dir, "state", "test-export");
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, "lock");
  const holder = { startedAt: "2026-01-01T00:00:00.000Z", token: "hostile-holder", heartbeatMs: 100 };
  if (kind === "live-holder-old-heartbeat") {
    const child = liveProcess();
    writeFileSync(lock, JSON.stringify({ ...holder, pid: child.pid, hostname: hostname() }));
    setMtime(lock, -10 * 60_000);
  } else if (kind === "dead-holder-from-future") {
    writeFileSync(lock, JSON.stringify({ ...holder, pid: 4242, hostname: "fast-clock-host" }));
    setMtime(lock, 3_600_000);
  } else if (kind === "live-holder-from-future") {
    // A run on a host whose clock is 2 minutes ahead: its heartbeat keeps setting the lock's mtime to its own "now".
    writeFileSync(lock, JSON.stringify({ ...holder, pid: 4242, hostname: "fast-clock-host" }));
    liveProcess(`const fs = require("fs"); setInterval(() => { const t = new Date(Date.now() + 120000); try { fs.utimesSync(${JSON.stringify(lock)}, t, t); } catch {} }, 100);`);
    await new Promise((r) => setTimeout(r, 300));
  } else if (kind === "damaged-journal-length") {
    // Three entries written by an older version (format 1), then one flipped byte in the second entry's length.
    const scope = { hostname: f.config.connection.hostname, listId: f.listId };
    const frames = [0, 1, 2].map((i) => v1Frame(SyncState.journalEntry(scope, [[`j${i}@journal.hostile.example`, 1000 + i, 0]])));
    const journal = Buffer.concat(frames);
    journal[frames[0]!.length + 2] = 0x01;
    writeFileSync(join(dir, "journal"), journal);
  }
}

/** Every file under a folder, as latin1 text (to search for the canary). */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, text: readFileSync(path).toString("latin1") });
  }
  return out;
}

describe("hostile inputs", () => {
  it("has its cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(13);
  });

  for (const [name, c] of cases) {
    it(`${c.class}: ${name}: ${c.title}`, async () => {
      const f = new ExportFixture(sandbox, {
        segment: { source: `file:${c.segment}`, ...(c.format ? { format: c.format } : {}) },
        ...(c.mappings ? { mappings: c.mappings as never } : {}),
      });
      try {
        copyFileSync(join(CASES, c.segment), join(f.dir, c.segment));
        await setup(c.setup, f);
        const before = writes();
        const r = await runIn(f, "run");
        expect(r.code, `stderr: ${r.stderr.slice(0, 2000)}`).toBe(c.exit);
        expect(r.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m); // no stack trace
        for (const text of c.stderr ?? []) expect(r.stderr).toContain(text);
        if (c.noWrites) expect(writes() - before, "requests that change ActiveCampaign").toBe(0);

        if (c.rejected) {
          const path = join(f.dir, "state/test-export/rejected.csv");
          const lines = existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").slice(1) : [];
          expect(lines.length, lines.join("\n")).toBe(c.rejected.length);
          for (const [row, reason] of c.rejected) {
            const line = lines.find((l) => l.startsWith(`${row},`));
            expect(line, `rejected row ${row}`).toBeDefined();
            expect(line!.includes(reason) || line!.includes(reason.replaceAll('"', '""')), `${line} has ${reason}`).toBe(true);
          }
        }

        const members = sandbox.inspect.members(f.listId, 1);
        expect(members.map((m) => m.email).sort()).toEqual(Object.keys(c.list).sort());
        for (const m of members) {
          const want = c.list[m.email]!;
          if (want.first !== undefined) expect(m.firstName ?? "", `${m.email} first name`).toBe(want.first);
          if (want.last !== undefined) expect(m.lastName ?? "", `${m.email} last name`).toBe(want.last);
          if (want.tier !== undefined) expect(m.fields.LOYALTY_TIER, `${m.email} tier`).toBe(want.tier);
        }

        const places = [{ path: "stdout", text: r.stdout }, { path: "stderr", text: r.stderr }, ...filesUnder(f.dir)];
        for (const p of places) expect(PIECES.filter((piece) => p.text.includes(piece)), `the API key in ${p.path}`).toEqual([]);
      } finally {
        f.cleanup();
      }
    }, 60_000);
  }
});
