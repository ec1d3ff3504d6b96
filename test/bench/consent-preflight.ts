// Bench section `consent` (issues #10 and #12): what the unsubscribed-set preflight costs. A list holds N contacts who
// unsubscribed themselves days ago (seeded through the sandbox's inspector) and a segment of M new members. The first
// run reads the whole set (100 a page); a re-run with the data unchanged refreshes the cache beside the state from
// counts and changes only. Reported: the requests of each run, by endpoint (the sandbox's own counts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runRunner, startSandboxProcess, type SandboxProcess } from "./lib.js";
import { endpointDelta, sandboxEnv, type SectionContext } from "./section.js";
import { writeCsv } from "./segments.js";

/** The aim of issue #10 for the re-run's preflight at 300,000 unsubscribed. */
const RERUN_TARGET = 20;
const SEED_CHUNK = 50_000;

export interface ConsentOptions {
  unsubscribed: number;
  segment: number;
  timeScale: number;
}

/** Seeds `n` contacts unsubscribed (by themselves, 3 days ago) from the list, in chunks under the inspector's body limit. */
async function seedUnsubscribed(sb: SandboxProcess, listId: number, n: number): Promise<void> {
  const updatedAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
  for (let from = 0; from < n; from += SEED_CHUNK) {
    const contacts = Array.from({ length: Math.min(SEED_CHUNK, n - from) }, (_, i) => ({
      email: `unsub${from + i}@consent.example.com`,
      updatedAt,
      lists: { [listId]: { status: 2 as const, by: "contact" as const } },
    }));
    await sb.seed({ contacts });
  }
}

export async function consentPreflight(ctx: SectionContext, o: ConsentOptions): Promise<void> {
  const { fmt } = ctx;
  ctx.log(`consent: first run and re-run of ${fmt(o.segment)} members on a list with ${fmt(o.unsubscribed)} unsubscribed, time scale ${o.timeScale}`);
  const sb = await startSandboxProcess({ timeScale: o.timeScale, apiKey: ctx.apiKey });
  try {
    await sb.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
    const listId = (await sb.createList("bench consent")).id;
    let t = performance.now();
    await seedUnsubscribed(sb, listId, o.unsubscribed);
    const seeded = (await sb.members(listId, 2)).length;
    if (seeded !== o.unsubscribed) throw new Error(`consent: seeded ${seeded} unsubscribed members, expected ${o.unsubscribed}`);
    ctx.log(`  seeded ${fmt(seeded)} unsubscribed in ${fmt((performance.now() - t) / 1000, 1)} s`);
    const dir = join(ctx.work, "consent");
    mkdirSync(dir, { recursive: true });
    const csv = join(dir, "segment.csv");
    writeCsv(csv, { from: 9_000_000, to: 9_000_000 + o.segment });
    writeFileSync(join(dir, "export.json"), JSON.stringify(ctx.configFor("bench-consent", listId, csv)));
    const measure = async (what: string) => {
      const before = await sb.requests();
      const started = performance.now();
      const r = await runRunner(["run", "--config", "export.json"], { cwd: dir, env: sandboxEnv(sb) });
      if (r.code !== 0) throw new Error(`consent ${what} exited ${r.code ?? r.signal}: ${r.stderr.split("\n").slice(-10).join("\n")}`);
      const after = await sb.requests();
      return { byEndpoint: endpointDelta(before, after), total: after.total - before.total, seconds: (performance.now() - started) / 1000 };
    };
    t = performance.now();
    const first = await measure("first run");
    const rerun = await measure("re-run");
    const subscribed = (await sb.members(listId, 1)).length;
    const stillUnsubscribed = (await sb.members(listId, 2)).length;
    if (subscribed !== o.segment || stillUnsubscribed !== o.unsubscribed) {
      throw new Error(`consent: the list has ${subscribed} subscribed / ${stillUnsubscribed} unsubscribed, expected ${o.segment} / ${o.unsubscribed}`);
    }
    const endpoints = [...new Set([...Object.keys(first.byEndpoint), ...Object.keys(rerun.byEndpoint)])].sort((a, b) => (first.byEndpoint[b] ?? 0) - (first.byEndpoint[a] ?? 0) || a.localeCompare(b));
    ctx.sections.push(
      [
        `### Consent: the unsubscribed-set preflight, ${fmt(o.unsubscribed)} unsubscribed on the list`,
        "",
        `The list holds ${fmt(o.unsubscribed)} contacts who unsubscribed themselves 3 days earlier (seeded through the sandbox's`,
        `inspector) and the export's segment ${fmt(o.segment)} new members. The first \`ac-export run\` reads the whole unsubscribed`,
        "set (100 a page) and keeps it beside the state; the re-run, data unchanged, refreshes it from counts and changes",
        `only. Requests as the sandbox (its own process, \`--time-scale ${o.timeScale}\`, harsh readings) counted them, whole runs.`,
        "",
        "| endpoint | first run | re-run |",
        "|---|---:|---:|",
        ...endpoints.map((ep) => `| \`${ep}\` | ${fmt(first.byEndpoint[ep] ?? 0)} | ${fmt(rerun.byEndpoint[ep] ?? 0)} |`),
        `| **all requests** | **${fmt(first.total)}** | **${fmt(rerun.total)}** |`,
        `| wall time (scaled) | ${fmt(first.seconds, 1)} s | ${fmt(rerun.seconds, 1)} s |`,
      ].join("\n"),
    );
    const scaleNote = o.unsubscribed === 300_000 ? "" : ` (issue's figure is at 300,000)`;
    ctx.summary.push({
      figure: `consent preflight: requests of a re-run, data unchanged, ${fmt(o.unsubscribed)} unsubscribed on the list${scaleNote}`,
      measured: `${fmt(rerun.total)} (first run: ${fmt(first.total)}, of which ${fmt(first.byEndpoint["GET /contacts"] ?? 0)} \`GET /contacts\`)`,
      target: `≤ ${RERUN_TARGET}`,
      verdict: rerun.total <= RERUN_TARGET ? "met" : "MISSED",
      acceptance: "consent-rerun",
    });
    ctx.log(`  first run ${fmt(first.total)} requests (${fmt(first.seconds, 1)} s), re-run ${fmt(rerun.total)} (${fmt(rerun.seconds, 1)} s); section ${fmt((performance.now() - t) / 1000, 1)} s`);
  } finally {
    await sb.close();
  }
}
