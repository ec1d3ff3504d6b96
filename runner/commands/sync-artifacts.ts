// The run's artifacts next to the state: report.md for people, changes.csv with every contact the run changed or
// refused, rejected.csv with every row not sent, and report.json. Each run keeps its own copy under
// runs/<started-at>/ (e.g. runs/2026-12-01T14-00-00Z/), and the fixed names hold the latest run's copy.
import { csvRow } from "../output/csv-cell.js";
import type { ChunkStream, StateStore } from "../state/types.js";
import { redactArtifact } from "./redact-artifact.js";
import { listChanges, CHANGES_CSV_HEADER, type ChangeSource } from "../sync/changes.js";
import type { SyncOutcome } from "../sync/outcome.js";
import { renderMarkdown, renderRejectedCsv, type RunReport } from "../sync/report.js";

/** The run's folder name: its start time, without the characters a blob or file name cannot take. */
export const runFolder = (startedAt: string) => `runs/${startedAt.replace(/\.\d+Z$/, "Z").replace(/:/g, "-")}`;

const CHUNK_CHARS = 64 * 1024;
/** A changes.csv up to this size is made once and kept for its second copy; a bigger one is made again (one more pass). */
const KEEP_CHANGES_BYTES = 8 * 2 ** 20;

/**
 * changes.csv of a run, BOM first, streamed in ~64 KB chunks: at 10,000,000 contacts it is ~550 MB, which a 1 GiB job
 * cannot hold next to the state (issue #12 "Scale"). Each line is redacted on its own, so a key never straddles chunks.
 */
export function changesCsv(src: ChangeSource, outcome: SyncOutcome, apiKey?: string): ChunkStream {
  return keptWhileSmall(async function* () {
    let text = `\uFEFF${csvRow(CHANGES_CSV_HEADER)}\n`;
    for await (const c of listChanges(src, outcome, "run")) {
      text += redactArtifact(`${csvRow([c.row, c.email, c.action, c.reason, c.batch])}\n`, apiKey) as string;
      if (text.length < CHUNK_CHARS) continue;
      yield Buffer.from(text, "utf8");
      text = "";
    }
    yield Buffer.from(text, "utf8");
  }, KEEP_CHANGES_BYTES);
}

/** A stream whose chunks are kept for the next call while they total at most `keepBytes`; past that it is made again. */
export function keptWhileSmall(make: () => AsyncIterable<Buffer>, keepBytes: number): ChunkStream {
  let kept: Buffer[] | undefined;
  return async function* () {
    if (kept) return yield* kept;
    let chunks: Buffer[] | undefined = [];
    let bytes = 0;
    for await (const chunk of make()) {
      bytes += chunk.length;
      if (bytes > keepBytes) chunks = undefined;
      chunks?.push(chunk);
      yield chunk;
    }
    kept = chunks;
  };
}

/**
 * Writes the four artifacts into the run's folder, then the latest copies. Returns where the run's copies landed
 * (report.artifacts, which report.json leaves out) and sets report.latestArtifacts.
 */
export async function writeArtifacts(store: StateStore, report: RunReport, outcome: SyncOutcome, src: ChangeSource, apiKey?: string): Promise<Record<string, string>> {
  const applied = outcome.kind === "blocked" ? undefined : outcome.applied;
  const folder = runFolder(report.startedAt);
  report.runId = folder.slice("runs/".length);
  const files: Array<[string, string | Buffer | ChunkStream]> = (
    [
      ["report.md", renderMarkdown(report)],
      ["changes.csv", changesCsv(src, outcome, apiKey)],
      ["rejected.csv", renderRejectedCsv(outcome.prepared?.plan, applied)],
      ["report.json", `${JSON.stringify({ ...report, artifacts: undefined, latestArtifacts: undefined }, null, 2)}\n`],
    ] as Array<[string, string | Buffer | ChunkStream]>
  ).map(([name, data]) => [name, typeof data === "function" ? data : redactArtifact(data, apiKey)]);
  const artifacts: Record<string, string> = {};
  const latest: Record<string, string> = {};
  for (const [name, data] of files) artifacts[name] = await store.writeArtifact(`${folder}/${name}`, data);
  for (const [name, data] of files) latest[name] = await store.writeArtifact(name, data);
  report.latestArtifacts = latest;
  return artifacts;
}
