// ACX-CONN1 (issue #12): exports on one ActiveCampaign account (hostname) whose runs can overlap must fit the
// account's 5 requests/s and 100 bulk imports/min together. At run time, exports whose states live in the same place
// divide their budget (runner/state/connection-budget.ts); exports whose states live apart (each ActiveCampaignExport
// has its own state container) cannot, so each uses its whole rateLimit. This module finds, minute by minute over a
// sample of 4 weeks, the most the exports of one hostname can use at once.
import { BULK_MULTI_PER_MINUTE, REQUESTS_PER_SECOND } from "../runner/config/ac-limits.js";
import { parseCron } from "../runner/config/cron.js";

export interface SharedExport {
  name: string;
  hostname: string;
  /** 5-field UTC cron expression. */
  schedule: string;
  /** Longest run, seconds (the job's replica timeout); undefined when unknown at synth (a token): a whole day. */
  runSeconds: number | undefined;
  /** The config's `state`: exports with the same one coordinate. */
  state: string;
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
}

export interface ShareOverlap {
  hostname: string;
  /** The exports running at the worst minute, with what each may use. */
  exports: SharedExport[];
  requestsPerSecond: number;
  bulkRequestsPerMinute: number;
  /** The worst minute, e.g. "03:30 UTC on a Sunday". */
  when: string;
}

const DAYS = 28;
const MINUTES = DAYS * 1440;
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Minutes (since 2023-01-01, a Sunday) at which the schedule starts a run, over DAYS days. */
function starts(expression: string): number[] {
  const parsed = parseCron(expression);
  if (!parsed.ok) return [];
  const { cron } = parsed;
  const [doms, months, dows] = [new Set(cron.daysOfMonth), new Set(cron.months), new Set(cron.daysOfWeek)];
  const out: number[] = [];
  for (let day = 0; day < DAYS; day++) {
    const date = new Date(Date.UTC(2023, 0, 1 + day));
    const domOk = doms.has(date.getUTCDate());
    const dowOk = dows.has(date.getUTCDay());
    const dayOk = cron.any.dayOfMonth || cron.any.dayOfWeek ? domOk && dowOk : domOk || dowOk;
    if (!dayOk || !months.has(date.getUTCMonth() + 1)) continue;
    for (const h of cron.hours) for (const m of cron.minutes) out.push(day * 1440 + h * 60 + m);
  }
  return out;
}

/** Which minutes of the sample a run of the export may be going (runs wrap around the end of the sample). */
function running(e: SharedExport): Uint8Array {
  const busy = new Uint8Array(MINUTES);
  const length = Math.min(MINUTES, Math.ceil((e.runSeconds ?? 86_400) / 60));
  for (const start of starts(e.schedule)) for (let i = 0; i < length; i++) busy[(start + i) % MINUTES] = 1;
  return busy;
}

/**
 * The worst overlap per hostname that goes over the account's limits, or nothing. Exports with the same `state`
 * divide the smallest of their budgets at run time, so together they count once, for that smallest budget.
 */
export function overlappingShares(all: readonly SharedExport[]): ShareOverlap[] {
  const byHost = new Map<string, SharedExport[]>();
  for (const e of all) byHost.set(e.hostname.toLowerCase(), [...(byHost.get(e.hostname.toLowerCase()) ?? []), e]);
  const found: ShareOverlap[] = [];
  for (const [hostname, exports] of byHost) {
    if (exports.length < 2) continue;
    const busy = exports.map(running);
    let worst: ShareOverlap | undefined;
    for (let minute = 0; minute < MINUTES; minute++) {
      const now = exports.filter((_, i) => busy[i]![minute] === 1);
      if (now.length < 2) continue;
      const groups = new Map<string, SharedExport[]>();
      for (const e of now) groups.set(e.state, [...(groups.get(e.state) ?? []), e]);
      const sum = (key: "requestsPerSecond" | "bulkRequestsPerMinute") => [...groups.values()].reduce((s, g) => s + Math.min(...g.map((e) => e[key])), 0);
      const rps = sum("requestsPerSecond");
      const bpm = sum("bulkRequestsPerMinute");
      if (rps <= REQUESTS_PER_SECOND && bpm <= BULK_MULTI_PER_MINUTE) continue;
      if (!worst || rps > worst.requestsPerSecond || (rps === worst.requestsPerSecond && bpm > worst.bulkRequestsPerMinute)) {
        worst = { hostname, exports: now, requestsPerSecond: rps, bulkRequestsPerMinute: bpm, when: describeMinute(minute) };
      }
    }
    if (worst) found.push(worst);
  }
  return found;
}

function describeMinute(minute: number): string {
  const day = Math.floor(minute / 1440);
  const hh = String(Math.floor((minute % 1440) / 60)).padStart(2, "0");
  const mm = String(minute % 60).padStart(2, "0");
  return `${hh}:${mm} UTC on a ${DAY_NAMES[day % 7]}`;
}

/** The finding's text, for the export named `name`. */
export function overlapMessage(o: ShareOverlap, name: string): string {
  const list = o.exports.map((e) => `${e.name} (${e.requestsPerSecond} requests/s, ${e.bulkRequestsPerMinute} bulk imports/min, schedule "${e.schedule}")`).join(", ");
  const over = [
    o.requestsPerSecond > REQUESTS_PER_SECOND ? `${round(o.requestsPerSecond)} requests/s (the account allows ${REQUESTS_PER_SECOND})` : "",
    o.bulkRequestsPerMinute > BULK_MULTI_PER_MINUTE ? `${round(o.bulkRequestsPerMinute)} bulk imports/min (the account allows ${BULK_MULTI_PER_MINUTE})` : "",
  ].filter(Boolean);
  return (
    `export ${name} shares ActiveCampaign account ${o.hostname} with exports whose runs can overlap (e.g. at ${o.when}): ${list}; ` +
    `together they may use ${over.join(" and ")}, and their states are in different containers, so they cannot divide the budget at run time. ` +
    `Lower rateLimit.requestsPerSecond / bulkRequestsPerMinute so the overlapping exports sum to at most ${REQUESTS_PER_SECOND}/s and ${BULK_MULTI_PER_MINUTE}/min, or schedule them apart`
  );
}

const round = (x: number) => Math.round(x * 100) / 100;
