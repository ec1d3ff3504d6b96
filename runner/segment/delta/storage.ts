// The files of one Delta table, as a local folder or an Azure Blob prefix. Listing a folder (the _delta_log) is the
// one thing a single-file source cannot do; every read goes through runner/segment/source.ts, so blobs are read by
// ETag-conditional ranged requests exactly as the Parquet reader reads them.
import { readdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Location } from "../../config.js";
import { blobError, blobStatus, blobUrl, containerClientFor, type BlobLocation } from "../../azure/blob.js";
import { openSource, type ByteSource } from "../source.js";
import { SegmentError } from "../types.js";

export interface ListedFile {
  /** The file name inside the listed folder (no folder part). */
  name: string;
}

export interface TableStorage {
  /** The table root for messages: a folder path or a blob URL, ending in "/". */
  readonly root: string;
  /** Files directly inside `dir` (relative to the root, e.g. "_delta_log/"); an absent folder lists as empty. */
  list(dir: string, signal?: AbortSignal): Promise<ListedFile[]>;
  /** Opens a file by the path relativeOf gave (relative to the root; absolute for a local file: URI). */
  open(relative: string, signal?: AbortSignal): Promise<ByteSource>;
  /** A path as the log writes it (a relative URI path, or an absolute URI) → the path to open. */
  relativeOf(logPath: string): string;
}

export function tableStorage(location: Location): TableStorage {
  return location.kind === "file" ? fileTable(location.path) : blobTable(location);
}

/** True for an absolute URI ("file:///…", "abfss://…"); the log's other paths are relative to the table root. */
export const isAbsoluteUri = (path: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(path);

/** Decodes a log path (RFC 2396 URI path, e.g. "a%20b/part.parquet"), reporting a malformed one as bad input. */
function decodePath(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new SegmentError(`the Delta log names a file with a malformed path ${JSON.stringify(path.slice(0, 200))}`);
  }
  // Relative paths are "from the root of the table": one that climbs out of it is not a Delta path.
  if (decoded.split("/").includes("..")) throw new SegmentError(`the Delta log names a file outside the table: ${JSON.stringify(path.slice(0, 200))}`);
  return decoded;
}

function fileTable(folder: string): TableStorage {
  const base = folder.endsWith("/") ? folder : `${folder}/`;
  return {
    root: base,
    async list(dir) {
      try {
        const entries = await readdir(join(base, dir), { withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => ({ name: e.name }));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return [];
        if (code === "EACCES" || code === "EPERM") throw new SegmentError(`cannot list ${join(base, dir)}: permission denied`);
        throw e;
      }
    },
    open: (relative) => openSource({ kind: "file", path: isAbsolute(relative) ? relative : join(base, relative) }),
    relativeOf(logPath) {
      if (!isAbsoluteUri(logPath)) return decodePath(logPath);
      if (!logPath.startsWith("file:")) {
        throw new SegmentError(`the Delta table ${base} names a file outside the local file system (${describeUri(logPath)}); only file: paths can be read here`);
      }
      try {
        return fileURLToPath(logPath);
      } catch {
        throw new SegmentError(`the Delta table ${base} names a file by a file: URI that is not a local path (${describeUri(logPath)})`);
      }
    },
  };
}

/** Scheme and host of a URI, never its query (which could hold a token). */
function describeUri(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`.slice(0, 300);
  } catch {
    return JSON.stringify(uri.split("?")[0]!.slice(0, 300));
  }
}

function blobTable(location: BlobLocation): TableStorage {
  const prefix = location.path === "" || location.path.endsWith("/") ? location.path : `${location.path}/`;
  const root = blobUrl(location, prefix);
  const at = (relative: string): BlobLocation => ({ ...location, path: prefix + relative });
  return {
    root,
    async list(dir, signal) {
      const container = await containerClientFor(location);
      const folder = prefix + dir;
      const out: ListedFile[] = [];
      try {
        // Hierarchical listing: only the folder's own files, not _sidecars/ or _staged_commits/ below it.
        for await (const item of container.listBlobsByHierarchy("/", { prefix: folder, abortSignal: signal })) {
          if (item.kind === "blob") out.push({ name: item.name.slice(folder.length) });
        }
      } catch (e) {
        if (blobStatus(e) === 404) throw new SegmentError(`segment container not found: ${blobUrl(location, "")}`);
        throw blobError(`cannot list ${blobUrl(location, folder)}`, e);
      }
      return out;
    },
    open: (relative, signal) => openSource(at(relative), signal),
    relativeOf(logPath) {
      if (!isAbsoluteUri(logPath)) return decodePath(logPath);
      const name = blobNameOf(logPath, location);
      if (name === undefined || !name.startsWith(prefix)) {
        throw new SegmentError(
          `the Delta table ${root} names a file outside its own folder (${describeUri(logPath)}); the runner reads only the table's container and folder`,
        );
      }
      return name.slice(prefix.length);
    },
  };
}

/** The blob name an absolute URI (https, abfs[s], wasb[s]) points to in the location's account and container. */
function blobNameOf(uri: string, location: BlobLocation): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  const path = decodePath(u.pathname.replace(/^\//, ""));
  if (u.protocol === "abfs:" || u.protocol === "abfss:" || u.protocol === "wasb:" || u.protocol === "wasbs:") {
    // <container>@<account>.dfs|blob.core.windows.net/<path>
    const account = u.hostname.split(".")[0];
    return u.username === location.container && account === location.account ? path : undefined;
  }
  const containerUrl = `${location.endpoint}/${location.container}/`;
  const plain = `${u.protocol}//${u.host}${u.pathname}`;
  return plain.startsWith(containerUrl) ? decodePath(plain.slice(containerUrl.length)) : undefined;
}
