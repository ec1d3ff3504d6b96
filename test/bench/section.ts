// What a bench section module gets from run.ts: where to work, the sandbox key, the export config builder, and where
// to put its summary rows and its section of BENCHMARKS.md.
import type { RequestStats } from "../../runner/sandbox/index.js";
import type { SandboxProcess } from "./lib.js";
import type { AcceptanceKey } from "./summary.js";

/** One row of BENCHMARKS.md's Summary table. */
export interface SummaryRow {
  figure: string;
  measured: string;
  target: string;
  verdict: "met" | "MISSED" | "info";
  /** The issue #12 acceptance figure this row measures (summary.ts ACCEPTANCE), if any. */
  acceptance?: AcceptanceKey | undefined;
}

export interface SectionContext {
  work: string;
  apiKey: string;
  configFor(name: string, listId: number, segment: string, extra?: Record<string, unknown>): object;
  log(s: string): void;
  fmt(n: number, digits?: number): string;
  summary: SummaryRow[];
  sections: string[];
}

/** The environment `ac-export` gets to talk to a sandbox process at its time scale. */
export const sandboxEnv = (sb: SandboxProcess): NodeJS.ProcessEnv => ({ AC_API_KEY: sb.apiKey, AC_API_URL: sb.url, AC_TIME_SCALE: String(sb.timeScale) });

/** Requests by endpoint between two snapshots of the sandbox's counters (endpoints with none left out). */
export function endpointDelta(before: RequestStats, after: RequestStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [ep, n] of Object.entries(after.byEndpoint)) {
    const d = n - (before.byEndpoint[ep] ?? 0);
    if (d) out[ep] = d;
  }
  return out;
}
