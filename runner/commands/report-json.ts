// The JSON report as printed (--json) or saved (--report-json). A plan's report also lists every planned change
// (the rows changes.csv would hold): one compact object per line, built in chunks, never one giant string.
import type { ReportHeader, RunReport } from "../sync/report.js";
import { listChanges } from "../sync/changes.js";
import { ChunkedText } from "../sync/chunked-text.js";
import type { SyncOutcome } from "../sync/outcome.js";
import type { WiredSync } from "./sync-wiring.js";

export async function reportJson(report: RunReport | ReportHeader, plan?: { outcome: SyncOutcome; wired?: WiredSync }): Promise<Buffer> {
  const head = JSON.stringify(report, null, 2);
  if (!plan?.wired || !plan.outcome.prepared) return Buffer.from(`${head}\n`, "utf8");
  const text = new ChunkedText();
  text.write(`${head.slice(0, -2)},\n  "changes": [`);
  let first = true;
  for await (const c of listChanges(plan.wired.deps, plan.outcome, "plan")) {
    text.write(`${first ? "\n" : ",\n"}    ${JSON.stringify(c)}`);
    first = false;
  }
  text.write(first ? "]\n}\n" : "\n  ]\n}\n");
  return text.toBuffer();
}
