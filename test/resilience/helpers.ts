// The resilience suite's shared parts: its size (bounded in `npm test`, long with RESILIENCE=full, as
// `npm run test:resilience` sets it), seeded randomness, people with real-world names, and the one assertion that
// matters: the list in the sandbox equals the expected list exactly (status, names, field, tags), member by member.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { MemberView, Sandbox } from "../../runner/sandbox/index.js";
import type { RunReport } from "../../runner/sync/report.js";
import { csvOf, ExportFixture, type Person } from "../helpers/export-fixture.js";
import { runRunner, type ProcResult, type SpawnOptions } from "../bench/lib.js";

export const FULL = process.env.RESILIENCE === "full";
/** Bounded in `npm test`; the long version under RESILIENCE=full. */
export const size = <T>(bounded: T, full: T): T => (FULL ? full : bounded);

/** mulberry32: the same seed gives the same kill points, churn and choices. */
export function rng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; shuffle<T>(xs: T[]): T[] } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    shuffle: (xs) => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = int(0, i);
        [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      }
      return xs;
    },
  };
}

const FIRST = ["Zoë", "José", "Łukasz", "Ann", "Chloé", "Dmitri", "Søren", "Mary Ann", "李", "Renée"];
const LAST = ["O'Neil", "Smith, Jr.", "Müller", "García", "Nguyen", 'the "Rock"', "Ødegaard", "van der Berg"];
export const TIERS = ["gold", "silver", "bronze", "platinum"];

/** Person i of a fixture's domain, with names that need CSV quoting and a non-empty tier. */
export function person(f: ExportFixture, i: number, tier = TIERS[i % TIERS.length]!): Person {
  return { email: `p${i}@${f.domain}`, first: FIRST[i % FIRST.length], last: LAST[(i * 3) % LAST.length], tier };
}

export interface ExpectedMember {
  status: 1 | 2;
  /** Field and names are checked only when given (a contact who unsubscribed themselves may not be sent again). */
  first?: string;
  last?: string;
  tier?: string;
  tags?: string[];
  unsubscribedBy?: "api" | "contact";
}

const show = (m: Partial<MemberView> | ExpectedMember | undefined) => JSON.stringify(m);

/**
 * Compares the whole list (every status) with the expectation: same set of emails, and per member the status, and
 * names, LOYALTY_TIER and tags where the expectation has them. Returns the problems (at most 30), [] when exact.
 */
export function listProblems(sandbox: Sandbox, listId: number, expected: Map<string, ExpectedMember>): string[] {
  const problems: string[] = [];
  const actual = new Map(sandbox.inspect.members(listId).map((m) => [m.email, m]));
  for (const [email, want] of expected) {
    const got = actual.get(email);
    const wrong =
      !got ||
      got.status !== want.status ||
      (want.first !== undefined && got.firstName !== want.first) ||
      (want.last !== undefined && got.lastName !== want.last) ||
      (want.tier !== undefined && got.fields.LOYALTY_TIER !== want.tier) ||
      (want.tags !== undefined && JSON.stringify([...got.tags].sort()) !== JSON.stringify([...want.tags].sort())) ||
      (want.unsubscribedBy !== undefined && got.unsubscribedBy !== want.unsubscribedBy);
    if (wrong) problems.push(`${email}: expected ${show(want)}, got ${show(got && { status: got.status, firstName: got.firstName, lastName: got.lastName, fields: got.fields, tags: got.tags, unsubscribedBy: got.unsubscribedBy } as Partial<MemberView>)}`);
    if (problems.length >= 30) return problems;
  }
  for (const email of actual.keys()) {
    if (!expected.has(email)) problems.push(`${email}: on the list (status ${actual.get(email)!.status}) but not expected`);
    if (problems.length >= 30) return problems;
  }
  return problems;
}

/** Subscribed, with the person's names, tier and the export's tag. */
export const subscribedAs = (p: Person, tags = ["vip"]): ExpectedMember => ({ status: 1, first: p.first, last: p.last, tier: p.tier, tags });

export function expectList(sandbox: Sandbox, listId: number, expected: Map<string, ExpectedMember>, what: string): void {
  expect(listProblems(sandbox, listId, expected), what).toEqual([]);
}

/** `ac-export <command> --config export.json` in the fixture, with the sandbox env (AC_TIME_SCALE included). */
export function runIn(f: ExportFixture, command: "run" | "plan", args: string[] = [], opts: SpawnOptions & { extraEnv?: NodeJS.ProcessEnv } = {}): Promise<ProcResult> {
  return runRunner([command, "--config", "export.json", ...args], { timeoutMs: 120_000, ...opts, cwd: f.dir, env: f.env(opts.extraEnv) });
}

export const readReport = (f: ExportFixture, exportName = "test-export"): RunReport =>
  JSON.parse(readFileSync(join(f.dir, "state", exportName, "report.json"), "utf8")) as RunReport;

export { csvOf, ExportFixture, type Person };
