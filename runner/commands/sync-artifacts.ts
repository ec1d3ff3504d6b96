// The run's artifacts next to the state: report.md for people, changes.csv with every contact the run changed or
// refused, rejected.csv with every row not sent, and report.json. Each run keeps its own copy under
// runs/<started-at>/ (e.g. runs/2026-12-01T14-00-00Z/), and the fixed names hold the latest run's copy.
import type { StateStore } from "../state/types.js";
import { redactArtifact } from "./redact-artifact.js";
import { listChanges, CHANGES_CSV_HEADER, type ChangeSource } from "../sync/changes.js";
import { CsvText } from "../sync/chunked-text.js";
import type { SyncOutcome } from "../sync/outcome.js";
import { renderMarkdown, renderRejectedCsv, type RunReport } from "../sync/report.js";

/** The run's folder name: its start time, without the characters a blob or file name cannot take. */
export const runFolder = (startedAt: string) => `runs/${startedAt.replace(/\.\d+Z$/, "Z").replace(/:/g, "-")}`;

/** changes.csv of a run: built line by line (a run may touch 1,000,000 contacts), BOM first. */
export async function renderChangesCsv(src: ChangeSource, outcome: SyncOutcome): Promise<Buffer> {
  const csv = new CsvText(CHANGES_CSV_HEADER);
  for await (const c of listChanges(src, outcome, "run")) csv.row([c.row, c.email, c.action, c.reason, c.batch]);
  return csv.toBuffer();
}

/**
 * Writes the four artifacts into the run's folder, then the latest copies. Returns where the run's copies landed
 * (report.artifacts, which report.json leaves out) and sets report.latestArtifacts.
 */
export async function writeArtifacts(store: StateStore, report: RunReport, outcome: SyncOutcome, src: ChangeSource, apiKey?: string): Promise<Record<string, string>> {
  const applied = outcome.kind === "blocked" ? undefined : outcome.applied;
  const folder = runFolder(report.startedAt);
  report.runId = folder.slice("runs/".length);
  const files: Array<[string, string | Buffer]> = (
    [
      ["report.md", renderMarkdown(report)],
      ["changes.csv", await renderChangesCsv(src, outcome)],
      ["rejected.csv", renderRejectedCsv(outcome.prepared?.plan, applied)],
      ["report.json", `${JSON.stringify({ ...report, artifacts: undefined, latestArtifacts: undefined }, null, 2)}\n`],
    ] as Array<[string, string | Buffer]>
  ).map(([name, data]) => [name, redactArtifact(data, apiKey)]);
  const artifacts: Record<string, string> = {};
  const latest: Record<string, string> = {};
  for (const [name, data] of files) artifacts[name] = await store.writeArtifact(`${folder}/${name}`, data);
  for (const [name, data] of files) latest[name] = await store.writeArtifact(name, data);
  report.latestArtifacts = latest;
  return artifacts;
}
