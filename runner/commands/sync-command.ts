// `ac-export run` and `ac-export plan`: the command line around the sync engine. It parses the arguments, loads the
// config, wires the engine (sync-wiring.ts), runs it (runner/sync/engine.ts), turns the outcome into an exit code and
// a report, writes the artifacts, and prints. Everything printed passes through a redactor holding the key.
import { JOB_ENV, RUN_LOG } from "../config/contract.js";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseCommandArgs } from "../cli/args.js";
import type { Io } from "../cli/command.js";
import { formatCommandError } from "../cli/command-error.js";
import { loadConfig } from "../cli/load-config.js";
import { redacting } from "../cli/redacting.js";
import type { ExportConfig } from "../config.js";
import { runSync, type SyncRun } from "../sync/engine.js";
import { createEventSink, type EventSink } from "../sync/events.js";
import { outcomeError, outcomeOfError, outcomeStatus, problemRowsOf, type SyncOutcome } from "../sync/outcome.js";
import { buildReport, reportHeader, type RemovalOverride, type ReportHeader, type RunReport } from "../sync/report.js";
import type { SyncMode } from "../sync/types.js";
import { formatPlan } from "./plan-text.js";
import { reportJson } from "./report-json.js";
import { removalOverride } from "./removal-override.js";
import { formatRunSummary } from "./run-summary.js";
import { writeArtifacts } from "./sync-artifacts.js";
import { redactArtifact } from "./redact-artifact.js";
import { exitCodeOf } from "./sync-exit.js";
import { wireSync, type WiredSync } from "./sync-wiring.js";

export const SYNC_OPTIONS = {
  config: { type: "string" },
  "report-json": { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  "allow-removals": { type: "string" },
} as const;

interface SyncOptions {
  config?: string;
  "report-json"?: string;
  json?: boolean;
  quiet?: boolean;
  "allow-removals"?: string;
}

type Out = Io["stdout"];

/** How far the command got: the outcome, and what was set up on the way (to report on and to close). */
interface Progress {
  outcome: SyncOutcome;
  /** The error that stopped the command before the engine ran (printed even with --json, as always). */
  early?: unknown;
  config?: ExportConfig;
  wired?: WiredSync;
  override?: RemovalOverride;
  run?: SyncRun;
  events?: EventSink;
}

export async function executeSync(mode: SyncMode, argv: string[], io: Io): Promise<number> {
  const startedAt = Date.now();
  const apiKey = io.env[JOB_ENV.apiKey]?.trim();
  const out = redacting(io.stdout, apiKey);
  const err = redacting(io.stderr, apiKey);
  // Until the arguments parse, --json is taken at its word, so that even a usage error prints a JSON report.
  let options: SyncOptions = { json: argv.includes("--json") };
  let p: Progress;
  try {
    options = parseCommandArgs(mode, argv, SYNC_OPTIONS).values;
    p = await start(mode, options, io, apiKey, err);
  } catch (e) {
    p = { outcome: outcomeOfError(e), early: e };
  }
  const events = p.events ?? createEventSink(err, p.config?.name, options.quiet || options.json);
  const exitCode = exitCodeOf(p.outcome, mode, p.config);
  const status = outcomeStatus(p.outcome, mode);
  const error = outcomeError(p.outcome);
  // The JSON log's last line: how the command ended, with the error's code (its message follows as plain text), and
  // the problem-row counts alerts act on (a run under limits.maxProblemRows exits 0 but still has them).
  const problems = p.config && p.outcome.prepared ? problemRowsOf(p.outcome, p.config) : undefined;
  const counts = problems ? { [RUN_LOG.rowsRead]: problems.rowsRead, [RUN_LOG.rejected]: problems.rejected, [RUN_LOG.refused]: problems.refused } : {};
  events.event(RUN_LOG.finishedEvent, { status, exitCode, ...counts, ...(error ? { error: { code: error.code } } : {}) });
  events.done();
  if (p.early !== undefined) err.write(formatCommandError(mode, p.early));
  if (p.outcome.kind === "failed" && io.env.AC_EXPORT_DEBUG) err.write(`${(p.outcome.cause as Error)?.stack ?? String(p.outcome.cause)}\n`);

  const full =
    p.config &&
    buildReport({ config: p.config, mode, outcome: p.outcome, exitCode, startedAt, ...(p.wired ? { stats: p.wired.client.stats() } : {}), ...(p.override ? { override: p.override } : {}) });
  // Without a config (bad arguments or config) the report is only its header: mode, status, exit code, error.
  const report: RunReport | ReportHeader = full || reportHeader({ mode, outcome: p.outcome, exitCode, startedAt });
  await finishRun(p, full, mode, err, apiKey);
  // plan --json lists every planned change; the run's report leaves them to changes.csv.
  const json = options.json || options["report-json"] ? await reportJson(report, mode === "plan" && p.wired ? p : undefined) : undefined;
  if (json && options["report-json"]) await saveReportJson(resolve(io.cwd, options["report-json"]), redactArtifact(json, apiKey), err);

  if (json && options.json) out.write(json.toString("utf8"));
  else if (full) print(p, full, mode, options, out, err);
  return exitCode;
}

/** Load the config, wire the engine and run it. Throws only before the engine runs (the engine returns outcomes). */
async function start(mode: SyncMode, options: SyncOptions, io: Io, apiKey: string | undefined, err: Out): Promise<Progress> {
  const loaded = await loadConfig(options.config, io);
  const { config } = loaded;
  for (const w of loaded.warnings) err.write(`warning: ${w}\n`);
  const events = createEventSink(err, config.name, options.quiet || options.json);
  let wired: WiredSync;
  try {
    wired = wireSync(loaded, apiKey, io, events);
  } catch (e) {
    return { outcome: outcomeOfError(e), early: e, config, events };
  }
  const override = removalOverride(options, io.env);
  if (override) {
    wired.deps.allowRemovals = override.allowRemovals;
    events.event("warning", { message: `removal cap override for this run: ${override.source} ${override.allowRemovals}` });
  }
  await wired.share?.join();
  let run: SyncRun;
  try {
    run = await runSync(wired.deps, mode);
  } catch (e) {
    await wired.share?.leave(); // its heartbeat would keep the process alive
    throw e;
  }
  return { outcome: run.outcome, config, wired, run, events, ...(override ? { override } : {}) };
}

/** A run writes its artifacts while it still holds the lock (unless another run holds it), then lets go. */
async function finishRun(p: Progress, report: RunReport | undefined, mode: SyncMode, err: Out, apiKey: string | undefined): Promise<void> {
  const { wired, run } = p;
  try {
    const locked = p.outcome.kind !== "completed" && p.outcome.error.code === "LOCKED";
    if (mode === "run" && wired && run && !locked && report) report.artifacts = await writeArtifacts(wired.store, report, p.outcome, wired.deps, apiKey);
  } catch (e) {
    err.write(`warning: could not write the run report to ${wired?.store.location}: ${(e as Error).message}\n`);
  } finally {
    await run?.release();
    await wired?.share?.leave();
    await wired?.client.close().catch(() => undefined);
  }
}

/** The plan first (also when a limit blocks it: that is when its leavers matter), then the error. */
function print(p: Progress, report: RunReport, mode: SyncMode, options: SyncOptions, out: Out, err: Out): void {
  const { outcome } = p;
  const showPlan = mode === "plan" && (outcome.kind === "completed" || (outcome.kind === "blocked" && outcome.prepared));
  if (showPlan) out.write(formatPlan(report, outcome.prepared!.plan, options.config));
  else if (mode === "run" && outcome.prepared) out.write(formatRunSummary(report));
  if (outcome.kind !== "completed" && p.early === undefined) err.write(`ac-export ${mode}: ${outcome.error.message}\n`);
}

/** --report-json: a file that cannot be written is a warning, never a failure of a run that did its work. */
async function saveReportJson(path: string, json: string | Buffer, err: Out): Promise<void> {
  try {
    await writeFile(path, json);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err.write(`warning: could not write --report-json ${JSON.stringify(path)}${code ? ` (${code})` : ""}; the run's reports are next to the state\n`);
  }
}
