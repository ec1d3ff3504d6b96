// The `ac-export sandbox` switches that model readings of a real account (issues #10-#12): one table, so each flag,
// its option and its allowed values are declared once (the help text in sandbox.ts lists them).
import { numberOption, UsageError } from "../cli/args.js";
import type { SandboxOptions } from "../sandbox/index.js";

type Choice = readonly [flag: string, option: keyof SandboxOptions, values: Record<string, unknown>];

const bool = { true: true, false: false };

/** Flags that pick one reading among named values. */
export const CHOICE_FLAGS: readonly Choice[] = [
  ["contact-lists-resubscribe", "contactListsResubscribe", { any: "any", sourceid4: "sourceid4" }],
  ["bulk-subscribe-inactive", "bulkSubscribeInactive", { activate: "activate", keep: "keep" }],
  ["skipped-in-failure", "skippedInFailure", bool],
  ["bulk-unsubscribe-creates", "bulkUnsubscribeCreates", bool],
  ["exclude-automations-reading", "excludeAutomationsReading", { "per-contact": "per-contact", "top-level": "top-level", either: "either" }],
  ["failure-index-base", "failureIndexBase", { 0: 0, 1: 1 }],
  ["field-value-reading", "fieldValueReading", { coerce: "coerce", fail: "fail" }],
  ["fields-offset", "fieldsOffset", { ignored: "ignored", honoured: "honoured" }],
  ["unknown-batch-answer", "unknownBatchAnswer", { 404: "404", false: "false", 400: "400" }],
  ["rate-limit-answer", "rateLimitAnswer", { 429: 429, 503: 503 }],
  ["list-order-ignored", "listOrderIgnored", bool],
  ["status-change-touches-contact", "statusChangeTouchesContact", bool],
];

/** Flags that take a number ≥ 0. */
export const NUMBER_FLAGS: ReadonlyArray<readonly [string, keyof SandboxOptions]> = [
  ["import-rate", "importRate"],
  ["import-jitter", "importJitter"],
  ["batch-retention-ms", "batchRetentionMs"],
  ["background-tenant-rps", "backgroundTenantRps"],
  ["contacts-page-delay-ms", "contactsPageDelayMs"],
];

/** parseArgs declarations of every real-account flag. */
export const realAccountArgs = {
  ...Object.fromEntries([...CHOICE_FLAGS.map(([f]) => f), ...NUMBER_FLAGS.map(([f]) => f), "account-time-zone", "fail-pattern"].map((f) => [f, { type: "string" as const }])),
  "restricted-key": { type: "string" as const, multiple: true as const },
};

/** The SandboxOptions the real-account flags set (UsageError naming the flag for a bad value). */
export function realAccountOptions(values: Record<string, string | string[] | boolean | undefined>): SandboxOptions {
  const out: Record<string, unknown> = {};
  for (const [flag, option, allowed] of CHOICE_FLAGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    if (typeof raw !== "string" || !Object.hasOwn(allowed, raw)) throw new UsageError(`--${flag} must be one of ${Object.keys(allowed).join(", ")}; got ${JSON.stringify(raw)}`);
    out[option] = allowed[raw];
  }
  for (const [flag, option] of NUMBER_FLAGS) {
    const raw = values[flag];
    if (typeof raw === "string") out[option] = numberOption(flag, raw, 0, 0);
  }
  if (typeof values["account-time-zone"] === "string") out.accountTimeZone = values["account-time-zone"];
  if (typeof values["fail-pattern"] === "string") out.failPattern = values["fail-pattern"];
  const keys = values["restricted-key"];
  if (Array.isArray(keys)) {
    const restricted: Record<string, number[]> = {};
    for (const spec of keys) {
      const m = /^([^=\s]+)=(\d+(?:,\d+)*)?$/.exec(spec);
      if (!m) throw new UsageError(`--restricted-key must look like KEY=LISTID[,LISTID…] (e.g. limited-key=1,2); got a value of ${spec.length} characters`);
      restricted[m[1] as string] = m[2] ? m[2].split(",").map(Number) : [];
    }
    out.restrictedKeys = restricted;
  }
  return out as SandboxOptions;
}
