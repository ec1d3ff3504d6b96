// The file state store beyond the contract: on-disk layout, torn journal appends, the lock across processes.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, appendFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileStateStore, JournalCorruptError, LockedError } from "../../../runner/state/index.js";
import { encodeFrame } from "../../../runner/state/journal.js";
import { lockChild } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "state-file-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newStore = (opts = {}) => new FileStateStore(join(root, `d${++n}`), "vip", opts);
const same = (store: FileStateStore, opts = {}) => new FileStateStore(join(store.location, ".."), "vip", opts);

describe("file state store layout", () => {
  it("keeps snapshot, journal, lock and artifacts in <dir>/<export>/, leaving no temp files", async () => {
    const store = newStore();
    const lock = await store.lock();
    await store.appendJournal(Buffer.from("e1"));
    await store.writeSnapshot(Buffer.from("snap"));
    await store.appendJournal(Buffer.from("e2"));
    await store.writeArtifact("report.json", "{}");
    expect(readdirSync(store.location).sort()).toEqual(["journal", "lock", "report.json", "snapshot"]);
    expect(readFileSync(join(store.location, "snapshot"), "utf8")).toBe("snap");
    expect(readFileSync(join(store.location, "journal"))).toEqual(encodeFrame(Buffer.from("e2")));
    const holder = JSON.parse(readFileSync(join(store.location, "lock"), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    await lock.release();
    expect(readdirSync(store.location)).not.toContain("lock");
  });
});

describe("torn journal appends", () => {
  it("ignores a last entry cut at any byte, and cuts it off before the next append", async () => {
    const store = newStore();
    const lock = await store.lock();
    await store.appendJournal(Buffer.from("first"));
    await store.appendJournal(Buffer.from("second"));
    const good = statSync(join(store.location, "journal")).size;
    const last = encodeFrame(Buffer.from("third entry, torn"));
    for (let keep = 1; keep < last.length; keep++) {
      truncateSync(join(store.location, "journal"), good);
      appendFileSync(join(store.location, "journal"), last.subarray(0, keep));
      const next = same(store);
      expect((await next.load()).journal.map(String), `kept ${keep} bytes`).toEqual(["first", "second"]);
    }
    // A new run (without load) appends after the good part, so the new entry is readable.
    await lock.release();
    const run = same(store);
    await run.lock();
    await run.appendJournal(Buffer.from("after the crash"));
    expect((await same(store).load()).journal.map(String)).toEqual(["first", "second", "after the crash"]);
  });

  it("ignores a zero-filled tail (a file system that extended the file but lost the data)", async () => {
    const store = newStore();
    await store.lock();
    await store.appendJournal(Buffer.from("a"));
    appendFileSync(join(store.location, "journal"), Buffer.alloc(64));
    expect((await same(store).load()).journal.map(String)).toEqual(["a"]);
  });

  it("refuses a flipped byte in the last entry as in any other, naming where", async () => {
    const store = newStore();
    await store.lock();
    await store.appendJournal(Buffer.from("aaaa"));
    await store.appendJournal(Buffer.from("bbbb"));
    const path = join(store.location, "journal");
    const bytes = readFileSync(path);
    for (const at of [bytes.length - 1, 12, 20, 3]) {
      const bad = Buffer.from(bytes);
      bad[at] = bad[at]! ^ 0x40;
      writeFileSync(path, bad);
      const e = await same(store)
        .load()
        .catch((err: unknown) => err);
      expect(e, `byte ${at}`).toBeInstanceOf(JournalCorruptError);
      expect((e as Error).message).toBe(
        `the state journal ${path} is damaged at byte ${at < 18 ? 0 : 18} of 36 (not a torn last entry); delete it to resume from the last snapshot (members confirmed since then will be sent again)`,
      );
    }
  });
});

describe("file lock", () => {
  it("a second process gets LockedError (the CLI's exit 4) while the first holds the lock, and gets it after release", async () => {
    const store = newStore();
    const lock = await store.lock();
    const child = lockChild(`file:${join(store.location, "..")}`, "vip");
    const result = await child.exited;
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(
      new RegExp(`^LockedError: another run of this export holds the lock \\(pid ${process.pid} on host .+; lock file ${join(store.location, "lock")}\\)\\n$`),
    );
    await lock.release();
    const again = lockChild(`file:${join(store.location, "..")}`, "vip");
    await again.waitFor("locked");
    again.child.stdin!.write("release\n");
    expect((await again.exited).code).toBe(0);
  });

  it("takes over at once the lock of a process killed with kill -9 on this host", async () => {
    const store = newStore();
    const child = lockChild(`file:${join(store.location, "..")}`, "vip");
    await child.waitFor("locked");
    await expect(store.lock()).rejects.toBeInstanceOf(LockedError);
    child.child.kill("SIGKILL");
    await child.exited;
    const t0 = Date.now();
    const lock = await store.lock();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(JSON.parse(readFileSync(join(store.location, "lock"), "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("a lock from another host is held while its heartbeat is fresh and taken over once it is stale", async () => {
    const store = newStore({ staleAfterMs: 60_000 });
    // What a run on another host that died leaves behind (its heartbeat every 100 ms, so it is watched briefly).
    mkdirSync(store.location, { recursive: true });
    writeFileSync(join(store.location, "lock"), JSON.stringify({ pid: 4242, hostname: "other-host", startedAt: "2024-05-01T00:00:00.000Z", token: "dead", heartbeatMs: 100 }));
    const e = await store.lock().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LockedError);
    expect((e as Error).message).toContain("on host other-host since");
    const old = new Date(Date.now() - 61_000);
    utimesSync(join(store.location, "lock"), old, old);
    const lock = await store.lock();
    expect(JSON.parse(readFileSync(join(store.location, "lock"), "utf8")).hostname).toBe(hostname());
    await lock.release();
  });

  it("refreshes its heartbeat, and reports the lock lost when another run took it over", async () => {
    const store = newStore({ heartbeatMs: 50 });
    const lock = await store.lock();
    const path = join(store.location, "lock");
    const past = new Date(Date.now() - 30_000);
    utimesSync(path, past, past);
    await new Promise((r) => setTimeout(r, 200));
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(5_000);
    writeFileSync(path, JSON.stringify({ pid: 1, hostname: "elsewhere", startedAt: "2024-05-01T00:00:00.000Z", token: "someone-else" }));
    await expect(lock.lost).rejects.toThrow(
      `lost the lock on ${store.location}: it was taken over by pid 1 on host elsewhere since 2024-05-01T00:00:00.000Z`,
    );
    await lock.release();
    // Not ours any more: release leaves the other run's lock alone.
    expect(JSON.parse(readFileSync(path, "utf8")).token).toBe("someone-else");
  });

  it("reports the lock lost when its file is removed", async () => {
    const store = newStore({ heartbeatMs: 50 });
    const lock = await store.lock();
    rmSync(join(store.location, "lock"));
    await expect(lock.lost).rejects.toThrow(`lost the lock on ${store.location}: the lock file was removed`);
    await lock.release();
  });
});
