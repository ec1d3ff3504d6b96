// Which log files make up the latest snapshot (PROTOCOL.md "Checkpoints", "Checkpoint Naming Scheme", "Last
// Checkpoint File"): the newest complete checkpoint, and every JSON commit after it, without a gap.
import { z } from "zod";
import { SegmentError } from "../types.js";
import type { TableStorage } from "./storage.js";

export const LOG_DIR = "_delta_log/";

export type CheckpointKind = "classic" | "multi-part" | "uuid";

export interface Checkpoint {
  version: number;
  kind: CheckpointKind;
  /** File names inside _delta_log/, in part order. */
  files: string[];
}

export interface LogSegment {
  /** The snapshot's version: the newest commit. */
  version: number;
  checkpoint?: Checkpoint;
  /** JSON commit file names after the checkpoint, in version order. */
  commits: string[];
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_PART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const UUID_NAMED = /^(\d{20})\.checkpoint\.([0-9A-Za-z-]+)\.(json|parquet)$/;

const LastCheckpointSchema = z.object({ version: z.number().int().nonnegative(), parts: z.number().int().positive().nullish() }).loose();

/** Complete checkpoints by version (a multi-part one only when every part is listed). */
function completeCheckpoints(names: string[]): Checkpoint[] {
  const found: Checkpoint[] = [];
  const parts = new Map<string, Map<number, string>>();
  for (const name of names) {
    let m: RegExpExecArray | null;
    if ((m = CLASSIC.exec(name))) found.push({ version: Number(m[1]), kind: "classic", files: [name] });
    else if ((m = MULTI_PART.exec(name))) {
      const key = `${m[1]}/${Number(m[3])}`;
      const got = parts.get(key) ?? new Map<number, string>();
      got.set(Number(m[2]), name);
      parts.set(key, got);
    } else if ((m = UUID_NAMED.exec(name))) found.push({ version: Number(m[1]), kind: "uuid", files: [name] });
  }
  for (const [key, got] of parts) {
    const [version, total] = key.split("/").map(Number) as [number, number];
    // Multi-part checkpoints are not written atomically: one with a missing part is ignored (PROTOCOL.md).
    if (got.size === total && [...got.keys()].every((p) => p >= 1 && p <= total)) {
      found.push({ version, kind: "multi-part", files: [...got.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]) });
    }
  }
  return found;
}

const KIND_PREFERENCE: Record<CheckpointKind, number> = { uuid: 0, classic: 1, "multi-part": 2 };

async function readLastCheckpoint(storage: TableStorage, signal?: AbortSignal): Promise<number | undefined> {
  // _last_checkpoint points near the end of the log. The listing stays the authority (a missing or unreadable
  // pointer is ignored); the pointer only proves a listing incomplete when it names a newer version.
  let source;
  try {
    source = await storage.open(`${LOG_DIR}_last_checkpoint`, signal);
  } catch (e) {
    if (e instanceof SegmentError) return undefined;
    throw e;
  }
  try {
    const chunks: Buffer[] = [];
    for await (const c of source.stream(signal)) chunks.push(c);
    const parsed = LastCheckpointSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    return parsed.success ? parsed.data.version : undefined;
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  } finally {
    await source.close();
  }
}

export async function findLogSegment(storage: TableStorage, signal?: AbortSignal): Promise<LogSegment> {
  const [hint, listed] = await Promise.all([readLastCheckpoint(storage, signal), storage.list(LOG_DIR, signal)]);
  const names = listed.map((f) => f.name);
  const commits = new Map<number, string>();
  for (const name of names) {
    const m = COMMIT.exec(name);
    if (m) commits.set(Number(m[1]), name);
  }
  const checkpoints = completeCheckpoints(names);
  if (commits.size === 0 && checkpoints.length === 0) {
    throw new SegmentError(`${storage.root} is not a Delta table: ${storage.root}${LOG_DIR} has no commit (${"0".repeat(20)}.json)`);
  }
  const version = Math.max(...commits.keys(), ...checkpoints.map((c) => c.version));
  if (hint !== undefined && hint > version) {
    // The listing is behind the table's own pointer (a store that lists late, or a copy in progress): reading it
    // would give an older snapshot than the table has, so it is refused rather than synced.
    throw new SegmentError(
      `the Delta log ${storage.root}${LOG_DIR} lists versions up to ${version}, but its _last_checkpoint names version ${hint}; the listing is incomplete, run again`,
    );
  }
  const checkpoint = checkpoints
    .filter((c) => c.version <= version)
    .sort((a, b) => b.version - a.version || KIND_PREFERENCE[a.kind] - KIND_PREFERENCE[b.kind])[0];
  const first = checkpoint ? checkpoint.version + 1 : 0;
  const wanted: string[] = [];
  for (let v = first; v <= version; v++) {
    const name = commits.get(v);
    if (!name) {
      const what = first === 0 && v === 0 ? "has no checkpoint and no first commit" : `is missing the commit of version ${v}`;
      throw new SegmentError(`the Delta log ${storage.root}${LOG_DIR} ${what}; it cannot be read (was it cleaned up while being written?)`);
    }
    wanted.push(name);
  }
  return { version, checkpoint, commits: wanted };
}
