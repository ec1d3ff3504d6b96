// Where segment bytes come from: a local file, or an Azure blob (a single blob, or the newest matching blob under a
// prefix). Two access patterns: a sequential stream (CSV, JSON Lines) and random access by ranges (Parquet).
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { BlobClient } from "@azure/storage-blob";
import type { Location, SegmentFormat } from "../config.js";
import { blobError, blobStatus, blobUrl, containerClientFor, type BlobLocation } from "../azure/blob.js";
import type { RandomAccess } from "./parquet.js";
import { SegmentError } from "./types.js";

export interface ByteSource {
  /** A file path or blob URL: what was actually opened. */
  resolved: string;
  size: number;
  /** The whole content, in order. */
  stream(signal?: AbortSignal): AsyncIterable<Buffer>;
  /** Random access (Parquet). */
  randomAccess(signal?: AbortSignal): Promise<RandomAccess>;
  close(): Promise<void>;
}

/** File name endings of each format; under a blob prefix only blobs with these endings are candidates. */
export const FORMAT_EXTENSIONS: Record<SegmentFormat, string[]> = {
  csv: [".csv", ".tsv", ".txt"],
  jsonl: [".jsonl", ".ndjson"],
  parquet: [".parquet"],
};

const READ_CHUNK = 1024 * 1024;

export async function openSource(location: Location, format: SegmentFormat, signal?: AbortSignal): Promise<ByteSource> {
  return location.kind === "file" ? openFile(location.path) : openBlob(location, format, signal);
}

async function openFile(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new SegmentError(`${path} is a folder; segment.source must name a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof SegmentError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new SegmentError(`segment file not found: ${path}`);
    if (code === "EACCES" || code === "EPERM") throw new SegmentError(`cannot read the segment file ${path}: permission denied`);
    throw e;
  }
  const handles: Array<import("node:fs/promises").FileHandle> = [];
  return {
    resolved: path,
    size,
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
export function pickNewest(candidates: BlobCandidate[]): BlobCandidate | undefined {
  let best: BlobCandidate | undefined;
  for (const c of candidates) {
    const t = c.lastModified.getTime();
    const b = best?.lastModified.getTime() ?? -Infinity;
    if (!best || t > b || (t === b && c.name > best.name)) best = c;
  }
  return best;
}

async function openBlob(location: BlobLocation, format: SegmentFormat, signal?: AbortSignal): Promise<ByteSource> {
  const container = await containerClientFor(location);
  let name = location.path;
  if (name === "" || name.endsWith("/")) {
    // A prefix: the newest blob under it (at any depth) whose name ends like a file of the format. Manifests,
    // "_SUCCESS" markers and other files are ignored.
    const endings = FORMAT_EXTENSIONS[format];
    const candidates: BlobCandidate[] = [];
    let others = 0;
    const otherNames: string[] = [];
    try {
      for await (const item of container.listBlobsFlat({ prefix: name || undefined, abortSignal: signal })) {
        const lower = item.name.toLowerCase();
        if (endings.some((e) => lower.endsWith(e))) candidates.push({ name: item.name, lastModified: item.properties.lastModified });
        else if (others++ < 3) otherNames.push(item.name);
      }
    } catch (e) {
      if (blobStatus(e) === 404) throw new SegmentError(`segment container not found: ${blobUrl(location, "")}`);
      throw blobError(`cannot list the segment blobs under ${blobUrl(location, name)}`, e);
    }
    const newest = pickNewest(candidates);
    if (!newest) {
      const seen = others > 0 ? `; found ${others} other blob(s), e.g. ${otherNames.map((n) => JSON.stringify(n)).join(", ")}` : "; the prefix is empty";
      throw new SegmentError(`no ${endings.join("/")} blob under ${blobUrl(location, name)}${seen}`);
    }
    name = newest.name;
  }
  const client: BlobClient = container.getBlobClient(name);
  const url = blobUrl(location, name);
  let size: number;
  let etag: string | undefined;
  try {
    const props = await client.getProperties({ abortSignal: signal });
    size = props.contentLength ?? 0;
    etag = props.etag;
  } catch (e) {
    if (blobStatus(e) === 404) throw new SegmentError(`segment blob not found: ${url}`);
    throw blobError(`cannot read the segment blob ${url}`, e);
  }
  // Every read is conditional on the ETag seen here: a blob replaced while it is read fails instead of mixing two files.
  const conditions = etag ? { ifMatch: etag } : undefined;
  const changed = (e: unknown): Error =>
    blobStatus(e) === 412
      ? new Error(`the segment blob ${url} was replaced while it was being read; run again`)
      : blobError(`cannot read the segment blob ${url}`, e);
  return {
    resolved: url,
    size,
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

