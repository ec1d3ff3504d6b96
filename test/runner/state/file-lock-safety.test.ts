// The file store's lock under races and skew: a run that lost its lock writes nothing more, a live holder on this
// host keeps its lock however old its heartbeat, and a clock that disagrees neither steals a lock nor locks out.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { FileStateStore, JournalCorruptError, LockedError, LockLostError } from "../../../runner/state/index.js";
import { ERROR_CODES } from "../../../runner/errors.js";
import { lockChild } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "state-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newStore = (opts = {}) => new FileStateStore(join(root, `d${++n}`), "vip", opts);
const same = (store: FileStateStore, opts = {}) => new FileStateStore(join(store.location, ".."), "vip", opts);
const lockFile = (store: FileStateStore) => join(store.location, "lock");
const setMtime = (path: string, offsetMs: number) => {
  const t = new Date(Date.now() + offsetMs);
  utimesSync(path, t, t);
};
function writeLock(store: FileStateStore, holder: Record<string, unknown>): void {
  mkdirSync(store.location, { recursive: true });
  writeFileSync(lockFile(store), JSON.stringify({ startedAt: "2024-05-01T00:00:00.000Z", token: "theirs", ...holder }));
}
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describe("a run that lost its lock writes nothing more", () => {
  it("refuses journal, snapshot and artifacts once another run took the lock over, and leaves that run's state alone", async () => {
    const first = newStore();
    await first.lock();
    await first.appendJournal(Buffer.from("first run, before the pause"));
    // The first run is paused; the second finds its lock gone and takes it (here: the file removed, as a takeover does).
    rmSync(lockFile(first));
    const second = same(first);
    const secondLock = await second.lock();
    await second.writeSnapshot(Buffer.from("100,000 members"));
    await second.appendJournal(Buffer.from("second run"));
    const holder = JSON.parse(readFileSync(lockFile(second), "utf8"));
    const takenBy = `pid ${process.pid} on host ${hostname()} since ${holder.startedAt}`;
    const lost = `lost the lock on ${first.location}: it was taken over by ${takenBy}`;
    for (const [what, write] of [
      ["journal", () => first.appendJournal(Buffer.from("first run, after the pause"))],
      ["snapshot", () => first.writeSnapshot(Buffer.from("1,500 members"))],
      ["report.md", () => first.writeArtifact("report.md", "# stale report")],
      ["rejected.csv", () => first.writeArtifact("rejected.csv", "email\n")],
    ] as const) {
      const e = await failure(write());
      expect(e, what).toBeInstanceOf(LockLostError);
      expect(e!.message).toBe(`${lost}; not writing the ${what} (another run may be working on this export)`);
      expect((e as LockLostError).code).toBe("LOCK_LOST");
    }
    expect(ERROR_CODES.LOCK_LOST).toBe(1);
    const state = await same(first).load();
    expect(String(state.snapshot)).toBe("100,000 members");
    expect(state.journal.map(String)).toEqual(["second run"]);
    expect(readdirSync(first.location).sort()).toEqual(["journal", "lock", "snapshot"]);
    await secondLock.release();
  });

  it("refuses a write after release and a write without the lock", async () => {
    const store = newStore();
    const lock = await store.lock();
    await lock.release();
    expect((await failure(store.appendJournal(Buffer.from("x"))))?.message).toBe(
      `the lock on ${store.location} was released by this run; not writing the journal (another run may be working on this export)`,
    );
    const never = newStore();
    expect((await failure(never.writeSnapshot(Buffer.from("x"))))?.message).toBe(
      `not writing the snapshot of ${never.location}: this run does not hold the export's lock`,
    );
  });

  it("a paused run on another host loses its lock to a later run, and on waking refuses to write (two processes)", async () => {
    const store = newStore();
    const child = lockChild(`file:${join(store.location, "..")}`, "vip", { hostname: "other-host", heartbeatMs: 100 });
    try {
      await child.waitFor("locked");
      child.child.kill("SIGSTOP");
      setMtime(lockFile(store), -61_000); // paused past the stale age
      const lock = await store.lock(); // its heartbeat does not move while watched: taken over
      await store.appendJournal(Buffer.from("the new run"));
      child.child.kill("SIGCONT");
      child.child.stdin!.write("write\n");
      const out = await child.waitFor("written");
      expect(out).toContain("lost: lost the lock on");
      expect(out).toMatch(/refused journal: LockLostError: lost the lock on .*: it was taken over by pid \d+ on host .*; not writing the journal/);
      expect(out).toContain("refused snapshot: LockLostError");
      expect(out).toContain("refused report.json: LockLostError");
      expect(out).not.toContain("wrote");
      const state = await same(store).load();
      expect(state.snapshot).toBeNull();
      expect(state.journal.map(String)).toEqual(["the new run"]);
      await lock.release();
    } finally {
      child.child.kill("SIGKILL");
      await child.exited;
    }
  });
});

describe("a live holder on this host is never taken over by age", () => {
  it("keeps the lock of a paused process whose heartbeat stopped minutes ago, and says why", async () => {
    const store = newStore();
    const child = lockChild(`file:${join(store.location, "..")}`, "vip");
    try {
      await child.waitFor("locked");
      child.child.kill("SIGSTOP");
      setMtime(lockFile(store), -10 * 60_000);
      const e = await failure(same(store, { staleAfterMs: 1_000 }).lock());
      expect(e).toBeInstanceOf(LockedError);
      expect(e!.message).toMatch(
        new RegExp(
          `^another run of this export holds the lock \\(pid ${child.child.pid} on host [^ ]+ since [^;]+; lock file ${lockFile(store)}; ` +
            `its process is alive although its heartbeat stopped 6\\d\\d s ago \\(paused or hung\\?\\): stop that process, or delete the lock file if that pid is not an ac-export run\\)$`,
        ),
      );
      expect(JSON.parse(readFileSync(lockFile(store), "utf8")).pid).toBe(child.child.pid);
    } finally {
      child.child.kill("SIGKILL");
      await child.exited;
    }
  });

  it("takes over a lock whose pid now names another process (reused pid), or that dates from before a reboot", async () => {
    const parent = process.ppid; // alive, but not the process that wrote the lock
    for (const identity of [{ startTicks: "1" }, { bootId: "00000000-0000-0000-0000-000000000000" }]) {
      const store = newStore();
      writeLock(store, { pid: parent, hostname: hostname(), ...identity });
      const lock = await store.lock();
      expect(JSON.parse(readFileSync(lockFile(store), "utf8")).pid, JSON.stringify(identity)).toBe(process.pid);
      await lock.release();
    }
  });

  it("records the process identity it is judged by", async () => {
    const store = newStore({ heartbeatMs: 1234 });
    const lock = await store.lock();
    const holder = JSON.parse(readFileSync(lockFile(store), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), heartbeatMs: 1234 });
    if (process.platform === "linux") {
      expect(holder.bootId).toBe(readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
      expect(holder.startTicks).toMatch(/^\d+$/);
    }
    await lock.release();
  });
});

describe("a hostile lock file", () => {
  it("is described without its control characters and cut short", async () => {
    const store = newStore();
    writeLock(store, { pid: 4242, hostname: `evil\x1b]0;owned\x07${"h".repeat(1_000_000)}`, startedAt: "\u202Enow" });
    const e = await failure(store.lock());
    expect(e).toBeInstanceOf(LockedError);
    expect(e!.message).toBe(
      `another run of this export holds the lock (pid 4242 on host evil\\u001B]0;owned\\u0007${"h".repeat(76)}… (1000024 characters) since \\u202Enow; lock file ${lockFile(store)})`,
    );
  });
});

describe("state files that are not files", () => {
  it("refuses a named pipe, a folder or a device instead of blocking on it or reading it", async () => {
    for (const [name, make, kind] of [
      ["journal", (p: string) => execFileSync("mkfifo", [p]), "a named pipe"],
      ["snapshot", (p: string) => mkdirSync(p), "a folder"],
      ["lock", (p: string) => execFileSync("mkfifo", [p]), "a named pipe"],
      ["journal", (p: string) => symlinkSync("/dev/zero", p), "a device or special file"],
    ] as const) {
      const store = newStore();
      mkdirSync(store.location, { recursive: true });
      const path = join(store.location, name);
      make(path);
      const e = await failure(name === "lock" ? store.lock() : store.load());
      expect(e, `${name} as ${kind}`).toBeInstanceOf(JournalCorruptError);
      expect(e!.message).toBe(`the state file ${path} is ${kind}, not a regular file; remove it (only ac-export writes this folder)`);
    }
  });
});

describe("clock skew between hosts", () => {
  it("a live lock from a host whose clock is ahead is kept, and the message explains the skew", async () => {
    const store = newStore();
    const foreign = same(store, { hostname: "fast-clock-host", heartbeatMs: 50 });
    const theirs = await foreign.lock();
    setMtime(lockFile(store), 120_000);
    const e = await failure(store.lock());
    expect(e).toBeInstanceOf(LockedError);
    expect(e!.message).toMatch(
      /; its heartbeat is 1[12]\d s ahead of this machine's clock but still moves, so the clocks of host fast-clock-host and this host differ \(clock skew\): set both clocks right \(NTP\); the lock is not taken over\)$/,
    );
    await theirs.release();
  });

  it("a live lock that only looks stale because this clock is ahead is kept", async () => {
    const store = newStore();
    const foreign = same(store, { hostname: "slow-clock-host", heartbeatMs: 50 });
    const theirs = await foreign.lock();
    setMtime(lockFile(store), -120_000);
    const e = await failure(store.lock());
    expect(e).toBeInstanceOf(LockedError);
    expect(e!.message).toMatch(/; its heartbeat looks 1[12]\d s old by this machine's clock but still moves, so the clocks of host slow-clock-host and this host differ/);
    expect(JSON.parse(readFileSync(lockFile(store), "utf8")).hostname).toBe("slow-clock-host");
    await theirs.release();
  });

  it("a dead lock from the future does not lock the export out", async () => {
    const store = newStore();
    writeLock(store, { pid: 4242, hostname: "fast-clock-host", heartbeatMs: 50 });
    setMtime(lockFile(store), 3_600_000);
    const lock = await store.lock();
    expect(JSON.parse(readFileSync(lockFile(store), "utf8")).hostname).toBe(hostname());
    await lock.release();
  });
});
