// Where segment bytes come from: a local file or an Azure blob. Two access patterns: a sequential stream (CSV, JSON
// Lines) and random access by ranges (Parquet). Folders and prefixes (sets of parts) are listed by store.ts.
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import type { Location, SegmentFormat } from "../config.js";
import { blobError, blobStatus, blobUrl, containerClientFor, type BlobLocation } from "../azure/blob.js";
import type { RandomAccess } from "./parquet.js";
import { SegmentChangedError, SegmentError } from "./types.js";

export interface ByteSource {
  /** A file path or blob URL: what was actually opened. */
  resolved: string;
  size: number;
  /** What identifies this version of the bytes: a file's modification time (ms), a blob's last-modified and ETag. */
  lastModified?: Date;
  etag?: string;
  /** The whole content, in order. */
  stream(signal?: AbortSignal): AsyncIterable<Buffer>;
  /** Random access (Parquet). */
  randomAccess(signal?: AbortSignal): Promise<RandomAccess>;
  close(): Promise<void>;
}

/** File name endings of each format; under a blob prefix only blobs with these endings are candidates. */
export const FORMAT_EXTENSIONS: Record<FileFormat, string[]> = {
  csv: [".csv", ".tsv", ".txt"],
  jsonl: [".jsonl", ".ndjson"],
  parquet: [".parquet"],
};

/** The formats a single file can have (a Customer Insights export or a Delta table is a folder). */
export type FileFormat = Extract<SegmentFormat, "csv" | "jsonl" | "parquet">;

/** What a listing said about a file: reads then fail if it changed since. */
export interface Expected {
  size: number;
  lastModified?: Date;
  etag?: string;
  /** Set when the expectation is an earlier pass's pin: a mismatch is SegmentChangedError (exit 1), not bad input. */
  pinned?: boolean;
}

const READ_CHUNK = 1024 * 1024;

/** Open one file or blob (not a folder or prefix: see store.ts). */
export async function openSource(location: Location, signal?: AbortSignal, expected?: Expected): Promise<ByteSource> {
  if (location.kind === "file") return openFileSource(location.path, expected);
  return openBlobSource(await containerClientFor(location), location, location.path, signal, expected);
}

/** What a stat says a path is, for the message refusing anything but a regular file. */
function fileKind(s: import("node:fs").Stats): string {
  if (s.isFIFO()) return "a named pipe (FIFO)";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * Only regular files are read: opening a FIFO blocks until a writer appears (forever, and past SIGTERM, since the
 * open sits in libuv's thread pool), and a device never ends. Checked on stat, before any open.
 */
export function refuseNonRegular(path: string, s: import("node:fs").Stats): void {
  if (!s.isFile() && !s.isDirectory()) throw new SegmentError(`${path} is ${fileKind(s)}; a segment file must be a regular file`);
}

export async function openFileSource(path: string, expected?: Expected): Promise<ByteSource> {
  let size: number;
  let mtime: Date;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new SegmentError(`${path} is a folder; end segment.source with "/" to read a folder`);
    refuseNonRegular(path, s);
    size = s.size;
    mtime = new Date(Math.trunc(s.mtimeMs));
    if (expected && (s.size !== expected.size || (expected.lastModified && mtime.getTime() !== expected.lastModified.getTime()))) {
      if (expected.pinned) throw new SegmentChangedError(`${path} changed after the plan read it (size or modification time differs); nothing unplanned was sent; run again`);
      throw new SegmentError(`${path} changed after the folder was listed (it is still being written?); run again`);
    }
  } catch (e) {
    if (e instanceof SegmentError || e instanceof SegmentChangedError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && expected?.pinned) throw new SegmentChangedError(`${path} was removed after the plan read it; nothing unplanned was sent; run again`);
    if (code === "ENOENT") throw new SegmentError(`segment file not found: ${path}`);
    if (code === "EACCES" || code === "EPERM") throw new SegmentError(`cannot read the segment file ${path}: permission denied`);
    throw e;
  }
  const handles: Array<import("node:fs/promises").FileHandle> = [];
  return {
    resolved: path,
    size,
    lastModified: mtime,
    stream: (signal) => createReadStream(path, { highWaterMark: READ_CHUNK, signal }) as AsyncIterable<Buffer>,
    async randomAccess() {
      const handle = await open(path, "r");
      handles.push(handle);
      return {
        byteLength: size,
        async slice(start, end = size) {
          const length = Math.max(0, Math.min(end, size) - start);
          const out = new ArrayBuffer(length);
          const view = new Uint8Array(out);
          let done = 0;
          while (done < length) {
            const { bytesRead } = await handle.read(view, done, length - done, start + done);
            if (bytesRead === 0) throw new Error(`${path} became shorter while it was read (${start + done} < ${size} bytes)`);
            done += bytesRead;
          }
          return out;
        },
      };
    },
    async close() {
      await Promise.all(handles.splice(0).map((h) => h.close().catch(() => {})));
    },
  };
}

interface BlobCandidate {
  name: string;
  lastModified: Date;
}

/** The newest candidate; equal timestamps go to the name that sorts last (e.g. a later part or date). */
export function pickNewest<T extends BlobCandidate>(candidates: T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    const t = c.lastModified.getTime();
    const b = best?.lastModified.getTime() ?? -Infinity;
    if (!best || t > b || (t === b && c.name > best.name)) best = c;
  }
  return best;
}

/** A listing gives ETags bare, a properties request in quotes: compare them without. */
const unquoted = (etag: string | undefined): string | undefined => etag?.replace(/^(W\/)?"(.*)"$/, "$2");

/** Open one blob. With `expected` (from a listing) no extra request is made, and reads require that ETag. */
export async function openBlobSource(
  container: ContainerClient,
  location: BlobLocation,
  name: string,
  signal?: AbortSignal,
  expected?: Expected,
): Promise<ByteSource> {
  const client: BlobClient = container.getBlobClient(name);
  const url = blobUrl(location, name);
  let size: number;
  let etag: string | undefined;
  let lastModified: Date | undefined;
  if (expected?.etag && !expected.pinned) {
    size = expected.size;
    etag = expected.etag;
  } else {
    try {
      const props = await client.getProperties({ abortSignal: signal });
      size = props.contentLength ?? 0;
      etag = props.etag;
      lastModified = props.lastModified;
    } catch (e) {
      if (blobStatus(e) === 404 && expected?.pinned) throw new SegmentChangedError(`the segment blob ${url} was removed after the plan read it; nothing unplanned was sent; run again`);
      if (blobStatus(e) === 404) throw new SegmentError(`segment blob not found: ${url}`);
      throw blobError(`cannot read the segment blob ${url}`, e);
    }
  }
  // A pinned blob is checked before anything is read, so a replaced one stops the send pass before its first batch.
  if (expected?.pinned && expected.etag && unquoted(etag) !== unquoted(expected.etag)) {
    throw new SegmentChangedError(`the segment blob ${url} was replaced after the plan read it (ETag ${etag ?? "none"}, planned ${expected.etag}); nothing unplanned was sent; run again`);
  }
  // Every read is conditional on the ETag seen here: a blob replaced while it is read fails instead of mixing two files.
  const conditions = etag ? { ifMatch: etag } : undefined;
  const changed = (e: unknown): Error =>
    blobStatus(e) === 412
      ? new SegmentChangedError(`the segment blob ${url} was replaced while it was being read; run again`)
      : blobError(`cannot read the segment blob ${url}`, e);
  return {
    resolved: url,
    size,
    ...(lastModified ? { lastModified } : {}),
    ...(etag ? { etag } : {}),
    stream: (streamSignal) => ({
      async *[Symbol.asyncIterator]() {
        if (size === 0) return;
        let body: NodeJS.ReadableStream | undefined;
        try {
          const response = await client.download(0, undefined, { conditions, abortSignal: streamSignal ?? signal, maxRetryRequests: 5 });
          body = response.readableStreamBody;
        } catch (e) {
          throw changed(e);
        }
        if (!body) throw new Error(`the segment blob ${url} returned no body`);
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
        } catch (e) {
          if (e instanceof Error && e.name === "AbortError") throw e;
          throw changed(e);
        } finally {
          (body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        }
      },
    }),
    async randomAccess(raSignal) {
      return {
        byteLength: size,
        async slice(start, end = size) {
          const count = Math.max(0, Math.min(end, size) - start);
          const out = new ArrayBuffer(count);
          if (count === 0) return out;
          try {
            await client.downloadToBuffer(Buffer.from(out), start, count, {
              conditions,
              abortSignal: raSignal ?? signal,
              concurrency: 4,
              maxRetryRequestsPerBlock: 5,
            });
          } catch (e) {
            throw changed(e);
          }
          return out;
        },
      };
    },
    async close() {},
  };
}

