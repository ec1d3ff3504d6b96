// Bench section `leavers` (issues #10 and #12): the requests a member who leaves the segment costs under each
// `onLeave` policy, through `ac-export run` against the sandbox process. For each policy: a first sync of M members,
// then runs with 5, 1% and 10% more of them gone; the requests spent on leavers = such a run's requests − those of
// `ac-export plan` of the same segment just before (the same preflight, consent refresh included; the sandbox's
// counts). Each export has its own list, contacts and tag, so one export's tagged contacts never change another's
// cheapest path.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BULK_MAX_CONTACTS, PAGE_LIMIT } from "../../runner/config/ac-limits.js";
import { SMALL_DELTA_MAX } from "../../runner/sync/constants.js";
import { runRunner, startSandboxProcess, type SandboxProcess } from "./lib.js";
import { endpointDelta, sandboxEnv, type SectionContext } from "./section.js";
import { emailsOf, writeCsv } from "./segments.js";

type Policy = "keep" | "untag" | "unsubscribe";
const POLICIES: Policy[] = ["keep", "untag", "unsubscribe"];

export interface LeaversOptions {
  members: number;
  timeScale: number;
}

interface Measured {
  policy: Policy;
  members: number;
  leaving: number;
  requests: number;
  minimum: number;
  byEndpoint: Record<string, number>;
}

/**
 * The fewest requests the API allows for L leavers of a list of M members (all subscribed, all carrying the tag):
 * finding who exists (or carries the tag) costs min(L, ⌈M / 100⌉), one lookup each or the list (or tag) read 100 a
 * page; then unsubscribe: a bulk import and its `import/info` per 250, or, for the few (≤ SMALL_DELTA_MAX) that the
 * runner writes by id through contactLists, one write each; untag: each leaver's contactTags and one DELETE (the API
 * has no bulk tag removal).
 */
function minimum(policy: Policy, members: number, leaving: number): number {
  const find = Math.min(leaving, Math.ceil(members / PAGE_LIMIT));
  if (policy === "keep") return 0;
  if (policy === "untag") return find + 2 * leaving;
  return leaving <= SMALL_DELTA_MAX ? 2 * leaving : find + 2 * Math.ceil(leaving / BULK_MAX_CONTACTS);
}

/**
 * One export per policy: a first sync of `members`, then per size a `plan` (the run's fixed cost) and a run, each
 * with that many more members gone from the segment.
 */
async function measurePolicy(ctx: SectionContext, sb: SandboxProcess, policy: Policy, members: number, sizes: number[], from: number): Promise<Measured[]> {
  const name = `leavers-${policy}`;
  const tag = `bench-${name}`;
  const listId = (await sb.createList(`bench ${name}`)).id;
  const dir = join(ctx.work, name);
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, "segment.csv");
  const base = ctx.configFor(name, listId, csv, { onLeave: policy, limits: { maxProfiles: 1_000_000, maxRemovalsPerRun: "100%" } }) as { mappings: object };
  writeFileSync(join(dir, "export.json"), JSON.stringify({ ...base, mappings: { ...base.mappings, tags: [tag] } }));
  const run = async (what: string, command: "run" | "plan" = "run") => {
    const before = await sb.requests();
    const r = await runRunner([command, "--config", "export.json"], { cwd: dir, env: sandboxEnv(sb) });
    if (r.code !== 0) throw new Error(`leavers ${policy} ${what} exited ${r.code ?? r.signal}: ${r.stderr.split("\n").slice(-10).join("\n")}`);
    const after = await sb.requests();
    return { total: after.total - before.total, byEndpoint: endpointDelta(before, after) };
  };
  writeCsv(csv, { from, to: from + members });
  await run("first sync");
  const out: Measured[] = [];
  let goneTo = from;
  for (const leaving of sizes) {
    const onList = members - (goneTo - from);
    const leavers = new Set(emailsOf({ from: goneTo, to: goneTo + leaving }));
    const earlier = new Set(emailsOf({ from, to: goneTo }));
    goneTo += leaving;
    writeCsv(csv, { from: goneTo, to: from + members });
    // The run's fixed cost: `plan` of the same segment does the same preflight (its consent refresh included: a plan
    // never writes the consent cache) and nothing else.
    const fixed = await run(`plan with ${leaving} leavers`, "plan");
    const left = await run(`run with ${leaving} leavers`);
    await checkOutcome(sb, policy, listId, tag, leavers, earlier);
    const byEndpoint: Record<string, number> = {};
    for (const ep of new Set([...Object.keys(left.byEndpoint), ...Object.keys(fixed.byEndpoint)])) {
      const d = (left.byEndpoint[ep] ?? 0) - (fixed.byEndpoint[ep] ?? 0);
      if (d) byEndpoint[ep] = d;
    }
    out.push({ policy, members: onList, leaving, requests: left.total - fixed.total, minimum: minimum(policy, onList, leaving), byEndpoint });
  }
  return out;
}

/**
 * The leavers got what their policy says, and only they: keep and untag leave them subscribed, untag without the tag.
 * `earlier`: members who left in an earlier step (already checked).
 */
async function checkOutcome(sb: SandboxProcess, policy: Policy, listId: number, tag: string, leavers: Set<string>, earlier: Set<string>): Promise<void> {
  const all = (await sb.members(listId)).filter((m) => !earlier.has(m.email.toLowerCase()));
  const wrong = all.filter((m) => {
    const left = leavers.has(m.email.toLowerCase());
    const status = left && policy === "unsubscribe" ? 2 : 1;
    const tagged = !(left && policy === "untag");
    return m.status !== status || m.tags.includes(tag) !== tagged;
  });
  if (wrong.length) throw new Error(`leavers ${policy}: ${wrong.length} members with the wrong status or tag, e.g. ${JSON.stringify(wrong[0])}`);
}

export async function leaversCost(ctx: SectionContext, o: LeaversOptions): Promise<void> {
  const { fmt } = ctx;
  // A few (the by-id path of unsubscribe), 1% (a daily churn) and 10% of the members.
  const sizes = [5, Math.max(SMALL_DELTA_MAX + 1, Math.round(o.members / 100)), Math.round(o.members / 10)];
  ctx.log(`leavers: ${POLICIES.join(", ")} × ${sizes.map((s) => fmt(s)).join(" / ")} leavers of ${fmt(o.members)} members, time scale ${o.timeScale}`);
  const t = performance.now();
  const sb = await startSandboxProcess({ timeScale: o.timeScale, apiKey: ctx.apiKey });
  const rows: Measured[] = [];
  try {
    await sb.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER" });
    let from = 20_000_000;
    for (const policy of POLICIES) {
      // keep costs nothing whatever the size: one step shows it.
      rows.push(...(await measurePolicy(ctx, sb, policy, o.members, policy === "keep" ? [sizes[1]!] : sizes, from)));
      from += o.members;
    }
  } finally {
    await sb.close();
  }
  const per = (n: number, d: number) => fmt(n / d, 2);
  const endpoints = (m: Measured) =>
    Object.entries(m.byEndpoint)
      .sort((a, b) => b[1] - a[1])
      .map(([ep, n]) => `${fmt(n)} \`${ep}\``)
      .join(", ") || "none";
  ctx.sections.push(
    [
      `### Leavers: requests per leaver for each \`onLeave\` policy`,
      "",
      `\`ac-export run\` against the sandbox (its own process, \`--time-scale ${o.timeScale}\`). Per policy: a first sync of ${fmt(o.members)} members, then`,
      "one run per row with that many more members gone (*members* = on the list before that run); *spent on leavers* =",
      "that run's requests − those of `ac-export plan` of the same segment just before (the same preflight). *Minimum*:",
      "finding who exists or carries the tag costs min(leavers, ⌈members / 100⌉) (a lookup each, or a read of the list or tag,",
      `100 a page); then \`unsubscribe\` needs a bulk import + its \`import/info\` per 250 (${SMALL_DELTA_MAX} or fewer leavers: a lookup and a`,
      "`contactLists` write each, the runner's by-id path), `untag` the leaver's `contactTags` and one `DELETE` each (no bulk",
      "tag removal in the API). Every leaver's outcome was checked in the sandbox (status and tag).",
      "",
      "| policy | leavers of members | spent on leavers | per leaver | minimum (per leaver) | by endpoint |",
      "|---|---:|---:|---:|---:|---|",
      ...rows.map((m) => `| \`${m.policy}\` | ${fmt(m.leaving)} of ${fmt(m.members)} | ${fmt(m.requests)} | **${per(m.requests, m.leaving)}** | ${fmt(m.minimum)} (${per(m.minimum, m.leaving)}) | ${endpoints(m)} |`),
    ].join("\n"),
  );
  for (const policy of POLICIES) {
    const mine = rows.filter((m) => m.policy === policy);
    // Within one request of the minimum: the count that chooses the cheaper way to find the leavers.
    const ok = mine.every((m) => m.requests <= m.minimum + 1);
    ctx.summary.push({
      figure: `requests per leaver, \`onLeave: ${policy}\` (${mine.map((m) => fmt(m.leaving)).join(" / ")} leavers of ~${fmt(o.members)})`,
      measured: mine.map((m) => per(m.requests, m.leaving)).join(" / "),
      target: `minimum ${mine.map((m) => per(m.minimum, m.leaving)).join(" / ")} (+1 request)`,
      verdict: ok ? "met" : "MISSED",
      acceptance: "leavers",
    });
  }
  ctx.log(`  ${rows.map((m) => `${m.policy} ${m.leaving}: ${per(m.requests, m.leaving)}`).join("; ")}; section ${fmt((performance.now() - t) / 1000, 1)} s`);
}
