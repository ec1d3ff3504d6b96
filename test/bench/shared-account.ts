// Bench section "shared-account" (issue #12, REAL-ACCOUNT.md F6): a first sync while a background tenant (another
// integration: the account's web forms) spends part of the account's 5 requests/s and never retries. Measured in one
// run, each on a fresh sandbox process: the tenant's success rate during the sync next to the runner's throughput
// (send phase ÷ bulk floor), for the old default (the whole 5/s), the default (4/s: 1/s headroom), and the default
// under the overload reading (the limiter answers an HTML 503 without Retry-After). The default case runs at the
// bench's --rows (1,000,000 in the full run, as issue #12 asks); the two contrast cases at --shared-rows (a prefix of
// the same segment), which keeps the full bench's time down.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunReport } from "../../runner/sync/report.js";
import { runRunner, startSandboxProcess, type ProcResult, type SandboxProcess } from "./lib.js";

export interface SharedAccountContext {
  work: string;
  rows: number;
  /** Contacts for the contrast cases (the whole budget; the 503 reading): a prefix of `csv`. */
  contrastRows: number;
  timeScale: number;
  apiKey: string;
  csv: string;
  /** Background tenant rate, requests per (API) second. */
  tenantRps: number;
  floorPerMin: number;
  configFor(name: string, listId: number, segment: string, extra?: Record<string, unknown>): object;
  exportDir(name: string, config: object): string;
  runnerEnv(sandbox: SandboxProcess): NodeJS.ProcessEnv;
  sendPhase(stderr: string): { ms: number; batches: number };
  expectExit(what: string, r: ProcResult, codes: number[]): void;
  log(s: string): void;
}

export interface SharedAccountFigure {
  label: string;
  rows: number;
  requestsPerSecond: number;
  answer: 429 | 503;
  tenant: { attempts: number; succeeded: number; refused: number; rate: number };
  ratioSend: number;
  perMinSend: number;
  maxPerSecond: number;
  slowDowns: number;
  refusedOurs: number;
}

interface TenantStats {
  attempts: number;
  succeeded: number;
  refused: number;
}

const tenantOf = async (sandbox: SandboxProcess): Promise<TenantStats> => (await fetch(`${sandbox.url}/__sandbox/tenant`)).json() as Promise<TenantStats>;

/** `full`: at the bench's --rows; the others at --shared-rows. */
const CASES: Array<{ label: string; requestsPerSecond: number; answer: 429 | 503; full: boolean }> = [
  { label: "whole budget (5/s, the old default)", requestsPerSecond: 5, answer: 429, full: false },
  { label: "default: 4/s (1/s headroom)", requestsPerSecond: 4, answer: 429, full: true },
  { label: "default, overload reading (HTML 503, no Retry-After)", requestsPerSecond: 4, answer: 503, full: false },
];

/** The first `rows` members of a CSV segment (header kept), written next to it. */
function prefixCsv(csv: string, rows: number, out: string): string {
  const buf = readFileSync(csv);
  let at = -1;
  for (let i = 0; i <= rows && at < buf.length; i++) {
    at = buf.indexOf(10, at + 1);
    if (at < 0) return csv; // fewer rows than asked: the whole file
  }
  writeFileSync(out, buf.subarray(0, at + 1));
  return out;
}

export async function measureSharedAccount(ctx: SharedAccountContext): Promise<SharedAccountFigure[]> {
  const out: SharedAccountFigure[] = [];
  const contrastRows = Math.min(ctx.contrastRows, ctx.rows);
  const contrastCsv = contrastRows < ctx.rows ? prefixCsv(ctx.csv, contrastRows, join(ctx.work, `shared-segment-${contrastRows}.csv`)) : ctx.csv;
  for (const c of CASES) {
    const rows = c.full ? ctx.rows : contrastRows;
    const csv = c.full ? ctx.csv : contrastCsv;
    ctx.log(`shared account: ${c.label}, background tenant ${ctx.tenantRps}/s, ${rows} contacts at time scale ${ctx.timeScale}`);
    const sandbox = await startSandboxProcess({
      timeScale: ctx.timeScale,
      apiKey: ctx.apiKey,
      args: ["--background-tenant-rps", String(ctx.tenantRps), "--rate-limit-answer", String(c.answer)],
    });
    try {
      await sandbox.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
      const listId = (await sandbox.createList("bench shared account")).id;
      const name = `shared-${c.requestsPerSecond}-${c.answer}`;
      const dir = ctx.exportDir(name, ctx.configFor(name, listId, csv, { rateLimit: { requestsPerSecond: c.requestsPerSecond, bulkRequestsPerMinute: 100 } }));
      const before = await tenantOf(sandbox);
      const r = await runRunner(["run", "--config", "export.json", "--report-json", "report.json"], { cwd: dir, env: ctx.runnerEnv(sandbox) });
      const after = await tenantOf(sandbox);
      writeFileSync(join(ctx.work, `${name}.stderr.log`), r.stderr);
      ctx.expectExit(`shared account (${c.label})`, r, [0]);
      const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as RunReport;
      const subscribed = (await sandbox.members(listId, 1)).length;
      // A prefix of the segment may hold a few rows the segment's generator made invalid: its own members are expected.
      const expected = c.full ? ctx.rows : report.segment.members;
      if (report.counts.added !== expected || subscribed !== expected) throw new Error(`shared account (${c.label}): added ${report.counts.added}, subscribed ${subscribed}, expected ${expected}`);
      const stats = await sandbox.requests(true);
      // The sandbox's request log (arrival times, statuses), kept for a look at how the runner spaces its requests.
      writeFileSync(join(ctx.work, `${name}.requests.json`), JSON.stringify(stats.log ?? []));
      const send = ctx.sendPhase(r.stderr);
      const perMinSend = expected / ((send.ms * ctx.timeScale) / 60_000);
      const attempts = after.attempts - before.attempts;
      const succeeded = after.succeeded - before.succeeded;
      out.push({
        label: c.label,
        requestsPerSecond: c.requestsPerSecond,
        answer: c.answer,
        rows: expected,
        tenant: { attempts, succeeded, refused: after.refused - before.refused, rate: attempts ? succeeded / attempts : 1 },
        perMinSend,
        ratioSend: perMinSend / ctx.floorPerMin,
        maxPerSecond: stats.maxPerSecondObserved,
        slowDowns: report.requests?.rate?.slowDowns ?? 0,
        refusedOurs: stats.rejected429 + stats.rejected503,
      });
      ctx.log(`  tenant ${succeeded}/${attempts} succeeded; runner ${Math.round(perMinSend)}/min = ${(perMinSend / ctx.floorPerMin).toFixed(3)} of the floor`);
    } finally {
      await sandbox.close();
    }
  }
  return out;
}

/** The section's table (markdown rows) for BENCHMARKS.md. */
export function sharedAccountTable(figures: SharedAccountFigure[], ctx: Pick<SharedAccountContext, "rows" | "timeScale" | "tenantRps">): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `### Shared account: a first sync of up to ${ctx.rows.toLocaleString("en-US")} contacts next to another integration`,
    "",
    `A background tenant (\`--background-tenant-rps ${ctx.tenantRps}\`: the account's web forms, never retrying) spends part of`,
    `the account's 5 requests/s during the sync (\`--time-scale ${ctx.timeScale}\`). Its success rate during the run next to the`,
    "runner's throughput (send phase ÷ bulk floor), each case on a fresh sandbox process, in the same bench run. The default",
    "runs at the full size; the two contrast cases at a prefix of the segment (`--shared-rows`). The tenant's default is",
    "0.8/s, not the whole 1/s of headroom: at exactly 1/s its previous request sits on the edge of the rolling second,",
    "and a sync at the floor (≥ 3.23 requests/s) has 4 requests in at least 23% of the seconds however it spaces them",
    "(README, Performance, \"Headroom\").",
    "",
    "| runner's budget | limiter's answer | contacts | tenant succeeded / attempts | tenant success | runner ÷ floor | most requests in a second (runner, refused included) | our requests refused | slow-downs |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${f.label} | ${f.answer === 429 ? "429 + Retry-After" : "503, no Retry-After"} | ${f.rows.toLocaleString("en-US")} | ${f.tenant.succeeded} / ${f.tenant.attempts} | ${pct(f.tenant.rate)} | ${f.ratioSend.toFixed(3)} | ${f.maxPerSecond} | ${f.refusedOurs} | ${f.slowDowns} |`,
    ),
  ].join("\n");
}
