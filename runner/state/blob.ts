// State in Azure Blob Storage, under <container>/<path>/<export>/:
//   lock                       an empty block blob; the lock is a lease on it (60 s, renewed every 20 s); its
//                              metadata names the holder (pid, hostname, startedat)
//   snapshot                   block blob, written with ETag conditions (If-Match the version this run read, or
//                              If-None-Match * for the first), so two writers cannot clobber each other; its
//                              metadata "journalgen" names the journal generation that follows it
//   journal/<gen>/<seq>        append blobs; one append block per entry (atomic), each append conditional on the
//                              expected append position; a new <seq> when one nears Azure's 50,000-block limit
//   aux/<name>                 small gzipped objects beside the state (consent-cache), block blobs
//   <artifact>                 report.json, report.md, rejected.csv, ... (block blobs)
//
// Writing a snapshot starts a new journal generation, so the old journal is ignored even before it is deleted
// (deletion is best effort). A run killed with kill -9 stops renewing its lease; the lease expires within 60 s and
// the next run takes it. A holder on this same host whose process is gone is broken at once.
import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import type { BlobLeaseClient, BlockBlobClient, BlockBlobUploadStreamOptions, ContainerClient } from "@azure/storage-blob";
import { blobError, blobErrorCode, blobStatus, blobUrl, containerClientFor, describeBlobError, type BlobLocation } from "../azure/blob.js";
import { LockedError, LockLostError, type ChunkStream, type LoadedState, type StateLock, type StateStore } from "./types.js";
import { checkArtifactName, checkAuxName, checkExportName, contentType, describeHolder, gunzipOrNull, gzipAux, holderGoneOnThisHost, lostSignal, newHolder, type Holder } from "./common.js";
import { decodeJournal, encodeFrame } from "./journal.js";
import { connectionFolder, type ConnectionRegistry } from "./connection-registry.js";
import { BlobConnectionRegistry } from "./connection-registry-blob.js";

export interface BlobStateStoreOptions {
  /** Lease duration in seconds: 15-60 (Azure's range). Default 60. */
  leaseSeconds?: number;
  /** How often the lease is renewed. Default a third of the lease. */
  renewEveryMs?: number;
  /** This machine's name in the lock (tests simulate other hosts with it). Default os.hostname(). */
  hostname?: string;
  /** Entries per journal blob before the next one is started (Azure allows 50,000 blocks per append blob). Default 49,000. */
  journalBlocksPerBlob?: number;
}

interface JournalTail {
  name: string;
  seq: number;
  position: number;
  blocks: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

async function readBody(body: NodeJS.ReadableStream | undefined, expected?: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
  }
  const buf = Buffer.concat(chunks, size);
  if (expected !== undefined && buf.length !== expected) throw new Error(`short read: ${buf.length} of ${expected} bytes`);
  return buf;
}

export class BlobStateStore implements StateStore {
  readonly location: string;
  private readonly prefix: string;
  private readonly leaseSeconds: number;
  private readonly renewEveryMs: number;
  private readonly host: string | undefined;
  private readonly maxBlocks: number;
  private containerPromise: Promise<ContainerClient> | undefined;
  /** What this store knows of the stored state: undefined until first read. */
  private known: { etag: string | undefined; gen: number; tail: JournalTail | undefined } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set once the lock this store took is lost or released: from then on it writes nothing. */
  private lockGone: LockLostError | undefined;
  /** This store holds the lock right now (aux objects are written only then: they have no ETag guard). */
  private holding = false;

  constructor(
    private readonly where: BlobLocation,
    exportName: string,
    options: BlobStateStoreOptions = {},
  ) {
    checkExportName(exportName);
    const base = where.path.replace(/^\/+|\/+$/g, "");
    this.prefix = `${base ? `${base}/` : ""}${exportName}/`;
    this.location = blobUrl(where, this.prefix);
    this.leaseSeconds = options.leaseSeconds ?? 60;
    if (!(this.leaseSeconds >= 15 && this.leaseSeconds <= 60)) throw new RangeError("leaseSeconds must be from 15 to 60");
    this.renewEveryMs = options.renewEveryMs ?? (this.leaseSeconds * 1000) / 3;
    this.host = options.hostname;
    this.maxBlocks = options.journalBlocksPerBlob ?? 49_000;
  }

  private container(): Promise<ContainerClient> {
    this.containerPromise ??= containerClientFor(this.where);
    return this.containerPromise;
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private containerMissing(e: unknown): Error | undefined {
    if (blobErrorCode(e) === "ContainerNotFound") {
      return new Error(`the state container ${blobUrl(this.where, "")} does not exist; create it (the platform construct does) or fix "state"`);
    }
    return undefined;
  }

  async lock(): Promise<StateLock> {
    const container = await this.container();
    const me = newHolder(this.host);
    const lockBlob = container.getBlockBlobClient(`${this.prefix}lock`);
    const url = blobUrl(this.where, `${this.prefix}lock`);
    try {
      await lockBlob.upload("", 0, { conditions: { ifNoneMatch: "*" } });
    } catch (e) {
      const status = blobStatus(e);
      if (status !== 409 && status !== 412) throw this.containerMissing(e) ?? blobError(`cannot create the lock blob ${url}`, e);
    }
    const lease: BlobLeaseClient = lockBlob.getBlobLeaseClient(randomUUID());
    for (let attempt = 0; ; attempt++) {
      try {
        await lease.acquireLease(this.leaseSeconds);
        break;
      } catch (e) {
        if (blobStatus(e) !== 409 || attempt > 0) {
          if (blobStatus(e) === 409) throw new LockedError(`lease on ${url}`);
          throw blobError(`cannot lease the lock blob ${url}`, e);
        }
      }
      // Leased by someone else. Break it only when its holder is certainly gone (same host, process dead).
      let holder: Partial<Holder> = {};
      try {
        const props = await lockBlob.getProperties();
        const m = props.metadata ?? {};
        holder = {
          pid: m.pid ? Number(m.pid) : undefined,
          hostname: m.hostname,
          startedAt: m.startedat,
          token: m.token,
          process: m.process,
          bootId: m.bootid,
          startTicks: m.startticks,
        };
      } catch {
        /* judged as alive */
      }
      if (!holderGoneOnThisHost(holder, me)) {
        throw new LockedError(`${describeHolder(holder)}; lease on ${url}, which expires within ${this.leaseSeconds} s after its holder stops`);
      }
      await lockBlob
        .getBlobLeaseClient()
        .breakLease(0)
        .catch(() => undefined);
    }
    try {
      await lockBlob.setMetadata(
        {
          pid: String(me.pid),
          hostname: me.hostname,
          startedat: me.startedAt,
          token: me.token,
          process: me.process,
          ...(me.bootId ? { bootid: me.bootId } : {}),
          ...(me.startTicks ? { startticks: me.startTicks } : {}),
        },
        { conditions: { leaseId: lease.leaseId } },
      );
    } catch (e) {
      await lease.releaseLease().catch(() => undefined);
      throw blobError(`cannot record the lock holder on ${url}`, e);
    }
    return this.held(lease, url);
  }

  private held(lease: BlobLeaseClient, url: string): StateLock {
    const signal = lostSignal();
    this.lockGone = undefined;
    this.holding = true;
    let released = false;
    let lastRenewed = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const leaseMs = this.leaseSeconds * 1000;
    const schedule = (ms: number) => {
      timer = setTimeout(renew, ms);
      timer.unref();
    };
    const renew = async () => {
      if (released) return;
      try {
        await lease.renewLease();
        lastRenewed = Date.now();
        if (!released) schedule(this.renewEveryMs);
      } catch (e) {
        if (released) return;
        const status = blobStatus(e);
        const gone = status === 409 || status === 412 || status === 404;
        // Transient failures are retried while the lease still has time left; after that the lock is gone.
        if (gone || Date.now() - lastRenewed > leaseMs - 5_000) {
          this.lockGone = new LockLostError(`lost the lock on ${this.location}: cannot renew the lease on ${url} (${describeBlobError(e)})`);
          this.holding = false;
          signal.reject(this.lockGone);
          return;
        }
        schedule(Math.min(2_000, this.renewEveryMs));
      }
    };
    schedule(this.renewEveryMs);
    return {
      lost: signal.lost,
      release: async () => {
        if (released) return;
        released = true;
        this.holding = false;
        this.lockGone ??= new LockLostError(`the lock on ${this.location} was released by this run`);
        if (timer) clearTimeout(timer);
        await lease.releaseLease().catch(() => undefined);
      },
    };
  }

  /** Refuse a write once the lock this store took is lost or released (the conditional writes guard the rest). */
  private mayWrite(what: string): void {
    if (this.lockGone) throw new LockLostError(`${this.lockGone.message}; not writing the ${what} (another run may be working on this export)`);
  }

  private journalPrefix(gen: number): string {
    return `${this.prefix}journal/${pad(gen, 8)}/`;
  }

  /** Read the snapshot's ETag and journal generation, and the journal's tail, without downloading the snapshot. */
  private async refresh(withSnapshot: boolean): Promise<{ snapshot: Buffer | null; journal: Buffer[] }> {
    const container = await this.container();
    const snapshotBlob = container.getBlobClient(`${this.prefix}snapshot`);
    let snapshot: Buffer | null = null;
    let etag: string | undefined;
    let gen = 0;
    try {
      if (withSnapshot) {
        const response = await snapshotBlob.download(0, undefined, { maxRetryRequests: 5 });
        snapshot = await readBody(response.readableStreamBody, response.contentLength);
        etag = response.etag;
        gen = Number(response.metadata?.journalgen ?? 0) || 0;
      } else {
        const props = await snapshotBlob.getProperties();
        etag = props.etag;
        gen = Number(props.metadata?.journalgen ?? 0) || 0;
      }
    } catch (e) {
      if (blobStatus(e) !== 404 || blobErrorCode(e) === "ContainerNotFound") {
        throw this.containerMissing(e) ?? blobError(`cannot read the state snapshot ${blobUrl(this.where, `${this.prefix}snapshot`)}`, e);
      }
      snapshot = null;
    }
    const journal: Buffer[] = [];
    let tail: JournalTail | undefined;
    const prefix = this.journalPrefix(gen);
    try {
      const names: string[] = [];
      for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
      names.sort();
      for (const name of names) {
        const blob = container.getBlobClient(name);
        const response = await blob.download(0, undefined, { maxRetryRequests: 5 });
        const raw = await readBody(response.readableStreamBody, response.contentLength);
        const decoded = decodeJournal(raw, blobUrl(this.where, name));
        journal.push(...decoded.entries);
        tail = {
          name,
          seq: Number(name.slice(prefix.length)) || 0,
          position: raw.length,
          blocks: response.blobCommittedBlockCount ?? decoded.entries.length,
        };
      }
    } catch (e) {
      if (e instanceof Error && e.name === "JournalCorruptError") throw e;
      throw this.containerMissing(e) ?? blobError(`cannot read the state journal under ${blobUrl(this.where, prefix)}`, e);
    }
    this.known = { etag, gen, tail };
    return { snapshot, journal };
  }

  load(): Promise<LoadedState> {
    return this.serial(() => this.refresh(true));
  }

  appendJournal(entry: Buffer): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeFrame(entry);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.serial(async () => {
      this.mayWrite("journal");
      if (!this.known) await this.refresh(false);
      const known = this.known!;
      const container = await this.container();
      if (!known.tail || known.tail.blocks >= this.maxBlocks) {
        const seq = known.tail ? known.tail.seq + 1 : 0;
        const name = `${this.journalPrefix(known.gen)}${pad(seq, 6)}`;
        try {
          await container.getAppendBlobClient(name).create({ conditions: { ifNoneMatch: "*" } });
        } catch (e) {
          if (blobStatus(e) === 409 || blobStatus(e) === 412) {
            throw new Error(`the state journal ${blobUrl(this.where, name)} was created by another run meanwhile; is another run writing without the lock?`);
          }
          throw this.containerMissing(e) ?? blobError(`cannot create the state journal ${blobUrl(this.where, name)}`, e);
        }
        known.tail = { name, seq, position: 0, blocks: 0 };
      }
      const tail = known.tail;
      try {
        const response = await container
          .getAppendBlobClient(tail.name)
          .appendBlock(frame, frame.length, { conditions: { appendPosition: tail.position } });
        tail.position += frame.length;
        tail.blocks = response.blobCommittedBlockCount ?? tail.blocks + 1;
      } catch (e) {
        if (blobStatus(e) === 412) {
          this.known = undefined;
          throw new Error(`the state journal ${blobUrl(this.where, tail.name)} was appended to by another run; is another run writing without the lock?`);
        }
        throw blobError(`cannot append to the state journal ${blobUrl(this.where, tail.name)}`, e);
      }
    });
  }

  writeSnapshot(data: Buffer | ChunkStream): Promise<void> {
    return this.serial(async () => {
      this.mayWrite("snapshot");
      if (!this.known) await this.refresh(false);
      const known = this.known!;
      const container = await this.container();
      const url = blobUrl(this.where, `${this.prefix}snapshot`);
      const gen = known.gen + 1;
      let etag: string | undefined;
      try {
        const options = {
          conditions: known.etag ? { ifMatch: known.etag } : { ifNoneMatch: "*" },
          metadata: { journalgen: String(gen) },
          blobHTTPHeaders: { blobContentType: "application/octet-stream" },
        };
        // A stream is staged in blocks and committed under the same condition, so it replaces atomically too.
        const response = await upload(container.getBlockBlobClient(`${this.prefix}snapshot`), data, options);
        etag = response.etag;
      } catch (e) {
        if (blobStatus(e) === 412 || blobStatus(e) === 409) {
          this.known = undefined;
          throw new Error(
            `the state snapshot ${url} was changed by another writer since this run read it; not overwriting it (is another run working on this export?)`,
          );
        }
        throw this.containerMissing(e) ?? blobError(`cannot write the state snapshot ${url}`, e);
      }
      const oldGen = known.gen;
      this.known = { etag, gen, tail: undefined };
      // The old generation's journal is ignored from now on; remove it (best effort).
      try {
        for await (const item of container.listBlobsFlat({ prefix: `${this.prefix}journal/` })) {
          const itemGen = Number(item.name.slice(`${this.prefix}journal/`.length).split("/")[0]);
          if (itemGen <= oldGen) await container.deleteBlob(item.name).catch(() => undefined);
        }
      } catch {
        // Left for the next snapshot to clean up.
      }
    });
  }

  /** <container>/<path>/.connections/<hostname>/ (connection-registry-blob.ts). */
  connectionRegistry(hostname: string): ConnectionRegistry {
    const base = this.where.path.replace(/^\/+|\/+$/g, "");
    return new BlobConnectionRegistry(() => this.container(), this.where, `${base ? `${base}/` : ""}.connections/${connectionFolder(hostname)}/`);
  }

  async writeArtifact(name: string, data: string | Buffer | ChunkStream): Promise<string> {
    checkArtifactName(name);
    this.mayWrite(name);
    const container = await this.container();
    const blobName = `${this.prefix}${name}`;
    const headers = { blobHTTPHeaders: { blobContentType: contentType(name) } };
    try {
      await upload(container.getBlockBlobClient(blobName), typeof data === "string" ? Buffer.from(data, "utf8") : data, headers);
    } catch (e) {
      throw this.containerMissing(e) ?? blobError(`cannot write ${blobUrl(this.where, blobName)}`, e);
    }
    return blobUrl(this.where, blobName);
  }

  async loadAux(name: string): Promise<Buffer | null> {
    checkAuxName(name);
    try {
      const container = await this.container();
      const response = await container.getBlobClient(`${this.prefix}aux/${name}`).download(0, undefined, { maxRetryRequests: 5 });
      return gunzipOrNull(await readBody(response.readableStreamBody, response.contentLength));
    } catch {
      return null; // missing or unreadable: the caller rebuilds it
    }
  }

  async writeAux(name: string, data: Buffer): Promise<void> {
    checkAuxName(name);
    this.mayWrite(`aux/${name}`);
    if (!this.holding) throw new LockLostError(`not writing the aux/${name} of ${this.location}: this run does not hold the export's lock`);
    const container = await this.container();
    const blobName = `${this.prefix}aux/${name}`;
    try {
      await container.getBlockBlobClient(blobName).uploadData(gzipAux(data), { blobHTTPHeaders: { blobContentType: "application/gzip" } });
    } catch (e) {
      throw this.containerMissing(e) ?? blobError(`cannot write ${blobUrl(this.where, blobName)}`, e);
    }
  }
}

/**
 * One blob write: a buffer in one call; a stream in blocks of 4 MiB, two at a time, so a snapshot or changes.csv of
 * 10,000,000 contacts is never held whole.
 */
function upload(blob: BlockBlobClient, data: Buffer | ChunkStream, options: BlockBlobUploadStreamOptions): Promise<{ etag?: string }> {
  return typeof data === "function" ? blob.uploadStream(Readable.from(data()), 4 * 2 ** 20, 2, options) : blob.uploadData(data, options);
}
