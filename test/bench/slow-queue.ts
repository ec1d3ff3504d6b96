// Bench sections of issue #12: the bulk pipeline against the sandbox's slow import queue (`--import-rate`, one batch
// after another, `waiting` while the backlog lasts), each in its own sandbox process.
//   slow-queue:   a first sync of N contacts through an importer of R contacts/min: contacts/min of the send phase
//                 ÷ R (goal ≥ 0.95), and duplicate imports (sandbox received − distinct; goal 0)
//   crash-resume: the same sync killed K times with SIGKILL after a random number of accepted batches, resumed each
//                 time: contacts sent more than once per kill (goal ≤ 2 batches = 500)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RequestStats } from "../../runner/sandbox/index.js";
import { parseEvents, runRunner, startSandboxProcess, type ProcResult, type SandboxProcess } from "./lib.js";
import { writeCsv } from "./segments.js";
import { sandboxEnv, type SectionContext } from "./section.js";

export interface SlowQueueContext extends SectionContext {
  timeScale: number;
  /** Contacts of the sync. */
  rows: number;
  /** The importer's contacts/min (AC time). */
  importRate: number;
  kills: number;
}

const env = sandboxEnv;

interface QueueExport {
  sb: SandboxProcess;
  listId: number;
  /** The export's folder (export.json) and segment. */
  dir: string;
  csv: string;
  /** The sandbox's counters before the section's runs. */
  before: RequestStats;
}

/**
 * A section's setup and teardown: a segment of `rows` contacts from id `from`, a sandbox with the slow importer, a list
 * and an export of it; the sandbox is stopped afterwards whatever happens.
 */
async function withQueueExport(ctx: SlowQueueContext, name: string, from: number, run: (q: QueueExport) => Promise<void>): Promise<void> {
  const csv = join(ctx.work, `${name}.csv`);
  writeCsv(csv, { from, to: from + ctx.rows });
  const sb = await startSandboxProcess({ timeScale: ctx.timeScale, apiKey: ctx.apiKey, args: ["--import-rate", String(ctx.importRate), "--import-jitter", "0.2"] });
  try {
    await sb.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
    const listId = (await sb.createList(`bench ${name.replace("-", " ")}`)).id;
    const dir = join(ctx.work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "export.json"), JSON.stringify(ctx.configFor(name, listId, csv, { limits: { maxProfiles: 1_000_000 } })));
    await run({ sb, listId, dir, csv, before: await sb.requests() });
  } finally {
    await sb.close();
  }
}

/** First batch sent → last batch confirmed, real ms; and the most batches in flight at once. */
function sendPhase(r: ProcResult): { ms: number; maxInFlight: number; batches: number } {
  const events = parseEvents(r.stderr);
  const first = events.find((e) => e.event === "batch-sent");
  const confirmed = events.filter((e) => e.event === "batch-confirmed");
  let now = 0;
  let maxInFlight = 0;
  for (const e of events) {
    if (e.event === "batch-sent") maxInFlight = Math.max(maxInFlight, ++now);
    else if (e.event === "batch-confirmed" || e.event === "batch-not-completed") now--;
  }
  const ms = first && confirmed.length ? Date.parse(confirmed.at(-1)!.time) - Date.parse(first.time) : 0;
  return { ms, maxInFlight, batches: confirmed.length };
}

export async function slowQueueSync(ctx: SlowQueueContext): Promise<void> {
  const { fmt, rows, importRate, timeScale } = ctx;
  ctx.log(`slow queue: first sync of ${fmt(rows)} contacts through a ${fmt(importRate)} contacts/min importer at time scale ${timeScale}`);
  await withQueueExport(ctx, "slow-queue", 5_000_000, async ({ sb, dir, before }) => {
    const r = await runRunner(["run", "--config", "export.json"], { cwd: dir, env: env(sb) });
    if (r.code !== 0) throw new Error(`slow-queue sync exited ${r.code ?? r.signal}: ${r.stderr.split("\n").slice(-10).join("\n")}`);
    const after = await sb.requests();
    const received = after.bulkContactsReceived - before.bulkContactsReceived;
    const duplicates = received - (after.bulkContactsDistinct - before.bulkContactsDistinct);
    const phase = sendPhase(r);
    const importerMs = (rows / importRate) * 60_000; // AC time the importer needs for the segment
    const ratio = importerMs / (phase.ms * timeScale);
    const polls = (after.byEndpoint["GET /import/info"] ?? 0) - (before.byEndpoint["GET /import/info"] ?? 0);
    ctx.sections.push(
      [
        `### Slow import queue: a first sync of ${fmt(rows)} contacts through a ${fmt(importRate)} contacts/min importer`,
        "",
        `Sandbox \`--import-rate ${importRate} --import-jitter 0.2 --time-scale ${timeScale}\` (its own process): batches run one after another,`,
        "`waiting` while the backlog lasts. The send phase is the first batch sent to the last one confirmed, in AC time.",
        "",
        "| | |",
        "|---|---:|",
        `| importer's time for the segment (AC time) | ${fmt(importerMs / 60_000, 1)} min |`,
        `| send phase (AC time) | ${fmt((phase.ms * timeScale) / 60_000, 1)} min |`,
        `| **÷ importer's throughput** | **${fmt(ratio, 3)}** |`,
        `| contacts received by the sandbox / distinct / **duplicates** | ${fmt(received)} / ${fmt(received - duplicates)} / **${fmt(duplicates)}** |`,
        `| most batches in flight (the old fixed cap: 200) | ${fmt(phase.maxInFlight)} |`,
        `| \`import/info\` polls per batch | ${fmt(polls / Math.max(1, phase.batches), 2)} |`,
      ].join("\n"),
    );
    ctx.summary.push({ figure: `first sync of ${fmt(rows)} through a ${fmt(importRate)}/min importer: throughput ÷ the importer's`, measured: fmt(ratio, 3), target: "≥ 0.95", verdict: ratio >= 0.95 ? "met" : "MISSED", acceptance: "slow-importer" });
    ctx.summary.push({ figure: "the same sync: duplicate imports (sandbox received − distinct)", measured: fmt(duplicates), target: "0", verdict: duplicates === 0 ? "met" : "MISSED", acceptance: "slow-importer" });
    ctx.log(`  ${fmt(ratio, 3)} of the importer's throughput, ${duplicates} duplicates, at most ${phase.maxInFlight} batches in flight`);
  });
}

export async function crashResume(ctx: SlowQueueContext): Promise<void> {
  const { fmt, rows, kills } = ctx;
  ctx.log(`crash resume: ${fmt(rows)} contacts through the slow queue, killed ${kills} times`);
  await withQueueExport(ctx, "crash-resume", 7_000_000, async ({ sb, listId, dir, csv, before }) => {
    const batches = Math.ceil(rows / 250);
    let seed = 12_345;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    // A kill lands anywhere in the gap between two accepted batches (the importer's pace at this time scale): at a
    // random moment, so in proportion to the time a POST is waiting for its answer, when a kill costs a re-send.
    const gapMs = 60_000 / ((ctx.importRate * ctx.timeScale) / 250);
    let killed = 0;
    let versions = 1;
    for (let attempt = 0; killed < kills && attempt < kills * 3; attempt++) {
      const afterSent = 1 + rand(Math.max(1, Math.ceil(batches / kills)));
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const r = await runRunner(["run", "--config", "export.json"], {
        cwd: dir,
        env: env(sb),
        onStderrLine: (line, child) => {
          if (!timer && line.includes('"event":"batch-sent"') && ++sent >= afterSent) timer = setTimeout(() => child.kill("SIGKILL"), rand(Math.max(50, Math.round(gapMs))));
        },
      });
      clearTimeout(timer);
      if (r.signal === "SIGKILL") killed++;
      else if (versions === 1) {
        // The sync completed before its kill point: every member changes (tier), and the kills go on in that sync.
        versions++;
        writeCsv(csv, { from: 7_000_000, to: 7_000_000 + rows, changed: () => true });
      } else break;
    }
    const last = await runRunner(["run", "--config", "export.json"], { cwd: dir, env: env(sb) });
    if (last.code !== 0) throw new Error(`crash-resume final run exited ${last.code ?? last.signal}`);
    const after = await sb.requests();
    const subscribed = (await sb.members(listId, 1)).length;
    const resent = after.bulkContactsReceived - before.bulkContactsReceived - rows * versions;
    const perKill = killed ? resent / killed : 0;
    ctx.sections.push(
      [
        `### Crash resume: ${fmt(rows)} contacts through the slow queue, killed ${killed} times`,
        "",
        `SIGKILL after a random number of accepted batches plus a random part of the gap between two batches (up to ${fmt(Math.max(50, gapMs))} ms), the run started again each time; a final run completes.`,
        "",
        "| | |",
        "|---|---:|",
        `| kills | ${killed} (over ${versions} version(s) of the segment) |`,
        `| subscribed at the end / contacts | ${fmt(subscribed)} / ${fmt(rows)} |`,
        `| contacts sent more than once | ${fmt(resent)} |`,
        `| **per kill** | **${fmt(perKill, 1)}** (${fmt(perKill / 250, 2)} batches) |`,
      ].join("\n"),
    );
    ctx.summary.push({ figure: `crash resume: contacts re-sent per kill over ${killed} kills`, measured: `${fmt(perKill, 1)} (${fmt(perKill / 250, 2)} batches)`, target: "≤ 500 (2 batches)", verdict: perKill <= 500 && subscribed === rows ? "met" : "MISSED", acceptance: "crash-resume" });
    ctx.log(`  ${resent} contacts re-sent over ${killed} kills (${fmt(perKill, 1)} per kill); ${subscribed}/${rows} subscribed`);
  });
}
