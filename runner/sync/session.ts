// `ac-export run` and `ac-export plan`: wire config, key, client, state store and segment together, map every
// outcome to its exit code, and write the report. Everything printed passes through a redactor holding the key.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError, parseLocation } from "../config.js";
import { resolveBaseUrl } from "../ac/base-url.js";
import { createAcClient } from "../ac/client.js";
import { ApiKeyRejectedError } from "../ac/types.js";
import { parseCommandArgs, UsageError } from "../cli/args.js";
import type { Io } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";
import { loadConfig } from "../cli/load-config.js";
import { openSegment } from "../segment/index.js";
import { SegmentError } from "../segment/types.js";
import { openStateStore } from "../state/index.js";
import { LockedError, type StateLock } from "../state/types.js";
import { createEventSink } from "./events.js";
import { buildReport, renderMarkdown, renderRejectedCsv, type RunReport } from "./report.js";
import { applySync, prepareSync, PreflightError, type Applied, type Prepared, type SyncDeps } from "./sync.js";
import { formatPlan } from "./plan-text.js";

export const SYNC_OPTIONS = {
  config: { type: "string" },
  "report-json": { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
} as const;

/**
 * AC_TIME_SCALE: for a sandbox started with --time-scale N, the rate windows and backoff are N times shorter so the
 * run keeps the real limits' ratios. Only with AC_API_URL (a loopback sandbox); never against ActiveCampaign.
 */
function sandboxTimeScale(env: NodeJS.ProcessEnv): number {
  if (env.AC_TIME_SCALE === undefined) return 1;
  const n = Number(env.AC_TIME_SCALE);
  if (!env.AC_API_URL) throw new UsageError("AC_TIME_SCALE is only for a sandbox: set AC_API_URL to the sandbox's URL too");
  if (!Number.isFinite(n) || n < 1) throw new UsageError(`AC_TIME_SCALE must be a number ≥ 1; got ${JSON.stringify(env.AC_TIME_SCALE)}`);
  return n;
}

/** Wraps an output stream so the API key can never be printed, whatever a dependency puts in a message. */
function redacting<S extends { write(s: string): unknown; isTTY?: boolean }>(stream: S, secret: string | undefined): S {
  if (!secret || secret.length < 4) return stream;
  return { write: (s: string) => stream.write(s.split(secret).join("***")), isTTY: stream.isTTY } as S;
}

export async function executeSync(mode: "run" | "plan", argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs(mode, argv, SYNC_OPTIONS);
  const apiKey = io.env.AC_API_KEY?.trim();
  const out = redacting(io.stdout, apiKey);
  const err = redacting(io.stderr, apiKey);
  const startedAt = Date.now();

  let loaded;
  try {
    loaded = await loadConfig(values.config, io);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err.write(`invalid config (${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}):\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}\n`);
    return EXIT.BAD_INPUT;
  }
  const { config, baseDir } = loaded;
  for (const w of loaded.warnings) err.write(`warning: ${w}\n`);
  if (!apiKey) throw new UsageError("AC_API_KEY is not set: export the ActiveCampaign API key (Settings → Developer) in the AC_API_KEY environment variable");
  let baseUrl: string;
  try {
    baseUrl = resolveBaseUrl(config.connection.hostname, io.env);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const events = createEventSink(err, config.name, values.quiet || values.json);
  const timeScale = sandboxTimeScale(io.env);
  const client = createAcClient({
    baseUrl,
    apiKey,
    hostname: config.connection.hostname,
    rateLimit: config.rateLimit,
    signal: io.signal,
    timeScale,
    onEvent: (e) => {
      const { type, ...rest } = e;
      events.event(type, rest);
    },
  });
  const store = openStateStore(parseLocation(config.state, baseDir), config.name);
  const deps: SyncDeps = {
    config,
    client,
    store,
    segmentLocation: parseLocation(config.segment.source, baseDir),
    openSegment,
    events,
    signal: io.signal,
    timeScale,
  };

  let lock: StateLock | undefined;
  let prepared: Prepared | undefined;
  let applied: Applied | undefined;
  let exitCode: number = EXIT.OK;
  let error: string | undefined;
  try {
    if (mode === "run") lock = await store.lock();
    prepared = await prepareSync(deps);
    if (prepared.plan.blocked) {
      exitCode = EXIT.BAD_INPUT;
      error = prepared.plan.blocked;
    } else if (mode === "run") {
      applied = await applySync(deps, prepared, lock!);
      await store.writeSnapshot(prepared.state.encodeSnapshot());
    }
  } catch (e) {
    error = (e as Error).message;
    if (e instanceof LockedError) exitCode = EXIT.LOCKED;
    else if (e instanceof PreflightError || e instanceof SegmentError) exitCode = EXIT.BAD_INPUT;
    else if (e instanceof ApiKeyRejectedError) exitCode = EXIT.FAILED;
    else {
      exitCode = EXIT.FAILED;
      if (io.env.AC_EXPORT_DEBUG) err.write(`${(e as Error).stack}\n`);
    }
    // What was confirmed stays committed: compact the journal into a snapshot if the run got that far.
    if (applied === undefined && prepared && lock && exitCode === EXIT.FAILED) {
      await store.writeSnapshot(prepared.state.encodeSnapshot()).catch(() => undefined);
    }
  }
  events.done();
  if (exitCode === EXIT.OK && ((prepared?.plan.rejected.length ?? 0) > 0 || (applied?.failed.length ?? 0) > 0)) {
    exitCode = mode === "run" ? EXIT.PARTIAL : EXIT.OK;
  }

  const report = buildReport({
    config, mode, exitCode, startedAt,
    ...(prepared ? { plan: prepared.plan, listName: prepared.listName, segmentResolved: prepared.segmentResolved } : {}),
    ...(applied ? { applied } : {}),
    stats: client.stats(),
    ...(error ? { error } : {}),
  });

  try {
    if (mode === "run" && exitCode !== EXIT.LOCKED) report.artifacts = await writeArtifacts(store, report, prepared, applied);
  } catch (e) {
    err.write(`warning: could not write the run report to ${store.location}: ${(e as Error).message}\n`);
  } finally {
    await lock?.release().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  if (values["report-json"]) await writeFile(resolve(io.cwd, values["report-json"]), `${JSON.stringify(report, null, 2)}\n`);

  if (values.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    if (error) err.write(`ac-export ${mode}: ${error}\n`);
    if (mode === "plan" && prepared && !prepared.plan.blocked) out.write(formatPlan(report, prepared.plan, values.config));
    else if (mode === "run" && prepared) out.write(formatRunSummary(report));
  }
  return exitCode;
}

async function writeArtifacts(store: ReturnType<typeof openStateStore>, report: RunReport, prepared?: Prepared, applied?: Applied) {
  const artifacts: Record<string, string> = {};
  artifacts["report.md"] = await store.writeArtifact("report.md", renderMarkdown(report));
  artifacts["rejected.csv"] = await store.writeArtifact("rejected.csv", renderRejectedCsv(prepared?.plan, applied));
  report.artifacts = { ...artifacts, "report.json": "" };
  artifacts["report.json"] = await store.writeArtifact("report.json", `${JSON.stringify({ ...report, artifacts: undefined }, null, 2)}\n`);
  return artifacts;
}

function formatRunSummary(r: RunReport): string {
  const c = r.counts;
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `${r.export}: ${r.status} in ${r.durationSeconds} s → list ${r.destination.listId} on ${r.destination.hostname}`,
    `  added ${n(c.added)} · updated ${n(c.updated)} · unchanged ${n(c.unchanged)} · re-subscribed ${n(c.resubscribed)} · left (${r.onLeave}) ${n(c.leavers)} · kept unsubscribed ${n(c.keptUnsubscribed)} · rejected ${n(c.rejected)} · failed ${n(c.failed)}`,
  ];
  if (r.requests) lines.push(`  ${n(r.requests.total)} requests${r.throughput?.contactsSent ? ` · ${n(r.throughput.contactsPerMinute)} contacts/min` : ""}`);
  if (r.artifacts) {
    lines.push(`Report: ${r.artifacts["report.md"]}`);
    lines.push(`        ${r.artifacts["report.json"]}`);
    lines.push(`Rejected rows: ${r.artifacts["rejected.csv"]}`);
  }
  return `${lines.join("\n")}\n`;
}
