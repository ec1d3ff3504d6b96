// A folder of segment files, on disk or under a blob prefix: list it (names relative to the folder, "/"-separated,
// with size, last-modified time and ETag) and open what the listing found. Reads of a listed file fail if it changed
// since the listing, so a run is never read half old, half new.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import type { Location } from "../config.js";
import { blobError, blobStatus, blobUrl, containerClientFor } from "../azure/blob.js";
import { openBlobSource, openFileSource, refuseNonRegular, type ByteSource } from "./source.js";
import { SegmentError } from "./types.js";

export interface StoreEntry {
  /** Relative to the folder, "/"-separated, e.g. "2024/05/01/1433/Table_1.csv". */
  name: string;
  size: number;
  lastModified: Date;
  etag?: string;
  /** From an earlier pass's pin: a read that finds it changed fails with SegmentChangedError. */
  pinned?: boolean;
}

export interface Store {
  /** "file" or "blob", for messages. */
  noun: "file" | "blob";
  /** The path or URL of a name in the folder ("" = the folder itself). */
  show(name: string): string;
  /**
   * The storage service's clock at the last listing (blob: the response's Date header), for the settle rule: file
   * times are the service's, so "how long ago" is measured on its clock, not on this machine's.
   */
  serverTime?: Date;
  /** Every file under `dir` ("" or a relative folder ending in "/"), at any depth. */
  list(dir: string, signal?: AbortSignal): Promise<StoreEntry[]>;
  open(entry: StoreEntry, signal?: AbortSignal): Promise<ByteSource>;
  /** A small file's text (model.json, a changelog), or undefined when it does not exist. */
  readText(name: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** Small metadata files only: a runaway model.json must not fill memory. */
const MAX_TEXT_BYTES = 32 * 1024 * 1024;

/** The store of a folder location: a `file:` directory or a blob prefix (ending in "/", or "" for the container). */
export async function storeFor(location: Location): Promise<Store> {
  if (location.kind === "file") return fileStore(location.path);
  const container = await containerClientFor(location);
  return blobStore(container, location);
}

function fileStore(root: string): Store {
  const path = (name: string) => join(root, ...name.split("/"));
  return {
    noun: "file",
    show: (name) => `${root.replace(/\/+$/, "")}/${name}`,
    async list(dir) {
      let names: string[];
      try {
        names = (await readdir(path(dir), { recursive: true })) as string[];
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return [];
        if (code === "ENOTDIR") throw new SegmentError(`${path(dir)} is a file, not a folder; remove the final "/" from segment.source`);
        if (code === "EACCES" || code === "EPERM") throw new SegmentError(`cannot list the segment folder ${path(dir)}: permission denied`);
        throw e;
      }
      const entries: StoreEntry[] = [];
      for (const rel of names) {
        const s = await stat(join(path(dir), rel)).catch(() => undefined);
        if (s) refuseNonRegular(join(path(dir), rel), s);
        if (!s?.isFile()) continue;
        entries.push({ name: dir + rel.split(sep).join("/"), size: s.size, lastModified: new Date(s.mtimeMs) });
      }
      return entries;
    },
    open: (entry) => openFileSource(path(entry.name), entry),
    async readText(name) {
      try {
        const s = await stat(path(name));
        refuseNonRegular(path(name), s);
        if (s.size > MAX_TEXT_BYTES) throw new SegmentError(`${path(name)} is larger than ${MAX_TEXT_BYTES / 1024 / 1024} MiB`);
        return await readFile(path(name), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
  };
}

function blobStore(container: ContainerClient, location: Extract<Location, { kind: "azure-blob" }>): Store {
  const base = location.path;
  const store: Store = {
    noun: "blob",
    show: (name) => blobUrl(location, base + name),
    async list(dir, signal) {
      const entries: StoreEntry[] = [];
      const prefix = base + dir;
      try {
        for await (const page of container.listBlobsFlat({ prefix: prefix || undefined, abortSignal: signal }).byPage({ maxPageSize: 5000 })) {
          if (page.date) store.serverTime = page.date;
          for (const item of page.segment.blobItems) {
            entries.push({
              name: item.name.slice(base.length),
              size: item.properties.contentLength ?? 0,
              lastModified: item.properties.lastModified,
              ...(item.properties.etag ? { etag: item.properties.etag } : {}),
            });
          }
        }
      } catch (e) {
        if (blobStatus(e) === 404) throw new SegmentError(`segment container not found: ${blobUrl(location, "")}`);
        throw blobError(`cannot list the segment blobs under ${blobUrl(location, prefix)}`, e);
      }
      return entries;
    },
    open: (entry, signal) => openBlobSource(container, location, base + entry.name, signal, entry),
    async readText(name, signal) {
      const client = container.getBlobClient(base + name);
      try {
        const props = await client.getProperties({ abortSignal: signal });
        if ((props.contentLength ?? 0) > MAX_TEXT_BYTES) throw new SegmentError(`${blobUrl(location, base + name)} is larger than ${MAX_TEXT_BYTES / 1024 / 1024} MiB`);
        if ((props.contentLength ?? 0) === 0) return "";
        return (await client.downloadToBuffer(0, undefined, { abortSignal: signal, conditions: { ifMatch: props.etag } })).toString("utf8");
      } catch (e) {
        if (e instanceof SegmentError) throw e;
        if (blobStatus(e) === 404) return undefined;
        throw blobError(`cannot read ${blobUrl(location, base + name)}`, e);
      }
    },
  };
  return store;
}
