// Validation and config building of ActiveCampaignExport, apart from the wiring of its resources (the aws-cdk
// validate-props pattern): the props, the one table between props and ExportConfig paths, and the checks that make
// a bad prop fail `cdktf synth` with the schema's message, the prop's name and the construct's path.
import { Annotations, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type ExportConfig, type ExportConfigInput, type LeavePolicy, safeParseExportConfig } from "../runner/config.js";
import type { FieldMappingInput, PhoneMappingInput } from "../runner/config/field-mapping.js";
import type { ActiveCampaignConnection } from "./connection.js";
import { Schedule } from "./schedule.js";
import type { BoundSegment, SegmentSource } from "./segment-source.js";
import { checkExportAlerts, type ExportAlerts } from "./alerts.js";
import { type AllListed, fitName, isToken, JOB_NAME, PropChecker, show } from "./util.js";

/** 1M profiles need ≥ 40 minutes at ActiveCampaign's 100 bulk imports/min × 250 contacts; 2 h leaves a 3× margin. */
export const DEFAULT_REPLICA_TIMEOUT_SECONDS = 7200;

export interface ExportMappings {
  /** Source column with the email address (required: ActiveCampaign keys contacts by email). */
  readonly email: string;
  /** Source column for the first name. @default - not sent */
  readonly firstName?: string;
  /** Source column for the last name. @default - not sent */
  readonly lastName?: string;
  /**
   * Source column for the phone number, or `{ column, e164: { defaultCountry: "US" } }` to send numbers in E.164.
   * @default - not sent
   */
  readonly phone?: PhoneMappingInput;
  /**
   * Custom field personalization tag (e.g. "LOYALTY_TIER") → source column (type from ActiveCampaign), or a
   * declaration of the field: `{ column, title, type, options, lists, create, addOptions, timeZone, dateFormats,
   * separator, booleans }` (README "Custom fields and tags as code"); at most 100.
   * @default - none
   */
  readonly fields?: Record<string, FieldMappingInput>;
  /** Tags applied to every synced member, created at the run's preflight when missing; at most 20. @default - none */
  readonly tags?: string[];
  /**
   * A value that cannot be converted for its field: "omit-field" sends the contact without it (and reports it),
   * "reject-row" rejects the row.
   * @default "omit-field"
   */
  readonly invalidValues?: "omit-field" | "reject-row";
}

export interface ActiveCampaignExportProps {
  /** The ActiveCampaign account to send to, and who may run the export. */
  readonly connection: ActiveCampaignConnection;
  /** Where the segment's members come from. */
  readonly segment: SegmentSource;
  /** The ActiveCampaign list ID (a positive whole number). */
  readonly listId: number;
  /** Which source columns feed which contact fields. */
  readonly mappings: ExportMappings;
  /**
   * When the export runs (UTC).
   * @default Schedule.daily({ hour: 2 }) - 02:00 UTC every day
   */
  readonly schedule?: Schedule;
  /**
   * `false` keeps the export deployed (job, identity, state, access) but never scheduled: the job gets a manual
   * trigger instead of the schedule, so it runs only when someone starts it on demand. Remove the export to stop
   * it for good.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The export's name in its config, state, reports, job and container names (1-48 lowercase letters, digits, "-").
   * @default - the construct id
   */
  readonly exportName?: string;
  /**
   * What happens to members who leave the segment: "keep", "unsubscribe" (from this list) or "untag" (remove
   * `mappings.tags`).
   * @default "keep"
   */
  readonly onLeave?: LeavePolicy;
  /**
   * Stop ActiveCampaign automations from firing for imported contacts.
   * @default false
   */
  readonly excludeAutomations?: boolean;
  /**
   * Most valid profiles a run accepts; more stops the run before any write (1 to 10,000,000).
   * @default 1000000
   */
  readonly maxProfiles?: number;
  /**
   * Most removals a run may make (a count, or a percentage of synced members such as "10%"); more stops the run
   * before any write.
   * @default "10%"
   */
  readonly maxRemovalsPerRun?: number | string;
  /**
   * Most problem rows (rejected in the file plus refused by ActiveCampaign) a run may have and still exit 0: a count,
   * or a percentage of the rows read such as "1%". More exits 3, which fails the job; 0 fails it on any problem row.
   * @default "1%"
   */
  readonly maxProblemRows?: number | string;
  /**
   * This export's share of the account's 5 requests/s (lower it when exports of one account run at the same time).
   * @default 5
   */
  readonly requestsPerSecond?: number;
  /**
   * This export's share of the account's 100 bulk imports/min.
   * @default 100
   */
  readonly bulkRequestsPerMinute?: number;
  /**
   * Longest a run may take, in seconds (300-86400). ExportChecks warns (ACX-JOB1) when it is below what
   * `maxProfiles` needs at the bulk-import rate limit, with a 1.5× margin.
   * @default 7200
   */
  readonly replicaTimeoutSeconds?: number;
  /**
   * How often Container Apps retries a failed run (0-10). Retries are safe: runs resume from their last checkpoint.
   * @default 1
   */
  readonly retryLimit?: number;
  /**
   * vCPUs of the job's container (0.25-4 in steps of 0.25).
   * @default 1
   */
  readonly cpu?: number;
  /**
   * Memory of the job's container; must be twice the vCPUs in Gi (Container Apps' consumption pairs).
   * @default "2Gi"
   */
  readonly memory?: string;
  /**
   * Extra tags on the export's resources.
   * @default - the platform's tags
   */
  readonly tags?: Record<string, string>;
  /**
   * This export's alerts: overrides of the platform's `alerts` (thresholds, or its own emails/webhook), or
   * `{ enabled: false }` for none.
   * @default - the platform's alerts
   */
  readonly alerts?: ExportAlerts;
}

/** The props ActiveCampaignExport knows, checked at run time (an unknown prop is an error with a did-you-mean). */
const EXPORT_PROPS = [
  "connection",
  "segment",
  "listId",
  "mappings",
  "schedule",
  "enabled",
  "exportName",
  "onLeave",
  "excludeAutomations",
  "maxProfiles",
  "maxRemovalsPerRun",
  "maxProblemRows",
  "requestsPerSecond",
  "bulkRequestsPerMinute",
  "replicaTimeoutSeconds",
  "retryLimit",
  "cpu",
  "memory",
  "tags",
  "alerts",
] as const satisfies ReadonlyArray<keyof ActiveCampaignExportProps>;
const _allExportProps: AllListed<ActiveCampaignExportProps, (typeof EXPORT_PROPS)[number]> = true;
void _allExportProps;

/**
 * The one table between props (paths as a user writes them) and ExportConfig paths. It builds the config from the
 * props and names the prop behind each of the schema's problems. `connection` and `segment` are objects whose
 * parts the export reads itself; the other props are copied as they are.
 */
const PROP_CONFIG_PATHS = [
  ["exportName", "name"],
  ["connection", "connection"],
  ["listId", "listId"],
  ["segment.displayName", "segment.name"],
  ["segment", "segment.source"],
  ["segment.format", "segment.format"],
  ["segment.delimiter", "segment.delimiter"],
  ["mappings", "mappings"],
  ["onLeave", "onLeave"],
  ["excludeAutomations", "excludeAutomations"],
  ["maxProfiles", "limits.maxProfiles"],
  ["maxRemovalsPerRun", "limits.maxRemovalsPerRun"],
  ["maxProblemRows", "limits.maxProblemRows"],
  ["requestsPerSecond", "rateLimit.requestsPerSecond"],
  ["bulkRequestsPerMinute", "rateLimit.bulkRequestsPerMinute"],
] as const satisfies ReadonlyArray<readonly [string, string]>;

/** Props whose value goes into the config as it is (connection and segment are read by the export itself). */
const isCopied = (prop: string): boolean => prop !== "connection" && !prop.startsWith("segment");

/** The prop behind a config path (e.g. "limits.maxProfiles" → "maxProfiles", "mappings.fields.X" → itself). */
export function propFor(configPath: string): string {
  const hit = PROP_CONFIG_PATHS.find(([, path]) => configPath === path || configPath.startsWith(`${path}.`));
  if (!hit) return configPath;
  const [prop, path] = hit;
  // "connection.hostname" came from the connection as a whole; deeper paths of copied props keep their tail.
  return prop === "connection" || prop === "segment" ? prop : `${prop}${configPath.slice(path.length)}`;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

/** The ExportConfig input the props describe (before validation). */
function configInput(p: ActiveCampaignExportProps, exportName: string, segment: BoundSegment, state: string): ExportConfigInput {
  const input: Record<string, unknown> = {
    connection: { name: p.connection.connectionName, hostname: p.connection.hostname },
    segment: segment.config,
    state,
  };
  const values: Record<string, unknown> = { ...p, exportName };
  for (const [prop, path] of PROP_CONFIG_PATHS) {
    if (isCopied(prop) && values[prop] !== undefined) setPath(input, path, values[prop]);
  }
  return input as ExportConfigInput;
}

function tokenPaths(value: unknown, path: string[] = []): string[] {
  if (isToken(value)) return [path.join(".")];
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => tokenPaths(v, [...path, k]));
  return [];
}

/** What an ActiveCampaignExport is built from once its props are valid. */
export interface ValidatedExport {
  readonly exportName: string;
  readonly connection: ActiveCampaignConnection;
  readonly segment: BoundSegment;
  /** The validated, normalized config (what AC_EXPORT_CONFIG holds). */
  readonly config: ExportConfig;
  readonly schedule: Schedule;
  readonly enabled: boolean;
  readonly replicaTimeoutSeconds: number;
  readonly retryLimit: number;
  readonly cpu: number;
  readonly memory: string;
  readonly jobName: string;
  /** The export's own state container. */
  readonly containerName: string;
  readonly stateLocation: string;
}

const exportNamesByStack = new WeakMap<TerraformStack, Map<string, string>>();

/** Checks the props and builds the export's config; throws InvalidPropsError listing every problem. */
export function validateExportProps(scope: Construct, id: string, props: ActiveCampaignExportProps): ValidatedExport {
  const check = new PropChecker(scope, "ActiveCampaignExport");
  const p = props ?? ({} as ActiveCampaignExportProps);
  if (!check.guard(p, EXPORT_PROPS)) check.throwIfAny();
  if (!p.connection || typeof p.connection !== "object" || !("registerExport" in p.connection)) {
    check.add("connection", `must be an ActiveCampaignConnection; got ${show(p.connection)}`);
    check.throwIfAny();
  }
  if (!p.segment || typeof (p.segment as { bind?: unknown }).bind !== "function") {
    check.add("segment", `must be a SegmentSource, e.g. SegmentSource.blob({ storageAccountId, container, prefix }); got ${show(p.segment)}`);
    check.throwIfAny();
  }
  const platform = p.connection.platform;
  const exportName = p.exportName ?? id;
  const segment = p.segment.bind();
  for (const problem of segment.problems) check.add(problem.prop, problem.message);

  // The state container: one per export, so the job's Blob Data Contributor role covers its own state only.
  const containerName = fitName("export-", String(exportName), 63);
  const stateLocation = `${platform.blobEndpoint}/${containerName}/state/`;
  const config = checkConfig(scope, check, configInput(p, exportName, segment, stateLocation));
  const job = checkJobProps(check, p);
  if (p.alerts !== undefined) for (const problem of checkExportAlerts(p.alerts)) check.add(problem.prop, problem.message);
  const jobName = fitName(`${platform.namePrefix}-`, String(exportName), 32);
  if (!JOB_NAME.test(jobName)) check.add("exportName", `gives the job name ${show(jobName)}, which Azure does not accept`);

  const stack = TerraformStack.of(scope);
  const names = exportNamesByStack.get(stack) ?? new Map<string, string>();
  exportNamesByStack.set(stack, names);
  const other = names.get(String(exportName));
  if (other) check.add("exportName", `${show(exportName)} is already used by the export at "${other}"; export names must be unique in a stack`);
  check.throwIfAny();
  names.set(exportName, scope.node.path);
  return { exportName, connection: p.connection, segment, config: config!, ...job, jobName, containerName, stateLocation };
}

/** The schema's verdict on the config, its problems named by prop; warnings become synth warnings. */
function checkConfig(scope: Construct, check: PropChecker, input: ExportConfigInput): ExportConfig | undefined {
  const tokens = tokenPaths(input);
  for (const path of tokens) {
    check.add(propFor(path), "must be a literal value known at synth time (it is part of the export config that is validated and reviewed before deploy); got a Terraform token");
  }
  if (tokens.length) return undefined;
  const parsed = safeParseExportConfig(input);
  if (!parsed.ok) {
    for (const problem of parsed.problems) check.add(propFor(problem.path), problem.message);
    return undefined;
  }
  for (const w of parsed.warnings) Annotations.of(scope).addWarning(w);
  return parsed.config;
}

/** The job's own props (not part of the config): schedule, timeout, retries, size. */
function checkJobProps(check: PropChecker, p: ActiveCampaignExportProps) {
  const enabled = p.enabled ?? true;
  if (typeof enabled !== "boolean") check.add("enabled", `must be true or false; got ${show(enabled)}`);
  const schedule = p.schedule ?? Schedule.daily({ hour: 2 });
  if (!(schedule instanceof Schedule)) check.add("schedule", `must be a Schedule, e.g. Schedule.cron("0 3 * * *") or Schedule.daily({ hour: 3 }); got ${show(schedule)}`);
  const replicaTimeoutSeconds = p.replicaTimeoutSeconds ?? DEFAULT_REPLICA_TIMEOUT_SECONDS;
  if (!isToken(replicaTimeoutSeconds) && (!Number.isInteger(replicaTimeoutSeconds) || replicaTimeoutSeconds < 300 || replicaTimeoutSeconds > 86400)) {
    check.add("replicaTimeoutSeconds", `must be a whole number of seconds from 300 to 86400; got ${show(replicaTimeoutSeconds)}`);
  }
  const retryLimit = p.retryLimit ?? 1;
  if (!isToken(retryLimit) && (!Number.isInteger(retryLimit) || retryLimit < 0 || retryLimit > 10)) {
    check.add("retryLimit", `must be a whole number from 0 to 10; got ${show(retryLimit)}`);
  }
  const cpu = p.cpu ?? 1;
  const memory = p.memory ?? `${cpu * 2}Gi`;
  if (typeof cpu !== "number" || cpu < 0.25 || cpu > 4 || !Number.isInteger(cpu * 4)) {
    check.add("cpu", `must be 0.25 to 4 vCPUs in steps of 0.25; got ${show(cpu)}`);
  } else if (memory !== `${cpu * 2}Gi`) {
    check.add("memory", `must be twice the vCPUs in Gi, "${cpu * 2}Gi" for cpu ${cpu} (Container Apps' consumption pairs); got ${show(memory)}`);
  }
  return { enabled, schedule, replicaTimeoutSeconds, retryLimit, cpu, memory };
}
