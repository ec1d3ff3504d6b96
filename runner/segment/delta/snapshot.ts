// The latest snapshot of a Delta table by log replay (PROTOCOL.md "Action Reconciliation"): the newest checkpoint
// (classic, multi-part, or V2 with sidecars), then each later JSON commit in order. The protocol is checked as soon
// as it is known, so an unsupported table is refused before its data (or even its checkpoint's file list) is read.
import type { AsyncBuffer } from "hyparquet";
import { SegmentError } from "../types.js";
import { collectAction, emptyActions, LogFormatError, parseJsonActions, type Actions, type AddAction, type MetadataAction, type ProtocolAction } from "./actions.js";
import { findLogSegment, LOG_DIR, type Checkpoint } from "./log-files.js";
import { assertReadable } from "./protocol.js";
import { isAbsoluteUri, type TableStorage } from "./storage.js";

export interface Snapshot {
  version: number;
  protocol: ProtocolAction;
  metadata: MetadataAction;
  /** The table's logical files, in log order. */
  files: AddAction[];
  /** How the snapshot was found, for reports: e.g. "checkpoint 10 (classic) + 2 commits". */
  source: string;
}

/** The logical file key: (path, deletion vector unique id). */
function fileKey(a: { path: string; deletionVector?: { storageType: string; pathOrInlineDv: string; offset?: number | null } | null }): string {
  const dv = a.deletionVector;
  return dv ? `${a.path}\u0000${dv.storageType}${dv.pathOrInlineDv}${dv.offset == null ? "" : `@${dv.offset}`}` : a.path;
}

async function readText(storage: TableStorage, relative: string, signal?: AbortSignal): Promise<string> {
  const source = await storage.open(relative, signal);
  try {
    const chunks: Buffer[] = [];
    for await (const c of source.stream(signal)) chunks.push(c);
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await source.close();
  }
}

const CHECKPOINT_COLUMNS = ["add", "protocol", "metaData", "sidecar"];
const SIDECAR_COLUMNS = ["add"];

/** The action rows of a Parquet log file (checkpoint part or sidecar), only the named top-level columns. */
async function readParquetActions(storage: TableStorage, relative: string, columns: string[], into: Actions, signal?: AbortSignal): Promise<void> {
  const { parquetMetadataAsync, parquetSchema, parquetReadObjects } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  const source = await storage.open(relative, signal);
  try {
    const file: AsyncBuffer = await source.randomAccess(signal);
    let rows: Record<string, unknown>[];
    try {
      const metadata = await parquetMetadataAsync(file);
      const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
      const wanted = columns.filter((c) => present.has(c));
      rows = wanted.length ? await parquetReadObjects({ file, metadata, columns: wanted, compressors }) : [];
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new SegmentError(`${storage.root}${relative} is not a readable Parquet log file (${e instanceof Error ? e.message : String(e)})`);
    }
    for (const row of rows) collectAction(row, into);
  } finally {
    await source.close();
  }
}

/** Reads a checkpoint; the protocol it holds is checked before its sidecars (its file actions) are read. */
async function readCheckpoint(storage: TableStorage, checkpoint: Checkpoint, protocolKnown: boolean, signal?: AbortSignal): Promise<Actions> {
  const actions = emptyActions();
  for (const name of checkpoint.files) {
    const relative = LOG_DIR + name;
    try {
      if (name.endsWith(".json")) parseJsonActions(await readText(storage, relative, signal), actions);
      else await readParquetActions(storage, relative, CHECKPOINT_COLUMNS, actions, signal);
    } catch (e) {
      if (e instanceof LogFormatError) throw new SegmentError(`the Delta checkpoint ${storage.root}${relative} is malformed: ${e.message}`);
      throw e;
    }
  }
  if (!protocolKnown && actions.protocol) assertReadable(actions.protocol, storage.root);
  for (const sidecar of actions.sidecars) {
    // Sidecars live in _delta_log/_sidecars/; the log usually names them by file name only.
    const relative = isAbsoluteUri(sidecar.path) ? storage.relativeOf(sidecar.path) : `${LOG_DIR}_sidecars/${storage.relativeOf(sidecar.path)}`;
    try {
      await readParquetActions(storage, relative, SIDECAR_COLUMNS, actions, signal);
    } catch (e) {
      if (e instanceof LogFormatError) throw new SegmentError(`the Delta checkpoint sidecar ${storage.root}${relative} is malformed: ${e.message}`);
      throw e;
    }
  }
  return actions;
}

/** Commit files read at the same time: enough to hide blob latency, few enough for file handles and the service. */
const COMMIT_READS_AT_ONCE = 8;

/** `work` over `items` with at most `limit` running at once; results in the items' order. */
async function mapInOrder<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function loadSnapshot(storage: TableStorage, signal?: AbortSignal): Promise<Snapshot> {
  const segment = await findLogSegment(storage, signal);
  // Commits after the checkpoint are small: read them all first, so the newest protocol is known before anything else.
  const commits = await mapInOrder(segment.commits, COMMIT_READS_AT_ONCE, async (name) => {
    try {
      return parseJsonActions(await readText(storage, LOG_DIR + name, signal));
    } catch (e) {
      if (e instanceof LogFormatError) throw new SegmentError(`the Delta commit ${storage.root}${LOG_DIR}${name} is malformed: ${e.message}`);
      throw e;
    }
  });
  let protocol = commits.findLast((c) => c.protocol)?.protocol;
  let metadata = commits.findLast((c) => c.metadata)?.metadata;
  if (protocol) assertReadable(protocol, storage.root);
  const active = new Map<string, AddAction>();
  if (segment.checkpoint) {
    const cp = await readCheckpoint(storage, segment.checkpoint, protocol !== undefined, signal);
    protocol ??= cp.protocol;
    metadata ??= cp.metadata;
    // A checkpoint's remove actions are tombstones for VACUUM only; its adds are the files at that version.
    for (const add of cp.adds) active.set(fileKey(add), add);
  }
  if (!protocol || !metadata) {
    throw new SegmentError(`the Delta log ${storage.root}${LOG_DIR} has no ${protocol ? "metaData" : "protocol"} action up to version ${segment.version}`);
  }
  assertReadable(protocol, storage.root);
  for (const commit of commits) {
    // Within one commit a path may be removed with one deletion vector and added with another: removes first.
    for (const remove of commit.removes) active.delete(fileKey(remove));
    for (const add of commit.adds) active.set(fileKey(add), add);
  }
  const provider = metadata.format?.provider ?? "parquet";
  if (provider !== "parquet") throw new SegmentError(`the Delta table ${storage.root} stores its data as ${JSON.stringify(provider)}; only Parquet is read`);
  const cp = segment.checkpoint;
  const source = `${cp ? `checkpoint ${cp.version} (${cp.kind}) + ` : ""}${segment.commits.length} commit(s)`;
  return { version: segment.version, protocol, metadata, files: [...active.values()], source };
}
