// The Azure Blob state store beyond the contract, against Azurite: layout, ETag-conditional snapshots, conditional
// appends, journal generations and rollover, the lease lock across processes.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { BlobStateStore, LockedError, openStateStore, type BlobStateStoreOptions } from "../../../runner/state/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { lockChild } from "./helpers.js";

let azurite: Azurite;
let url: string;
let container: ContainerClient;
beforeAll(async () => {
  azurite = await startAzurite();
  url = await azurite.createContainer("state");
  container = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key)).getContainerClient("state");
});
afterAll(() => azurite?.stop());

let n = 0;
const place = () => `p${++n}`;
const storeAt = (prefix: string, opts: BlobStateStoreOptions = {}) => openStateStore(parseLocation(`${url}/${prefix}`), "vip", opts) as BlobStateStore;
async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix })) out.push(b.name);
  return out.sort();
}

describe("blob state layout", () => {
  it("keeps lock, snapshot, journal generations and artifacts under <path>/<export>/", async () => {
    const p = place();
    const store = storeAt(p);
    const lock = await store.lock();
    await store.appendJournal(Buffer.from("e1"));
    expect(await names(p)).toEqual([`${p}/vip/journal/00000000/000000`, `${p}/vip/lock`]);
    await store.writeSnapshot(Buffer.from("snap"));
    await store.appendJournal(Buffer.from("e2"));
    await store.writeArtifact("report.md", "# hi");
    // The old generation's journal is gone; the new one follows the snapshot.
    expect(await names(p)).toEqual([`${p}/vip/journal/00000001/000000`, `${p}/vip/lock`, `${p}/vip/report.md`, `${p}/vip/snapshot`]);
    const props = await container.getBlobClient(`${p}/vip/snapshot`).getProperties();
    expect(props.metadata).toEqual({ journalgen: "1" });
    expect((await container.getBlobClient(`${p}/vip/report.md`).getProperties()).contentType).toBe("text/markdown; charset=utf-8");
    const lockProps = await container.getBlobClient(`${p}/vip/lock`).getProperties();
    expect(lockProps.leaseState).toBe("leased");
    expect(lockProps.metadata).toMatchObject({ pid: String(process.pid) });
    await lock.release();
    expect((await container.getBlobClient(`${p}/vip/lock`).getProperties()).leaseState).toBe("available");
  });

  it("ignores a journal generation left behind by an interrupted clean-up", async () => {
    const p = place();
    const store = storeAt(p);
    await store.appendJournal(Buffer.from("old"));
    await store.writeSnapshot(Buffer.from("snap"));
    // Put the old generation back, as if deleting it had failed.
    const stale = container.getAppendBlobClient(`${p}/vip/journal/00000000/000000`);
    await stale.create();
    await stale.appendBlock(Buffer.from("garbage"), 7);
    await store.appendJournal(Buffer.from("new"));
    expect(await storeAt(p).load()).toEqual({ snapshot: Buffer.from("snap"), journal: [Buffer.from("new")] });
  });

  it("starts a new journal blob before the block limit and reads them all back in order", async () => {
    const p = place();
    const store = storeAt(p, { journalBlocksPerBlob: 3 });
    for (let i = 0; i < 8; i++) await store.appendJournal(Buffer.from(`e${i}`));
    expect(await names(`${p}/vip/journal/`)).toEqual([
      `${p}/vip/journal/00000000/000000`,
      `${p}/vip/journal/00000000/000001`,
      `${p}/vip/journal/00000000/000002`,
    ]);
    expect((await storeAt(p).load()).journal.map(String)).toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"]);
    const next = storeAt(p, { journalBlocksPerBlob: 3 });
    await next.load();
    await next.appendJournal(Buffer.from("e8"));
    await next.appendJournal(Buffer.from("e9"));
    expect((await storeAt(p).load()).journal.map(String)).toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]);
  });
});

describe("two writers cannot clobber each other", () => {
  it("a snapshot written from stale knowledge is refused (If-Match)", async () => {
    const p = place();
    await storeAt(p).writeSnapshot(Buffer.from("v1"));
    const a = storeAt(p);
    const b = storeAt(p);
    await a.load();
    await b.load();
    await a.writeSnapshot(Buffer.from("v2 from a"));
    await expect(b.writeSnapshot(Buffer.from("v2 from b"))).rejects.toThrow(
      `the state snapshot ${url}/${p}/vip/snapshot was changed by another writer since this run read it; not overwriting it (is another run working on this export?)`,
    );
    expect((await storeAt(p).load()).snapshot).toEqual(Buffer.from("v2 from a"));
  });

  it("the first snapshot too (If-None-Match)", async () => {
    const p = place();
    const a = storeAt(p);
    const b = storeAt(p);
    await a.load();
    await b.load();
    await a.writeSnapshot(Buffer.from("a"));
    await expect(b.writeSnapshot(Buffer.from("b"))).rejects.toThrow(/was changed by another writer since this run read it/);
  });

  it("an append at a stale position is refused, and so is starting a journal blob another run started", async () => {
    const p = place();
    const a = storeAt(p);
    const b = storeAt(p);
    await a.load();
    await b.load();
    await a.appendJournal(Buffer.from("a1"));
    await expect(b.appendJournal(Buffer.from("b1"))).rejects.toThrow(
      `the state journal ${url}/${p}/vip/journal/00000000/000000 was created by another run meanwhile; is another run writing without the lock?`,
    );
    const c = storeAt(p);
    await c.load();
    await a.appendJournal(Buffer.from("a2"));
    await expect(c.appendJournal(Buffer.from("c1"))).rejects.toThrow(
      `the state journal ${url}/${p}/vip/journal/00000000/000000 was appended to by another run; is another run writing without the lock?`,
    );
    expect((await storeAt(p).load()).journal.map(String)).toEqual(["a1", "a2"]);
  });
});

describe("lease lock", () => {
  it("a second process gets LockedError (exit 4) while the lease is held; a process killed with kill -9 on this host is taken over at once", async () => {
    const p = place();
    const store = storeAt(p);
    const lock = await store.lock();
    const second = lockChild(`${url}/${p}`, "vip");
    const result = await second.exited;
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(
      new RegExp(
        `^LockedError: another run of this export holds the lock \\(pid ${process.pid} on host .+; lease on ${url}/${p}/vip/lock, which expires within 60 s after its holder stops\\)\\n$`,
      ),
    );
    await lock.release();

    const holder = lockChild(`${url}/${p}`, "vip");
    await holder.waitFor("locked");
    await expect(storeAt(p).lock()).rejects.toBeInstanceOf(LockedError);
    holder.child.kill("SIGKILL");
    await holder.exited;
    const t0 = Date.now();
    const taken = await storeAt(p).lock();
    expect(Date.now() - t0).toBeLessThan(2_000);
    await taken.release();
  });

  it("renews the lease, and reports the lock lost when the lease is broken", async () => {
    const p = place();
    const store = storeAt(p, { leaseSeconds: 15, renewEveryMs: 100 });
    const lock = await store.lock();
    await new Promise((r) => setTimeout(r, 350)); // a few renewals
    await container.getBlobClient(`${p}/vip/lock`).getBlobLeaseClient().breakLease(0);
    await expect(lock.lost).rejects.toThrow(new RegExp(`^lost the lock on ${url}/${p}/vip/: cannot renew the lease on ${url}/${p}/vip/lock \\(HTTP 409 `));
    // From then on this store writes nothing, even where no condition would stop it (artifacts).
    for (const write of [() => store.appendJournal(Buffer.from("late")), () => store.writeSnapshot(Buffer.from("late")), () => store.writeArtifact("report.md", "late")]) {
      await expect(write()).rejects.toThrow(/^lost the lock on .*; not writing the (journal|snapshot|report\.md) \(another run may be working on this export\)$/);
    }
    expect(await names(p)).toEqual([`${p}/vip/lock`]);
    await lock.release();
  });

  it("says so when the state container does not exist", async () => {
    const store = openStateStore(parseLocation(`${azurite.containerUrl("missing-container")}/x`), "vip");
    await expect(store.lock()).rejects.toThrow(
      `the state container ${azurite.containerUrl("missing-container")}/ does not exist; create it (the platform construct does) or fix "state"`,
    );
    await expect(store.load()).rejects.toThrow(/^the state container .* does not exist/);
  });
});
