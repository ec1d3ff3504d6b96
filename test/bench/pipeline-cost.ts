// Section 1 of `npm run bench`, pipeline cost: the runner process `ac-export plan` (first plan against an empty state)
// versus a process doing only the bare parse of the same file (bare-parse.ts), for CSV and Parquet, at each of the
// sizes asked (the full run: 1,000,000 and 3,000,000 rows; `--rows N`: N only). Ratios are measured in the same run:
// on a shared machine absolute times move, the ratio of two processes run back to back much less.
import { join } from "node:path";
import { statSync } from "node:fs";
import { runNode, runRunner, type ProcResult, type SandboxProcess } from "./lib.js";
import { writeCsv, writeParquet } from "./segments.js";

export interface PipelineContext {
  work: string;
  sandbox: SandboxProcess;
  listId: number;
  /** The bundled bare parser (bare-parse.ts). */
  bare: string;
  /** Columns the bench's exports map (the bare parser reads only these, as the engine does). */
  columns: string[];
  repeat: number;
  /** Segment files already written, by row count (others are written here, into `work`). */
  files: Map<number, { csv: string; parquet: string }>;
  configFor(name: string, listId: number, segment: string, extra?: Record<string, unknown>): object;
  exportDir(name: string, config: object): string;
  runnerEnv(sandbox: SandboxProcess): NodeJS.ProcessEnv;
  expectExit(what: string, r: ProcResult, codes: number[]): void;
  log(s: string): void;
  fmt(n: number, digits?: number): string;
}

export interface PipelineFigure {
  rows: number;
  format: "CSV" | "Parquet";
  bytes: number;
  planMs: number;
  bareMs: number;
  planCpuMs: number;
  bareCpuMs: number;
  planRss: number;
  bareRss: number;
}

const cpu = (r: ProcResult) => r.usage!.userCpuMs + r.usage!.systemCpuMs;

/** Best of `repeat` (by wall time) of plan and of bare parse, alternated, for each size and format. */
export async function measurePipeline(ctx: PipelineContext, sizes: number[]): Promise<PipelineFigure[]> {
  const figures: PipelineFigure[] = [];
  for (const rows of sizes) {
    const files = await segmentFiles(ctx, rows);
    ctx.log(`pipeline cost: plan vs bare parse over ${ctx.fmt(rows)} rows, best of ${ctx.repeat}`);
    for (const [format, path] of [["CSV", files.csv], ["Parquet", files.parquet]] as const) {
      const name = `plan-${format.toLowerCase()}-${rows}`;
      const dir = ctx.exportDir(name, ctx.configFor(name, ctx.listId, path, { limits: { maxProfiles: 10_000_000 } }));
      let plan: ProcResult | undefined;
      let bare: ProcResult | undefined;
      for (let i = 0; i < ctx.repeat; i++) {
        // The plan as a person runs it (text): `plan --json` also lists every planned change, a second read of the
        // segment that this figure, the cost of deciding, leaves out.
        const p = await runRunner(["plan", "--config", "export.json"], { cwd: dir, env: ctx.runnerEnv(ctx.sandbox), usageFile: join(ctx.work, "usage.json") });
        ctx.expectExit(`plan (${format}, ${rows} rows)`, p, [0]);
        const adds = Number(/^\s+add\s+([\d,]+)/m.exec(p.stdout)?.[1]?.replace(/,/g, ""));
        if (adds !== rows) throw new Error(`plan (${format}) planned ${adds} adds, expected ${rows}`);
        const b = await runNode(ctx.bare, [path, format === "CSV" ? "csv" : "parquet", ctx.columns.join(",")], { usageFile: join(ctx.work, "usage.json") });
        ctx.expectExit(`bare parse (${format}, ${rows} rows)`, b, [0]);
        if (JSON.parse(b.stdout).rows !== rows) throw new Error(`bare parse (${format}) read ${b.stdout}`);
        if (!plan || p.wallMs < plan.wallMs) plan = p;
        if (!bare || b.wallMs < bare.wallMs) bare = b;
      }
      const f: PipelineFigure = {
        rows, format, bytes: statSync(path).size,
        planMs: plan!.wallMs, bareMs: bare!.wallMs, planCpuMs: cpu(plan!), bareCpuMs: cpu(bare!), planRss: plan!.usage!.maxRssBytes, bareRss: bare!.usage!.maxRssBytes,
      };
      figures.push(f);
      ctx.log(`  ${format}: plan ${ctx.fmt(f.planMs / 1000, 1)} s, bare ${ctx.fmt(f.bareMs / 1000, 1)} s → wall ${ctx.fmt(f.planMs / f.bareMs, 2)}×, CPU ${ctx.fmt(f.planCpuMs / f.bareCpuMs, 2)}×`);
    }
  }
  return figures;
}

async function segmentFiles(ctx: PipelineContext, rows: number): Promise<{ csv: string; parquet: string }> {
  const known = ctx.files.get(rows);
  if (known) return known;
  const files = { csv: join(ctx.work, `segment-${rows}.csv`), parquet: join(ctx.work, `segment-${rows}.parquet`) };
  const t = performance.now();
  writeCsv(files.csv, { from: 0, to: rows });
  await writeParquet(files.parquet, { from: 0, to: rows });
  ctx.log(`wrote the ${ctx.fmt(rows)}-row CSV and Parquet segments in ${ctx.fmt((performance.now() - t) / 1000, 1)} s`);
  ctx.files.set(rows, files);
  return files;
}

/** The section's table: one line per size and format, wall and CPU of both processes, their ratios and peak RSS. */
export function pipelineTable(figures: PipelineFigure[], repeat: number, fmt: PipelineContext["fmt"]): string {
  const mb = (bytes: number) => `${fmt(bytes / 2 ** 20)} MB`;
  const s = (ms: number) => `${fmt(ms / 1000, 1)} s`;
  const sizes = [...new Set(figures.map((f) => fmt(f.rows)))].join(" and ");
  return [
    `### Pipeline cost: \`ac-export plan\` over ${sizes} rows`,
    "",
    "The runner process (`ac-export plan`, first plan against an empty state: reads the segment, validates and",
    "normalizes every row, fingerprints it, diffs against the state, checks list and field in the sandbox) versus a",
    "process doing only the bare parse of the same file (`openSegment` with the engine's options, i.e. the 5 mapped",
    "columns of 8, + iterate every batch; bundled with the runner's esbuild settings).",
    `Wall and CPU time (user+sys) of the whole process (node start included), peak RSS = the process's own \`VmHWM\` read at exit; best of ${repeat} by wall time. Goal (issue #12): plan ≤ 1.5× the bare parse.`,
    "",
    "| rows | format | file | plan wall | bare wall | **wall ratio** | plan CPU | bare CPU | **CPU ratio** | plan peak RSS | bare peak RSS | plan rows/s |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${fmt(f.rows)} | ${f.format} | ${mb(f.bytes)} | ${s(f.planMs)} | ${s(f.bareMs)} | **${fmt(f.planMs / f.bareMs, 2)}×** | ${s(f.planCpuMs)} | ${s(f.bareCpuMs)} | **${fmt(f.planCpuMs / f.bareCpuMs, 2)}×** | ${mb(f.planRss)} | ${mb(f.bareRss)} | ${fmt(f.rows / (f.planMs / 1000))} |`,
    ),
  ].join("\n");
}
