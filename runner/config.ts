// THE contract between the constructs (which build and validate an ExportConfig at synth time) and the runner
// (which parses the same schema at start). One source of truth, one set of error messages.
import { AcExportError } from "./errors.js";
import { z } from "zod";
import { BULK_MULTI_PER_MINUTE, DEFAULT_REQUESTS_PER_SECOND, REQUESTS_PER_SECOND } from "./config/ac-limits.js";
import { checkHostname, redactUserInfo } from "./config/hostname.js";
import { formatFromName, LocationError, parseLocation } from "./config/location.js";
import { configErrorMap, unknownKeyMessage } from "./config/messages.js";
import { shapeProblems } from "./config/input-limits.js";
import { columnName, fieldMappingSchema, INVALID_VALUE_POLICIES, mappingColumn, mappingKeysAt, phoneMappingSchema } from "./config/field-mapping.js";
import { secretRefusal } from "./config/secret-like.js";
import { findSecretValues } from "./config/secret-values.js";
import { show, showKey } from "./config/show.js";

export { parseLocation, formatFromName, describeLocation, type Location } from "./config/location.js";
export { redactUserInfo } from "./config/hostname.js";

/** ActiveCampaign's account limits (runner/config/ac-limits.ts): 5 requests/s, 100 multi-contact bulk imports/min. */
export const AC_LIMITS = { requestsPerSecond: REQUESTS_PER_SECOND, bulkRequestsPerMinute: BULK_MULTI_PER_MINUTE } as const;
/** The default `rateLimit`: 4 of the account's 5 requests/s (headroom for its other integrations), all 100 bulk imports/min. */
export const DEFAULT_RATE_LIMIT = { requestsPerSecond: DEFAULT_REQUESTS_PER_SECOND, bulkRequestsPerMinute: BULK_MULTI_PER_MINUTE } as const;
export const DEFAULT_STATE = "file:.ac-export/state";
export const MAX_CUSTOM_FIELDS = 100;
export const MAX_TAGS = 20;
/** The slowest rates accepted: one request per 10 s, one bulk import per minute. */
export const MIN_REQUESTS_PER_SECOND = 0.1;
export const MIN_BULK_PER_MINUTE = 1;
export const SEGMENT_FORMATS = ["csv", "jsonl", "parquet", "customer-insights", "delta"] as const;
/** How a quote inside a quoted CSV field is escaped: doubled ("", RFC 4180) or with a backslash (\", ADF/Spark). */
export const CSV_ESCAPES = ["double", "backslash"] as const;
/** Longest settle time a config may set: a week. */
const MAX_SETTLE_MINUTES = 7 * 24 * 60;
export const LEAVE_POLICIES = ["keep", "unsubscribe", "untag"] as const;

const NAME = /^[a-z0-9-]{1,48}$/;
const PERSTAG = /^[A-Z0-9_]{1,64}$/;
/** Personalization tags of ActiveCampaign's standard contact fields; they have their own mapping keys. */
const STANDARD_PERSTAGS: Record<string, string> = {
  EMAIL: "mappings.email",
  FIRSTNAME: "mappings.firstName",
  LASTNAME: "mappings.lastName",
  PHONE: "mappings.phone",
};
/** Property names that smell of a credential. The API key comes from AC_API_KEY only, never from the config. */
const SECRET_KEY = /(api[-_ ]?key|apikey|api[-_]?token|^token$|secret|password|passwd|credential)/i;

const name = (what: string) =>
  z.string().check((ctx) => {
    if (!NAME.test(ctx.value)) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `must be 1-48 lowercase letters, digits or "-" (${what}); got ${show(ctx.value)}`,
      });
    }
  });

const hostname = z.string().check((ctx) => {
  const problem = checkHostname(ctx.value);
  if (problem) ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
});

const location = (example: string) =>
  z.string().check((ctx) => {
    try {
      parseLocation(ctx.value);
    } catch (e) {
      if (!(e instanceof LocationError)) throw e;
      // Locations may carry credentials or SAS tokens: never echo those.
      const shown = show(redactUserInfo(ctx.value).replace(/\?.*$/, "?***"));
      ctx.issues.push({ code: "custom", input: ctx.value, message: `${e.message}; got ${shown} (e.g. ${example})` });
    }
  });

const listId = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    ctx.issues.push({
      code: "custom",
      input: value,
      message: `must be a positive whole number (the ActiveCampaign list ID, e.g. 12); got ${show(value)}`,
    });
    return z.NEVER;
  }
  return n;
});

const percentOrCount = (unit: string, of: string) => z.union([z.number(), z.string()]).check((ctx) => {
  const v = ctx.value;
  const ok =
    (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
    (typeof v === "string" && /^(100|\d{1,2}(\.\d+)?)%$/.test(v));
  if (!ok) {
    ctx.issues.push({
      code: "custom",
      input: v,
      message: `must be a whole number of ${unit} (e.g. 500) or a percentage of ${of} from "0%" to "100%" (e.g. "10%"); got ${show(v)}`,
    });
  }
});

/** A rate: at least `min`, so a typo such as 0.000001/s is refused instead of waited on silently for days. */
const rate = (what: string, integer: boolean, min: number) =>
  z.number().check((ctx) => {
    if (!Number.isFinite(ctx.value) || !(ctx.value >= min) || (integer && !Number.isInteger(ctx.value))) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `must be a ${integer ? "whole number" : "number"} of at least ${min} (${what}); got ${show(ctx.value)}`,
      });
    }
  });

const csvDelimiter = z.string().check((ctx) => {
  const d = ctx.value;
  if (d.length !== 1 || d.charCodeAt(0) >= 0x80 || d === '"' || d === "\n" || d === "\r") {
    ctx.issues.push({ code: "custom", input: d, message: `must be one ASCII character other than a quote or a line break (e.g. ",", ";", "\\t", "|"); got ${show(d)}` });
  }
});

const settleMinutes = z.number().check((ctx) => {
  if (!Number.isFinite(ctx.value) || ctx.value < 0 || ctx.value > MAX_SETTLE_MINUTES) {
    ctx.issues.push({ code: "custom", input: ctx.value, message: `must be a number of minutes from 0 to ${MAX_SETTLE_MINUTES}; got ${show(ctx.value)}` });
  }
});

/** Keys that apply to some formats only: the formats each one is for. */
const SEGMENT_KEY_FORMATS: Record<string, ReadonlyArray<SegmentFormat>> = {
  delimiter: ["csv", "customer-insights"],
  header: ["csv"],
  columns: ["csv", "customer-insights"],
  escape: ["csv", "customer-insights"],
  table: ["customer-insights"],
  parts: ["csv", "jsonl", "parquet"],
  settleMinutes: ["csv", "jsonl", "parquet", "customer-insights"],
};

const segmentShape = {
  /** Display name used in reports. */
  name: z.string().min(1).max(200).optional(),
  source: location('"file:segments/vip.csv"'),
  format: z.enum(SEGMENT_FORMATS).optional(),
  /** CSV: the field delimiter; detected from the first line when absent. */
  delimiter: csvDelimiter.optional(),
  /** CSV: false when the file has no header row; `columns` then names the columns. */
  header: z.boolean().optional(),
  /** Column names of headerless CSV, in order (a model.json's names win where there is one). */
  columns: z.array(columnName).min(1).max(2000).optional(),
  /** CSV: how quotes inside quoted fields are escaped. */
  escape: z.enum(CSV_ESCAPES).optional(),
  /** Customer Insights: the exported table (entity) to read. */
  table: z
    .string()
    .check((ctx) => {
      if (ctx.value.trim() === "" || ctx.value.length > 256 || ctx.value.includes("/")) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: `must name the exported table (entity), e.g. "HighValueSegment"; got ${show(ctx.value)}` });
      }
    })
    .optional(),
  /** A folder source: read every part of its newest complete run (default: its newest file). */
  parts: z.enum(["all"]).optional(),
  /** A run without a _SUCCESS marker or manifest is complete when no file of it changed for this long. */
  settleMinutes: settleMinutes.optional(),
};
const segmentSchema = z
  .strictObject(segmentShape)
  .transform((seg, ctx) => {
    let format = seg.format;
    if (!format) {
      let inferred: ReturnType<typeof formatFromName>;
      try {
        const loc = parseLocation(seg.source);
        inferred = formatFromName(loc.path.replace(/\.gz$/i, ""));
      } catch {
        return z.NEVER; // the source itself is already reported
      }
      if (!inferred) {
        ctx.issues.push({
          code: "custom",
          path: ["format"],
          input: seg.format,
          message: `cannot be inferred from the source ${show(seg.source)}; set it to one of ${SEGMENT_FORMATS.map((f) => `"${f}"`).join(", ")}`,
        });
        return z.NEVER;
      }
      format = inferred;
    }
    const problem = (key: string, message: string) => ctx.issues.push({ code: "custom", path: [key], input: (seg as Record<string, unknown>)[key], message });
    for (const [key, formats] of Object.entries(SEGMENT_KEY_FORMATS)) {
      if ((seg as Record<string, unknown>)[key] !== undefined && !formats.includes(format)) {
        problem(key, `applies to format ${formats.map((f) => `"${f}"`).join(" or ")} only, not "${format}"`);
      }
    }
    if (format === "customer-insights") {
      if (seg.table === undefined) problem("table", 'is required for a Customer Insights export: the exported table (entity) to read, e.g. "HighValueSegment"');
      if (!seg.source.endsWith("/")) problem("source", `must be the export's folder, ending in "/" (…/CustomerInsights_<instanceId>/<ExportName>/); got ${show(redactUserInfo(seg.source))}`);
    }
    if (format === "csv") {
      if (seg.header === false && seg.columns === undefined) problem("columns", 'is required when header is false: the column names of the file, in order, e.g. ["email", "first_name"]');
      if (seg.columns !== undefined && seg.header !== false) problem("columns", "names the columns of a headerless file: set header to false as well, or remove columns to use the header row");
    }
    if (seg.escape === "backslash" && seg.delimiter === "\\") problem("delimiter", 'cannot be a backslash when escape is "backslash"');
    const seen = new Map<string, number>();
    (seg.columns ?? []).forEach((c, i) => {
      if (seen.has(c)) problem("columns", `names column ${show(c)} twice (positions ${seen.get(c)! + 1} and ${i + 1}); column names must be unique`);
      seen.set(c, i);
    });
    return { ...seg, format };
  });

const mappingsShape = {
  email: columnName,
  firstName: columnName.optional(),
  lastName: columnName.optional(),
  /** A source column, or { column, e164: { defaultCountry } } to send numbers in E.164. */
  phone: phoneMappingSchema.optional(),
  /** ActiveCampaign custom field personalization tag (e.g. LOYALTY_TIER) → source column, or a field declaration. */
  fields: z.record(z.string(), fieldMappingSchema).optional(),
  /** Tag names applied to every member the export syncs. */
  tags: z.array(z.string()).optional(),
  /** A value that cannot be converted for its field: send the contact without it (default), or reject the row. */
  invalidValues: z.enum(INVALID_VALUE_POLICIES).optional(),
};

const mappingsSchema = z
  .strictObject(mappingsShape)
  .check((ctx) => {
    const m = ctx.value;
    const fields = Object.entries(m.fields ?? {});
    if (fields.length > MAX_CUSTOM_FIELDS) {
      ctx.issues.push({
        code: "custom",
        path: ["fields"],
        input: m.fields,
        message: `may map at most ${MAX_CUSTOM_FIELDS} custom fields; got ${fields.length}`,
      });
    }
    for (const [tag] of fields) {
      if (!PERSTAG.test(tag)) {
        ctx.issues.push({
          code: "custom",
          path: ["fields", tag],
          input: tag,
          message: `key ${show(tag)} must be a custom field personalization tag: upper-case A-Z, 0-9 and "_" (e.g. "${tag.toUpperCase().replace(/[^A-Z0-9_]/g, "_") || "LOYALTY_TIER"}")`,
        });
      } else if (STANDARD_PERSTAGS[tag]) {
        ctx.issues.push({
          code: "custom",
          path: ["fields", tag],
          input: tag,
          message: `${show(tag)} is a standard contact field, not a custom field; map it with ${STANDARD_PERSTAGS[tag]}`,
        });
      }
    }
    const tags = m.tags ?? [];
    if (tags.length > MAX_TAGS) {
      ctx.issues.push({ code: "custom", path: ["tags"], input: tags, message: `may list at most ${MAX_TAGS} tags; got ${tags.length}` });
    }
    const seenTags = new Map<string, number>();
    tags.forEach((tag, i) => {
      if (tag.trim().length === 0 || tag !== tag.trim() || tag.length > 255) {
        ctx.issues.push({
          code: "custom",
          path: ["tags", i],
          input: tag,
          message: `must be a tag name of 1-255 characters without leading or trailing spaces; got ${show(tag)}`,
        });
      }
      const key = tag.trim().toLowerCase();
      if (seenTags.has(key)) {
        ctx.issues.push({
          code: "custom",
          path: ["tags", i],
          input: tag,
          message: `repeats tag ${show(tags[seenTags.get(key)!])} (tags are compared ignoring case)`,
        });
      } else seenTags.set(key, i);
    });
    // One source column feeding two targets would make it unclear which value the column means.
    const targets: Array<[string[], string | undefined]> = [
      [["email"], m.email],
      [["firstName"], m.firstName],
      [["lastName"], m.lastName],
      [["phone"], m.phone === undefined ? undefined : mappingColumn(m.phone)],
      ...fields.map(([tag, mapping]): [string[], string] => [["fields", tag], mappingColumn(mapping)]),
    ];
    const byColumn = new Map<string, string>();
    for (const [path, column] of targets) {
      if (column === undefined) continue;
      const first = byColumn.get(column);
      if (first) {
        ctx.issues.push({
          code: "custom",
          path,
          input: column,
          message: `column ${show(column)} already feeds mappings.${first}; each source column may feed one target only`,
        });
      } else byColumn.set(column, path.join("."));
    }
  });

/** A whole number from `min` to `max`; `allowed` completes "must be …" in the error. */
const wholeNumber = (min: number, max: number, allowed: string) =>
  z.number().check((ctx) => {
    if (!Number.isInteger(ctx.value) || ctx.value < min || ctx.value > max) {
      ctx.issues.push({ code: "custom", input: ctx.value, message: `must be ${allowed}; got ${show(ctx.value)}` });
    }
  });

const connectionShape = {
  name: name("the connection's name"),
  hostname,
};

const limitsShape = {
  maxProfiles: wholeNumber(1, 10_000_000, "a whole number from 1 to 10000000")
    .default(1_000_000),
  maxRemovalsPerRun: percentOrCount("contacts", "the list's synced members").default("10%"),
  /** Rows rejected in the file or refused by ActiveCampaign that a run may have and still exit 0 (of rows read). */
  maxProblemRows: percentOrCount("rows", "the rows read").default("1%"),
};

/** consent.fullReadEveryHours when the config has no `consent` (a week: see README "The cached consent set"). */
export const DEFAULT_FULL_READ_EVERY_HOURS = 168;

/**
 * How the cached consent set (runner/sync/consent-cache.ts) is refreshed. Optional and left out of the normalized
 * config when absent, so configs synthesized by the constructs stay as they were.
 */
const consentShape = {
  /**
   * Read the list's unsubscribed, unconfirmed and bounced members in full when the cache's last full read of that
   * status is older than this (0: on every run and plan). In between, a refresh reads only counts and changes.
   */
  fullReadEveryHours: wholeNumber(0, 8760, "a whole number of hours from 0 (read in full on every run) to 8760 (a year)")
    .default(DEFAULT_FULL_READ_EVERY_HOURS),
};

/** The longest refusal cool-down: ten years is "never" in practice, and longer is surely a typo. */
const MAX_RETRY_AFTER_DAYS = 3650;

const refusalsShape = {
  /**
   * A contact ActiveCampaign refused (exclusion list, bounce, refused address: REAL-ACCOUNT.md F3) is sent again
   * after this many days even if its data did not change. Absent: only when its data changes.
   */
  retryAfterDays: wholeNumber(1, MAX_RETRY_AFTER_DAYS, `a whole number of days from 1 to ${MAX_RETRY_AFTER_DAYS} (leave it out to re-send a refused contact only when its data changes)`)
    .optional(),
};

const rateLimitShape = {
  /**
   * The most this export's runs use of the account's 5 requests/s. The default leaves 1/s to the account's other
   * integrations; exports of one connection running at the same time divide it (runner/state/connection-budget.ts).
   */
  requestsPerSecond: rate("requests per second to ActiveCampaign", false, MIN_REQUESTS_PER_SECOND).default(DEFAULT_REQUESTS_PER_SECOND),
  bulkRequestsPerMinute: rate("bulk import requests per minute", true, MIN_BULK_PER_MINUTE).default(AC_LIMITS.bulkRequestsPerMinute),
};

const configShape = {
  name: name("the export's name"),
  connection: z.strictObject(connectionShape),
  listId,
  segment: segmentSchema,
  mappings: mappingsSchema,
  onLeave: z.enum(LEAVE_POLICIES).default("keep"),
  /** Let ActiveCampaign automations run for imported contacts (ActiveCampaign's own default). */
  excludeAutomations: z.boolean().default(false),
  limits: z.strictObject(limitsShape).prefault({}),
  rateLimit: z.strictObject(rateLimitShape).prefault({}),
  consent: z.strictObject(consentShape).optional(),
  /** Absent (the usual case): a refused contact is sent again only when its data changes. */
  refusals: z.strictObject(refusalsShape).optional(),
  state: location('"file:.ac-export/state"').default(DEFAULT_STATE),
};

/** The keys each object of the config allows, by dotted path ("" for the root): for "unknown key" messages. */
const CONFIG_KEYS: Record<string, readonly string[]> = {
  "": Object.keys(configShape),
  connection: Object.keys(connectionShape),
  segment: Object.keys(segmentShape),
  mappings: Object.keys(mappingsShape),
  limits: Object.keys(limitsShape),
  rateLimit: Object.keys(rateLimitShape),
  consent: Object.keys(consentShape),
  refusals: Object.keys(refusalsShape),
};

export const exportConfigSchema = z.strictObject(configShape).check((ctx) => {
  const c = ctx.value;
  for (const [tag, mapping] of Object.entries(c.mappings?.fields ?? {})) {
    const lists = typeof mapping === "string" ? undefined : mapping.lists;
    if (lists && !lists.includes(0) && !lists.includes(c.listId)) {
      ctx.issues.push({
        code: "custom",
        path: ["mappings", "fields", tag, "lists"],
        input: lists,
        message: `must include the export's listId ${c.listId} (or 0 for every list): ActiveCampaign ignores a field's values on lists it does not apply to; got ${show(lists)}`,
      });
    }
  }
  if (c.onLeave === "untag" && (c.mappings?.tags ?? []).length === 0) {
    ctx.issues.push({
      code: "custom",
      path: ["onLeave"],
      input: c.onLeave,
      message: `"untag" removes the export's tags from leavers, so mappings.tags must list at least one tag`,
    });
  }
});

/** What constructs and users write (defaults may be left out). */
export type ExportConfigInput = z.input<typeof exportConfigSchema>;
/** The normalized config the runner works with (defaults filled in, listId a number, format known). */
export type ExportConfig = z.output<typeof exportConfigSchema>;
export type LeavePolicy = (typeof LEAVE_POLICIES)[number];
export type SegmentFormat = (typeof SEGMENT_FORMATS)[number];

export interface ConfigProblem {
  /** Dotted key path, e.g. "connection.hostname" or "mappings.tags.2"; "(root)" for the whole config. */
  path: string;
  message: string;
}

export class ConfigError extends AcExportError {
  constructor(readonly problems: ConfigProblem[]) {
    super("CONFIG_INVALID", formatProblems(problems));
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}

/** A key path as messages print it: plain keys bare, odd ones (invisible characters, long, secret-like) escaped. */
const joinPath = (path: ReadonlyArray<PropertyKey>): string => (path.length ? path.map((k) => showKey(String(k))).join(".") : "(root)");

/** Every property, at any depth, whose name looks like a credential. Custom-field tags are data, not keys. */
function findSecretKeys(value: unknown, path: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [];
  const found: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    const here = [...path, key];
    const isFieldTag = path.length === 2 && path[0] === "mappings" && path[1] === "fields";
    if (!isFieldTag && SECRET_KEY.test(key)) found.push(here);
    found.push(...findSecretKeys(child, here));
  }
  return found;
}

/** Problems from zod's issues, whose messages the error map (runner/config/messages.ts) already phrased. */
function toProblems(issues: z.ZodError["issues"]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code !== "unrecognized_keys") return [{ path: joinPath(issue.path), message: issue.message }];
    // One problem per key, each named by its own path.
    const allowed = CONFIG_KEYS[issue.path.join(".")] ?? mappingKeysAt(issue.path) ?? [];
    return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: unknownKeyMessage(key, allowed) }));
  });
}

/** Validate and normalize. Throws ConfigError listing every problem at once. */
export function parseExportConfig(input: unknown): ExportConfig {
  const result = safeParseExportConfig(input);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

export function safeParseExportConfig(
  input: unknown,
): { ok: true; config: ExportConfig; warnings: string[] } | { ok: false; problems: ConfigProblem[] } {
  // Too deep, too wide, too long or a forbidden key: nothing further is safe to walk, so stop here.
  const shape = shapeProblems(input);
  if (shape.length > 0) return { ok: false, problems: shape };
  const secretKeys = findSecretKeys(input);
  // A value under a credential-named key is already refused with its key.
  const secretValues = findSecretValues(input).filter((s) => !secretKeys.some((k) => startsWith(s.path, k)));
  const secretProblems: ConfigProblem[] = [
    ...secretKeys.map((path) => ({
      path: joinPath(path),
      message:
        "looks like a credential and is refused: API keys never go in the config (it is committed and deployed as plain text); the runner reads the key from the AC_API_KEY environment variable",
    })),
    ...secretValues.map(({ path, kind, isKey }) => ({
      path: joinPath(path),
      message: `${isKey ? "is a key that " : ""}${secretRefusal("", kind).replace(/^: /, "")}; in the runner, the key comes from AC_API_KEY only`,
    })),
  ];
  // Credential-like keys are removed and secret-like values blanked before parsing, so each is reported once (not
  // again as an unknown key or a bad value) and no schema message can quote it.
  const refused = secretValues.map((s) => s.path);
  const cleaned = secretProblems.length ? withoutSecrets(input, secretKeys, secretValues) : input;
  const result = exportConfigSchema.safeParse(cleaned, { error: configErrorMap });
  const issues = result.success ? [] : result.error.issues.filter((i) => !refused.some((r) => startsWith(i.path, r)));
  const problems = [...secretProblems, ...toProblems(issues)];
  if (problems.length > 0 || !result.success) return { ok: false, problems };
  return { ok: true, config: result.data, warnings: configWarnings(result.data) };
}

const startsWith = (path: ReadonlyArray<PropertyKey>, prefix: readonly string[]) =>
  prefix.every((key, i) => i < path.length && String(path[i]) === key);

/** A copy without the credential-named keys, and with secret-like values (or keys) blanked. */
function withoutSecrets(value: unknown, keyPaths: string[][], secrets: ReturnType<typeof findSecretValues>): unknown {
  if (secrets.some((s) => s.path.length === 0)) return "(refused)";
  const copy = structuredClone(value) as Record<string, unknown>;
  const parentOf = (path: string[]): any => path.slice(0, -1).reduce<any>((node, key) => node?.[key], copy);
  for (const path of [...keyPaths, ...secrets.filter((s) => s.isKey).map((s) => s.path)]) {
    const node = parentOf(path);
    if (node && typeof node === "object") delete node[path[path.length - 1]!];
  }
  for (const { path } of secrets.filter((s) => !s.isKey)) {
    const node = parentOf(path);
    if (node && typeof node === "object") node[path[path.length - 1]!] = "(refused)";
  }
  return copy;
}

/** Things that are allowed but worth a second look. */
export function configWarnings(config: ExportConfig): string[] {
  const warnings: string[] = [];
  const { requestsPerSecond, bulkRequestsPerMinute } = config.rateLimit;
  if (requestsPerSecond > AC_LIMITS.requestsPerSecond) {
    warnings.push(
      `rateLimit.requestsPerSecond ${requestsPerSecond} is above ActiveCampaign's account limit of ${AC_LIMITS.requestsPerSecond}/s; use it only against the sandbox`,
    );
  }
  if (bulkRequestsPerMinute > AC_LIMITS.bulkRequestsPerMinute) {
    warnings.push(
      `rateLimit.bulkRequestsPerMinute ${bulkRequestsPerMinute} is above ActiveCampaign's limit of ${AC_LIMITS.bulkRequestsPerMinute}/min; use it only against the sandbox`,
    );
  }
  return warnings;
}

/** The removal cap as a number of contacts, given how many members the state says the sync has on the list. */
export function removalCap(config: ExportConfig, syncedMembers: number): number {
  return limitCount(config.limits.maxRemovalsPerRun, syncedMembers);
}

/** A count-or-percentage limit (500 or "10%") as a number, given what the percentage is of. */
export function limitCount(limit: number | string, base: number): number {
  if (typeof limit === "number") return limit;
  return Math.floor((base * Number(limit.slice(0, -1))) / 100);
}
