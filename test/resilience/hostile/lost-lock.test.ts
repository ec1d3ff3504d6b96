// A run whose lock is taken over mid-sync (as after a long pause) writes nothing more: no journal entry, snapshot,
// report or rejected file lands in the state folder that now belongs to another run, and it exits 1 saying why.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture, runIn } from "../helpers.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, seed: 16 });
});
afterAll(async () => {
  await sandbox?.close();
});

it("a run that lost its lock mid-sync writes nothing more and exits 1 with LOCK_LOST's message", async () => {
  const f = new ExportFixture(sandbox);
  try {
    f.writeSegment(csvOf(f.people(5_000)));
    const dir = join(f.dir, "state", "test-export");
    const theirs = JSON.stringify({ pid: 4242, hostname: "other-host", startedAt: "2026-01-01T00:00:00.000Z", token: "the-other-run" });
    let tookOver = false;
    /** The consent cache written after the preflight, while this run still held the lock (aux/consent-cache). */
    let cacheBefore: number | undefined;
    const r = await runIn(f, "run", [], {
      onStderrLine: (line) => {
        if (tookOver || !line.includes('"event":"batch-confirmed"')) return;
        // Another run takes the lock over (what a takeover after a long pause leaves: its own lock file).
        cacheBefore = statSync(join(dir, "aux", "consent-cache")).mtimeMs;
        writeFileSync(join(dir, "lock"), theirs);
        tookOver = true;
      },
    });
    expect(tookOver).toBe(true);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    expect(r.stderr).toContain(`lost the lock on ${dir}: it was taken over by pid 4242 on host other-host since 2026-01-01T00:00:00.000Z`);
    expect(r.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    // The other run's lock is untouched, and nothing else was written after the takeover.
    expect(readFileSync(join(dir, "lock"), "utf8")).toBe(theirs);
    expect(readdirSync(dir).filter((n) => n !== "journal" && n !== "lock" && n !== "aux")).toEqual([]);
    expect(readdirSync(join(dir, "aux"))).toEqual(["consent-cache"]);
    expect(statSync(join(dir, "aux", "consent-cache")).mtimeMs).toBe(cacheBefore);
    expect(existsSync(join(dir, "snapshot"))).toBe(false);
  } finally {
    f.cleanup();
  }
}, 120_000);
