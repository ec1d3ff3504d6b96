// A segment that is not a regular file (a FIFO; the same check covers sockets and devices) is refused on stat, before
// any open: opening a FIFO blocks until a writer appears, forever and past SIGTERM. Exit 2, a message naming the
// file, nothing sent. A FIFO cannot be committed as a case file, so these make one at run time.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture, runIn } from "../helpers.js";

const CANARY = `canary${"5e".repeat(36)}`;
/** Every 16-character piece of the canary: a key cut or partly masked is still a leak. */
const PIECES = Array.from({ length: CANARY.length - 15 }, (_, i) => CANARY.slice(i, i + 16));

/** The text of every regular file under a folder (the FIFO itself is skipped: reading it would block). */
function regularFilesText(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString("latin1"))
    .join("\n");
}

/** The output and every file the run left hold no piece of the API key. */
function expectNoKey(f: ExportFixture, r: { stdout: string; stderr: string }): void {
  const everything = [r.stdout, r.stderr, regularFilesText(f.dir)].join("\n");
  expect(PIECES.filter((p) => everything.includes(p))).toEqual([]);
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, apiKey: CANARY, seed: 17 });
});
afterAll(async () => {
  await sandbox?.close();
});

it("a FIFO as the segment exits 2 naming it instead of hanging, and sends nothing", async () => {
  const f = new ExportFixture(sandbox);
  try {
    execFileSync("mkfifo", [join(f.dir, "segment.csv")]);
    const r = await runIn(f, "run", [], { timeoutMs: 30_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(2);
    expect(r.stderr).toContain(`${join(f.dir, "segment.csv")} is a named pipe (FIFO); a segment file must be a regular file`);
    expect(r.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    expect(sandbox.inspect.members(f.listId)).toEqual([]);
    expectNoKey(f, r);
  } finally {
    f.cleanup();
  }
}, 60_000);

it("a FIFO among a folder source's files exits 2 naming it instead of hanging, and sends nothing", async () => {
  const f = new ExportFixture(sandbox, { segment: { source: "file:segment/", format: "csv" } });
  try {
    mkdirSync(join(f.dir, "segment"));
    writeFileSync(join(f.dir, "segment", "old.csv"), csvOf(f.people(3)));
    execFileSync("mkfifo", [join(f.dir, "segment", "new.csv")]);
    const r = await runIn(f, "run", [], { timeoutMs: 30_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(2);
    expect(r.stderr).toContain(`${join(f.dir, "segment", "new.csv")} is a named pipe (FIFO); a segment file must be a regular file`);
    expect(sandbox.inspect.members(f.listId)).toEqual([]);
    expectNoKey(f, r);
  } finally {
    f.cleanup();
  }
}, 60_000);
