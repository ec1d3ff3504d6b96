// Bench section `sync-scale` (issue #12 "Scale"): a real first sync (`ac-export run`, the bundled runner) of N new
// contacts at each of --sync-scale-profiles, against a sandbox process in lean-contacts mode (email, dates and list
// memberships only, so 10,000,000 contacts fit), at a high --time-scale: the figure is memory, not throughput.
// Per N: the list is checked exact (the inspector's counts), and the runner's peak RSS (its own VmHWM, via the usage
// preload) is reported with bytes per member, next to the engine-only `scale` section's peak, against a 1 GiB job.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunReport } from "../../runner/sync/report.js";
import { runRunner, startSandboxProcess, type ProcResult, type SandboxProcess } from "./lib.js";
import { writeCsv } from "./segments.js";
import { atScale } from "./summary.js";
import type { SectionContext } from "./section.js";

export interface SyncScaleContext extends SectionContext {
  profiles: number[];
  timeScale: number;
  /** Each run's bound: past it the runner is killed and the section fails. */
  timeoutMs: number;
  /** The sandbox process's V8 old space (MB): 10,000,000 lean contacts need a few GB. */
  sandboxHeapMb: number;
  /** NODE_OPTIONS=--max-old-space-size for the runner (the bench's --runner-heap), as a small container would cap it. */
  runnerHeapMb?: number;
  /** The engine-only `scale` section's peak RSS per profile count, when it ran in the same bench. */
  enginePeak: Map<number, number>;
  jobBytes: number;
}

interface Measured {
  profiles: number;
  /** The runner's RSS sampled every 250 ms, the highest per phase of its event log (where the peak is reached). */
  byPhase: Map<string, number>;
  wallMs: number;
  runnerRss: number;
  /** The runner's highest V8 heap used and external memory (the state's typed arrays live outside the heap). */
  heapUsed: number;
  external: number;
  cpuMs: number;
  sandboxRss: number;
}

const mb = (bytes: number, fmt: SyncScaleContext["fmt"]) => `${fmt(bytes / 2 ** 20)} MB`;

/** A process's own peak RSS (VmHWM) or current RSS (VmRSS) while it still runs; 0 once it is gone. */
function rssOf(pid: number, which: "VmHWM" | "VmRSS"): number {
  try {
    const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The runner's phase from one event line: the plan reads the segment, then setup, the send pass, the end (snapshot). */
function phaseOf(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  if (line.includes('"event":"progress"') && line.includes('"phase":"reading segment"')) return "plan (reading the segment)";
  if (line.includes('"event":"phase"')) return line.includes('"phase":"sending') ? "send pass" : "setup before sending";
  if (line.includes('"event":"progress"') && line.includes('"phase":"sending"')) return "send pass";
  return undefined;
}

/** Samples the runner's RSS per phase while it runs (the preload gives only the peak at exit). */
function phaseSampler(profiles: number) {
  const byPhase = new Map<string, number>();
  const AFTER = "after the last confirmation (snapshot, report)";
  let phase = "start";
  let confirmed = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    byPhase,
    onSpawn: (child: { pid?: number }) => {
      timer = setInterval(() => {
        const rss = rssOf(child.pid!, "VmRSS");
        if (rss) byPhase.set(phase, Math.max(byPhase.get(phase) ?? 0, rss));
      }, 250);
    },
    onStderrLine: (line: string) => {
      // After the last confirmation (every contact is new: one batch per 250) the run writes its snapshot and report.
      if (line.includes('"event":"batch-confirmed"') && ++confirmed === Math.ceil(profiles / 250)) phase = AFTER;
      const p = phaseOf(line);
      if (p && phase !== AFTER) phase = p;
    },
    stop: () => clearInterval(timer),
  };
}

function failed(ctx: SyncScaleContext, n: number, r: ProcResult): Error {
  const tail = r.stderr.split("\n").slice(-12).join("\n");
  if (r.signal === "SIGKILL") {
    return new Error(`sync-scale: the first sync of ${ctx.fmt(n)} contacts did not finish within ${ctx.fmt(ctx.timeoutMs / 60_000, 1)} min (--sync-scale-timeout-min) and was killed; stderr (tail):\n${tail}`);
  }
  return new Error(`sync-scale: the first sync of ${ctx.fmt(n)} contacts exited ${r.code ?? r.signal}; stderr (tail):\n${tail}`);
}

async function syncOnce(ctx: SyncScaleContext, n: number): Promise<Measured> {
  const { fmt } = ctx;
  const csv = join(ctx.work, `sync-scale-${n}.csv`);
  const t0 = performance.now();
  writeCsv(csv, { from: 0, to: n });
  ctx.log(`sync-scale: wrote ${fmt(n)} rows (${mb(statSync(csv).size, fmt)}) in ${fmt((performance.now() - t0) / 1000, 1)} s; first sync at time scale ${ctx.timeScale}`);
  const sandbox: SandboxProcess = await startSandboxProcess({ timeScale: ctx.timeScale, apiKey: ctx.apiKey, args: ["--lean-contacts"], maxOldSpaceMb: ctx.sandboxHeapMb });
  try {
    await sandbox.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
    const listId = (await sandbox.createList(`sync scale ${n}`)).id;
    const dir = join(ctx.work, `sync-scale-${n}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "export.json"), JSON.stringify(ctx.configFor(`sync-scale-${n}`, listId, csv, { limits: { maxProfiles: 10_000_000 } })));
    const env = {
      AC_API_KEY: sandbox.apiKey,
      AC_API_URL: sandbox.url,
      AC_TIME_SCALE: String(ctx.timeScale),
      ...(ctx.runnerHeapMb ? { NODE_OPTIONS: `--max-old-space-size=${ctx.runnerHeapMb}` } : {}),
    };
    const sampler = phaseSampler(n);
    const r = await runRunner(["run", "--config", "export.json", "--report-json", "report.json"], {
      cwd: dir,
      env,
      usageFile: join(ctx.work, "sync-scale-usage.json"),
      timeoutMs: ctx.timeoutMs,
      onSpawn: sampler.onSpawn,
      onStderrLine: sampler.onStderrLine,
    }).finally(sampler.stop);
    writeFileSync(join(ctx.work, `sync-scale-${n}.stderr.log`), r.stderr);
    if (r.code !== 0 || !r.usage) throw failed(ctx, n, r);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as RunReport;
    if (report.counts.added !== n) throw new Error(`sync-scale: the first sync of ${fmt(n)} reported ${fmt(report.counts.added)} added`);
    const counts = await sandbox.counts(listId);
    if (counts.members !== n || counts.byStatus[1] !== n) throw new Error(`sync-scale: after the first sync of ${fmt(n)} the list has ${JSON.stringify(counts)}`);
    const stats = await sandbox.requests();
    if (stats.bulkContactsDistinct !== n) throw new Error(`sync-scale: the sandbox received ${fmt(stats.bulkContactsDistinct)} distinct contacts, expected ${fmt(n)}`);
    return { profiles: n, byPhase: sampler.byPhase, wallMs: r.wallMs, runnerRss: r.usage.maxRssBytes, heapUsed: r.usage.heapUsedBytes ?? 0, external: r.usage.externalBytes ?? 0, cpuMs: r.usage.userCpuMs + r.usage.systemCpuMs, sandboxRss: rssOf(sandbox.pid, "VmHWM") };
  } finally {
    await sandbox.close();
    rmSync(csv, { force: true });
  }
}

export async function measureSyncScale(ctx: SyncScaleContext): Promise<void> {
  const { fmt } = ctx;
  const lines = [
    "### Sync scale: the runner's memory during a real first sync of N contacts",
    "",
    "`ac-export run` (the bundled runner) against a sandbox process started with `--lean-contacts` (it keeps each",
    `contact's email, dates and list memberships only, so 10,000,000 fit), at \`--time-scale ${ctx.timeScale}\`: the figure is the`,
    "runner's memory, not its pace. Each list is checked exact (every member subscribed, by the inspector's counts; the",
    "report's added count; N distinct contacts received by the sandbox). Peak RSS = the runner process's own `VmHWM` at exit (usage preload);",
    "*engine* = the `scale` section's peak for the same N in this bench (plan, commits, snapshot; no network).",
    ...(ctx.runnerHeapMb ? ["", `The runner ran with \`NODE_OPTIONS=--max-old-space-size=${ctx.runnerHeapMb}\`.`] : []),
    "",
    "*Heap / external* = the runner's highest V8 heap used and external (ArrayBuffer) memory, sampled every second.",
    "In a container Node.js sizes its heap limit from the memory limit (about half of it: 512 MB in a 1 GiB job), while",
    "external memory is bounded only by the container.",
    "",
    "| profiles | wall | runner CPU | **runner peak RSS** | bytes / member | heap / external | engine peak (no network) | sandbox peak RSS | within 1 GiB |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  const phases: string[] = [];
  for (const n of ctx.profiles) {
    const m = await syncOnce(ctx, n);
    phases.push(`| ${fmt(n)} | ${[...m.byPhase].map(([p, rss]) => `${p}: ${mb(rss, fmt)}`).join("; ")} |`);
    const engine = ctx.enginePeak.get(n);
    const fits = m.runnerRss <= ctx.jobBytes;
    lines.push(
      `| ${fmt(n)} | ${fmt(m.wallMs / 1000, 1)} s | ${fmt(m.cpuMs / 1000, 1)} s | **${mb(m.runnerRss, fmt)}** | ${fmt(m.runnerRss / n)} B | ${mb(m.heapUsed, fmt)} / ${mb(m.external, fmt)} | ${engine ? mb(engine, fmt) : "not run"} | ${mb(m.sandboxRss, fmt)} | ${fits ? "yes" : "**no**"} |`,
    );
    ctx.summary.push({
      figure: `runner peak RSS during a real first sync of ${fmt(n)} contacts (sandbox --lean-contacts, --time-scale ${ctx.timeScale})`,
      measured: `${mb(m.runnerRss, fmt)} (${fmt(m.runnerRss / n)} B/member${engine ? `; engine alone ${mb(engine, fmt)}` : ""})`,
      target: "≤ 1 GiB",
      verdict: fits ? "met" : "MISSED",
      acceptance: atScale("rss", n),
    });
    ctx.log(`  ${fmt(n)}: runner peak ${mb(m.runnerRss, fmt)} (${fmt(m.runnerRss / n)} B/member), ${fmt(m.wallMs / 1000, 1)} s; sandbox peak ${mb(m.sandboxRss, fmt)}`);
  }
  lines.push("", "The runner's RSS sampled every 250 ms, highest per phase of its event log:", "", "| profiles | highest RSS by phase |", "|---:|---|", ...phases);
  ctx.sections.push(lines.join("\n"));
}
