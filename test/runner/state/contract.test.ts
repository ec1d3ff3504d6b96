// The StateStore contract, run against both implementations: a local directory and Azure Blob (Azurite).
import { readFile } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation, type Location } from "../../../runner/config.js";
import { LockedError, LockLostError, openStateStore, type StateLock, type StateStore } from "../../../runner/state/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";

let azurite: Azurite;
let dir: string;
let containerUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "state-contract-"));
  azurite = await startAzurite();
  containerUrl = await azurite.createContainer("state");
});
afterAll(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const kinds: Array<[string, () => Location]> = [
  ["file", () => parseLocation(`file:${dir}/s${n}`)],
  ["azure-blob", () => parseLocation(`${containerUrl}/teams/s${n}`)],
];

async function readArtifact(where: string): Promise<string> {
  if (!where.startsWith("http")) return readFile(where, "utf8");
  const { BlobClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const client = new BlobClient(where, new StorageSharedKeyCredential(azurite.account, azurite.key));
  return (await client.downloadToBuffer()).toString("utf8");
}

describe.each(kinds)("%s state store", (kind, makeLocation) => {
  let location: Location;
  let store: StateStore;
  let writerLock: StateLock | undefined;
  const fresh = () => openStateStore(location, "vip-newsletter");
  beforeAll(() => {
    n++;
    location = makeLocation();
    store = fresh();
  });

  it("names where it lives", () => {
    expect(store.location).toBe(
      kind === "file" ? join(dir, `s${n}`, "vip-newsletter") : `${containerUrl}/teams/s${n}/vip-newsletter/`,
    );
  });

  it("starts empty", async () => {
    expect(await fresh().load()).toEqual({ snapshot: null, journal: [] });
  });

  it("writes only while it holds the lock (this run takes it)", async () => {
    writerLock = await store.lock();
  });

  it("appends journal entries durably, in call order, byte for byte", async () => {
    const entries = Array.from({ length: 20 }, (_, i) => Buffer.from(`entry ${i} \u00e9\n\0\xff`, "latin1"));
    await Promise.all(entries.map((e) => store.appendJournal(e)));
    const loaded = await fresh().load();
    expect(loaded.snapshot).toBeNull();
    expect(loaded.journal).toEqual(entries);
  });

  it("replaces the snapshot and empties the journal; later entries follow the new snapshot", async () => {
    await store.writeSnapshot(Buffer.from("snapshot 1"));
    expect(await fresh().load()).toEqual({ snapshot: Buffer.from("snapshot 1"), journal: [] });
    await store.appendJournal(Buffer.from("after 1"));
    await store.writeSnapshot(Buffer.from("snapshot 2"));
    await store.appendJournal(Buffer.from("after 2a"));
    await store.appendJournal(Buffer.from("after 2b"));
    expect(await fresh().load()).toEqual({ snapshot: Buffer.from("snapshot 2"), journal: [Buffer.from("after 2a"), Buffer.from("after 2b")] });
  });

  it("writes a streamed snapshot (more than one upload block) as it is made, then empties the journal", async () => {
    // A SyncState of ~260,000 members streams 3 gzip members; here 5 chunks of 1 MiB stand in for them.
    const chunk = (i: number) => Buffer.alloc(2 ** 20, 65 + i);
    await store.appendJournal(Buffer.from("before the stream"));
    await store.writeSnapshot(async function* () {
      for (let i = 0; i < 5; i++) yield chunk(i);
    });
    await store.appendJournal(Buffer.from("after the stream"));
    const loaded = await fresh().load();
    // Compared with equals(): a deep toEqual over 5 MiB takes longer than the test's timeout.
    expect(loaded.snapshot?.length).toBe(5 * 2 ** 20);
    expect(loaded.snapshot?.equals(Buffer.concat([0, 1, 2, 3, 4].map(chunk)))).toBe(true);
    expect(loaded.journal).toEqual([Buffer.from("after the stream")]);
    await store.writeSnapshot(Buffer.from("snapshot 2"));
    await store.appendJournal(Buffer.from("after 2a"));
    await store.appendJournal(Buffer.from("after 2b"));
  });

  it("continues from what another instance (a later run) left", async () => {
    await writerLock!.release();
    const next = fresh();
    const nextLock = await next.lock();
    const loaded = await next.load();
    expect(loaded.journal.length).toBe(2);
    await next.appendJournal(Buffer.from("run 2"));
    await next.writeSnapshot(Buffer.from("snapshot 3"));
    await next.appendJournal(Buffer.from("run 2 after"));
    expect(await fresh().load()).toEqual({ snapshot: Buffer.from("snapshot 3"), journal: [Buffer.from("run 2 after")] });
    await nextLock.release();
    writerLock = await store.lock();
  });

  it("refuses empty and oversized journal entries", async () => {
    await expect(store.appendJournal(Buffer.alloc(0))).rejects.toThrow("a journal entry must not be empty");
    await expect(store.appendJournal(Buffer.alloc(5 * 1024 * 1024))).rejects.toThrow(/a journal entry may be at most 4194290 bytes; got 5242880/);
  });

  it("writes artifacts next to the state and returns where they landed", async () => {
    const where = await store.writeArtifact("report.md", "# Report\n");
    expect(where).toBe(kind === "file" ? join(store.location, "report.md") : `${store.location}report.md`);
    expect(await readArtifact(where)).toBe("# Report\n");
    const again = await store.writeArtifact("report.md", Buffer.from("# Report 2\n"));
    expect(await readArtifact(again)).toBe("# Report 2\n");
    const nested = await store.writeArtifact("runs/2024-05-01T10-00-00Z/report.json", "{}");
    expect(await readArtifact(nested)).toBe("{}");
  });

  it("writes a streamed artifact chunk by chunk, larger than one upload block, in order", async () => {
    // 5 MiB in 80 chunks of 64 KiB: more than the blob store's 4 MiB blocks, so the upload takes two blocks.
    const line = (i: number) => `${String(i).padStart(8, "0")},${"x".repeat(65_526)}\n`;
    const chunks = async function* () {
      for (let i = 0; i < 80; i++) yield Buffer.from(line(i));
    };
    const where = await store.writeArtifact("changes.csv", chunks);
    const text = await readArtifact(where);
    expect(text.length).toBe(80 * 65_536);
    expect(text.split("\n").slice(0, -1).map((l) => Number(l.slice(0, 8)))).toEqual(Array.from({ length: 80 }, (_, i) => i));
  });

  it.each(["../escape.json", "/abs.json", "a//b.json", ".hidden", "lock", "snapshot", "journal/x", "rep ort.md", "x.tmp"])(
    "refuses the artifact name %j",
    async (name) => {
      await expect(store.writeArtifact(name, "x")).rejects.toThrow(RangeError);
    },
  );

  it("refuses an export name that is not one", () => {
    expect(() => openStateStore(location, "../other")).toThrow('export name "../other" must be 1-48 lowercase letters, digits or "-"');
  });

  it("refuses every write once its lock is released", async () => {
    await writerLock!.release();
    await expect(store.appendJournal(Buffer.from("late"))).rejects.toThrow(/; not writing the journal \(another run may be working on this export\)$/);
    await expect(store.writeSnapshot(Buffer.from("late"))).rejects.toThrow(/; not writing the snapshot /);
    await expect(store.writeArtifact("report.md", "late")).rejects.toBeInstanceOf(LockLostError);
  });

  it("holds one lock per export: a second taker gets LockedError naming the holder, until release", async () => {
    const first = await store.lock();
    const e = await fresh()
      .lock()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(LockedError);
    expect((e as LockedError).message).toMatch(
      new RegExp(`^another run of this export holds the lock \\(pid ${process.pid} on host [^ ]+ since \\d{4}-\\d\\d-\\d\\dT[^;]+; (lock file|lease on) `),
    );
    // Another export is independent.
    const other = await openStateStore(location, "other-export").lock();
    await other.release();
    await first.release();
    await first.release(); // safe twice
    const second = await fresh().lock();
    await second.release();
  });

  it("loads without the lock and without writing anything (plan)", async () => {
    const reader = openStateStore(location, "never-written");
    expect(await reader.load()).toEqual({ snapshot: null, journal: [] });
    if (kind === "file") {
      await expect(readFile(join(location.kind === "file" ? location.path : "", "never-written", "journal"))).rejects.toThrow(/ENOENT/);
    } else {
      const { ContainerClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
      const c = new ContainerClient(containerUrl, new StorageSharedKeyCredential(azurite.account, azurite.key));
      const names: string[] = [];
      for await (const b of c.listBlobsFlat({ prefix: `teams/s${n}/never-written/` })) names.push(b.name);
      expect(names).toEqual([]);
    }
  });
});
