// The run's artifacts next to the state: report.md for people, rejected.csv with every row not sent, report.json.
import type { StateStore } from "../state/types.js";
import type { SyncOutcome } from "../sync/outcome.js";
import { renderMarkdown, renderRejectedCsv, type RunReport } from "../sync/report.js";

/** Writes the three artifacts; returns where each landed (report.json lists the other two, not itself). */
export async function writeArtifacts(store: StateStore, report: RunReport, outcome: SyncOutcome): Promise<Record<string, string>> {
  const applied = outcome.kind === "blocked" ? undefined : outcome.applied;
  const artifacts: Record<string, string> = {};
  artifacts["report.md"] = await store.writeArtifact("report.md", renderMarkdown(report));
  artifacts["rejected.csv"] = await store.writeArtifact("rejected.csv", renderRejectedCsv(outcome.prepared?.plan, applied));
  report.artifacts = { ...artifacts, "report.json": "" };
  artifacts["report.json"] = await store.writeArtifact("report.json", `${JSON.stringify({ ...report, artifacts: undefined }, null, 2)}\n`);
  return artifacts;
}
