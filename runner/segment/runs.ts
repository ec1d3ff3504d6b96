// Runs: the folders of parts an exporter writes, one per run. Which runs are complete, and which one to read.
//
// A run is complete when (first rule that has a say wins):
// 1. Synapse Link's Changelog/changelog.info names it, or its own model.json is still empty: being written;
// 2. its markers: "_SUCCESS" (and no part changed after it) or a "_committed_<id>" for every "_started_<id>";
// 3. a manifest (a CDM model.json) lists exactly its parts, or lists this folder's parts differently;
// 4. a Synapse Link changelog exists and names another folder;
// 5. when other runs of the source carry "_SUCCESS", or its parts are named as Spark names them, a run without
//    "_SUCCESS" is not complete;
// 6. otherwise, no file of it changed for the settle time.
// The newest complete run is read; newer runs that are not complete are passed over, and the reason says so.
import { dirName, markerKind, naturalCompare } from "./parts.js";
import type { StoreEntry } from "./store.js";
import { SegmentNotReadyError } from "./types.js";

export interface Run {
  /** The run's folder relative to the source ("" = the source folder itself), ending in "/". */
  dir: string;
  /** Its data parts, in natural name order. */
  parts: StoreEntry[];
  /** Every file directly in its folder (parts, markers, metadata). */
  files: StoreEntry[];
}

export interface Verdict {
  complete: boolean;
  how: string;
}

export interface RunRules {
  settleMinutes: number;
  now: Date;
  /** What a manifest says about the run, or undefined when it has no say. */
  manifest?: (run: Run) => Verdict | undefined;
  /** The folder Synapse Link's Changelog/changelog.info names as being written (when that file exists). */
  inProgress?: string;
  /** Some run of this source has "_SUCCESS": the writer uses markers. */
  markersInUse: boolean;
}

export const DEFAULT_SETTLE_MINUTES = 15;

/** Part names Spark writes: part-00000-<uuid>-c000.csv, part-00000-tid-<id>-….csv (Data Factory data flows). */
const SPARK_PART = /^part-\d{5}-/;

/** The run folder of a part: its folder, without trailing Hive partition folders ("country=DE/") of one write. */
export function runDirOf(name: string): string {
  let dir = dirName(name);
  while (/(^|\/)[^/=]+=[^/]*\/$/.test(dir)) dir = dir.replace(/[^/]+\/$/, "");
  return dir;
}

/** Group the parts into runs, oldest first (natural order of the folder names: timestamps sort by time). */
export function groupRuns(entries: StoreEntry[], isPart: (e: StoreEntry) => boolean, dirOf: (name: string) => string = runDirOf): Run[] {
  const runs = new Map<string, Run>();
  for (const e of entries) {
    if (!isPart(e)) continue;
    const dir = dirOf(e.name);
    let run = runs.get(dir);
    if (!run) runs.set(dir, (run = { dir, parts: [], files: [] }));
    run.parts.push(e);
  }
  for (const e of entries) runs.get(dirName(e.name))?.files.push(e);
  for (const run of runs.values()) run.parts.sort((a, b) => naturalCompare(a.name, b.name));
  return [...runs.values()].sort((a, b) => naturalCompare(a.dir, b.dir));
}

const minutes = (ms: number): string => {
  const m = ms / 60_000;
  return m < 1 ? `${Math.max(0, Math.round(ms / 1000))} s` : m < 120 ? `${Math.floor(m)} min` : `${(m / 60).toFixed(1)} h`;
};

export function judge(run: Run, rules: RunRules): Verdict {
  const dir = run.dir.replace(/\/$/, "");
  if (rules.inProgress && dir.split("/").includes(rules.inProgress)) {
    return { complete: false, how: "Synapse Link's Changelog/changelog.info names it as the folder being written" };
  }
  if (run.files.some((f) => f.name.endsWith("model.json") && dirName(f.name) === run.dir && f.size === 0)) {
    return { complete: false, how: "its model.json is still empty (written last, when the folder is complete)" };
  }
  const success = run.files.find((f) => markerKind(f.name) === "success");
  if (success) {
    const later = run.parts.find((p) => p.lastModified.getTime() > success.lastModified.getTime());
    return later
      ? { complete: false, how: `a part changed after its _SUCCESS marker (${later.name.slice(run.dir.length)})` }
      : { complete: true, how: "it has a _SUCCESS marker" };
  }
  const started = run.files.filter((f) => markerKind(f.name) === "started").map((f) => f.name.slice(f.name.lastIndexOf("_started_") + 9));
  if (started.length > 0) {
    const committed = new Set(run.files.filter((f) => markerKind(f.name) === "committed").map((f) => f.name.slice(f.name.lastIndexOf("_committed_") + 11)));
    const open = started.filter((id) => !committed.has(id));
    return open.length > 0
      ? { complete: false, how: `_started_${open[0]} has no _committed_${open[0]} yet` }
      : { complete: true, how: "every _started_ marker has its _committed_ marker" };
  }
  const manifest = rules.manifest?.(run);
  if (manifest) return manifest;
  if (rules.inProgress) return { complete: true, how: `Synapse Link's Changelog/changelog.info names another folder (${rules.inProgress})` };
  if (rules.markersInUse) return { complete: false, how: "it has no _SUCCESS marker yet (other runs of this source have one)" };
  if (run.parts.every((p) => SPARK_PART.test(p.name.slice(p.name.lastIndexOf("/") + 1)))) {
    // Spark (and Databricks, and Data Factory data flows, which run on it) writes _SUCCESS last: without it the job
    // failed or is still running, however long ago the parts changed.
    return { complete: false, how: "its parts are Spark's (part-NNNNN-…), and Spark writes _SUCCESS when the job has succeeded; it has none yet" };
  }
  const newest = Math.max(...run.files.map((f) => f.lastModified.getTime()));
  const age = rules.now.getTime() - newest;
  if (age >= rules.settleMinutes * 60_000) {
    return { complete: true, how: `no file of it changed for ${minutes(age)} (settle time ${rules.settleMinutes} min)` };
  }
  return {
    complete: false,
    how: `a file of it changed ${minutes(age)} ago; without a _SUCCESS marker or a manifest it counts as complete after ${rules.settleMinutes} min without changes (segment.settleMinutes)`,
  };
}

/** The newest complete run and why; SegmentNotReadyError when no run is complete. */
export function chooseRun(runs: Run[], rules: RunRules, show: (dir: string) => string): { run: Run; reason: string } {
  const passed: string[] = [];
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i]!;
    const verdict = judge(run, rules);
    if (verdict.complete) {
      const which = passed.length === 0 ? "the newest run" : "the newest complete run";
      const also = passed.length > 0 ? `; not used: ${passed.join("; ")}` : "";
      return { run, reason: `${which} (${run.parts.length} part${run.parts.length === 1 ? "" : "s"}), complete: ${verdict.how}${also}` };
    }
    passed.push(`${show(run.dir)} (${verdict.how})`);
  }
  throw new SegmentNotReadyError(
    `no complete run to read yet, nothing was synced: ${passed.join("; ")}. Run again when the export has finished`,
  );
}
