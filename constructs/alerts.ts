// Alerts as code (issue #14): per export, four Azure Monitor log alerts over the platform's Log Analytics workspace
// (a failed run, rejected or refused rows above a share, a run close to its timeout, no successful run within a
// window), sent to an action group with emails and/or a webhook. Settings come from the platform's `alerts`, and an
// export's own `alerts` overrides them. The KQL lives in alert-queries.ts.
import { MonitorActionGroup } from "@cdktf/provider-azurerm/lib/monitor-action-group/index.js";
import { MonitorScheduledQueryRulesAlertV2 } from "@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2/index.js";
import { Construct } from "constructs";
import { JOB_TAGS } from "../runner/config/contract.js";
import { failedRunQuery, rejectedShareQuery, slowRunQuery, successfulRunsQuery, windowOf } from "./alert-queries.js";
import type { ExportPlatform } from "./platform.js";
import { unknownProps } from "./prop-guards.js";
import { isToken, type PropProblem, show } from "./util.js";

export interface AlertThresholds {
  /**
   * Alert when a run's rows rejected in the file or refused by ActiveCampaign are more than this share of the rows
   * read (0.001-1).
   * @default 0.05
   */
  readonly rejectedShare?: number;
  /**
   * Alert when a run has taken more than this share of its replica timeout (0.1-0.99).
   * @default 0.8
   */
  readonly timeoutShare?: number;
  /**
   * Alert when no run succeeded within this many hours (1-48). Scheduled exports only.
   * @default - the schedule's longest gap between runs plus the replica timeout plus 1 hour; no such alert when
   * that is over 48 hours (Azure's longest log-alert window), e.g. for weekly exports
   */
  readonly noSuccessWithinHours?: number;
  /**
   * Azure Monitor severity of the alerts (0 critical … 4 verbose).
   * @default 2
   */
  readonly severity?: number;
}

export interface AlertRoutes {
  /** Email addresses the alerts go to. @default - none */
  readonly emails?: string[];
  /** An HTTPS webhook the alerts are posted to (common alert schema). @default - none */
  readonly webhookUrl?: string;
}

/** ExportPlatform `alerts`: routes and defaults for every export on the platform. */
export interface PlatformAlerts extends AlertThresholds, AlertRoutes {}

/** ActiveCampaignExport `alerts`: overrides of the platform's settings for one export. */
export interface ExportAlerts extends AlertThresholds, AlertRoutes {
  /**
   * `false` creates no alerts for this export (ExportChecks ACX-ALERT1 then warns unless suppressed with a reason).
   * @default true
   */
  readonly enabled?: boolean;
}

const THRESHOLD_KEYS = ["rejectedShare", "timeoutShare", "noSuccessWithinHours", "severity"] as const;
const ROUTE_KEYS = ["emails", "webhookUrl"] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkAlerts(alerts: unknown, allowed: readonly string[]): PropProblem[] {
  if (!alerts || typeof alerts !== "object") return [{ prop: "alerts", message: `must be an object such as { emails: ["ops@contoso.com"] }; got ${show(alerts)}` }];
  const a = alerts as ExportAlerts;
  const problems = unknownProps(a, allowed, "alerts.").map((p) => ({ ...p }));
  const range = (prop: keyof AlertThresholds, min: number, max: number, whole = false) => {
    const v = a[prop];
    if (v === undefined || isToken(v)) return;
    if (typeof v !== "number" || v < min || v > max || (whole && !Number.isInteger(v))) {
      problems.push({ prop: `alerts.${prop}`, message: `must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}; got ${show(v)}` });
    }
  };
  range("rejectedShare", 0.001, 1);
  range("timeoutShare", 0.1, 0.99);
  range("noSuccessWithinHours", 1, 48, true);
  range("severity", 0, 4, true);
  if (a.emails !== undefined) {
    if (!Array.isArray(a.emails)) problems.push({ prop: "alerts.emails", message: `must be a list of email addresses; got ${show(a.emails)}` });
    else a.emails.forEach((e, i) => {
      if (!isToken(e) && (typeof e !== "string" || !EMAIL.test(e))) problems.push({ prop: `alerts.emails[${i}]`, message: `must be an email address such as "ops@contoso.com"; got ${show(e)}` });
    });
  }
  if (a.webhookUrl !== undefined && !isToken(a.webhookUrl) && (typeof a.webhookUrl !== "string" || !/^https:\/\/[^\s/]+/.test(a.webhookUrl))) {
    problems.push({ prop: "alerts.webhookUrl", message: `must be an https:// URL; got ${show(a.webhookUrl)}` });
  }
  if (a.enabled !== undefined && typeof a.enabled !== "boolean") problems.push({ prop: "alerts.enabled", message: `must be true or false; got ${show(a.enabled)}` });
  return problems;
}

export const checkPlatformAlerts = (alerts: unknown): PropProblem[] => checkAlerts(alerts, [...THRESHOLD_KEYS, ...ROUTE_KEYS]);
export const checkExportAlerts = (alerts: unknown): PropProblem[] => checkAlerts(alerts, [...THRESHOLD_KEYS, ...ROUTE_KEYS, "enabled"]);

const hasRoutes = (a: AlertRoutes | undefined): boolean => !!a && ((a.emails?.length ?? 0) > 0 || a.webhookUrl !== undefined);

/** An action group for `routes`, when it has any. */
function actionGroup(scope: Construct, platform: ExportPlatform, name: string, routes: AlertRoutes): MonitorActionGroup {
  const tags = Object.keys(platform.tags).length ? platform.tags : undefined;
  return new MonitorActionGroup(scope, "ActionGroup", {
    name,
    resourceGroupName: platform.resourceGroupName,
    location: "global",
    shortName: "acx-alerts",
    emailReceiver: (routes.emails ?? []).map((emailAddress, i) => ({ name: `email-${i + 1}`, emailAddress, useCommonAlertSchema: true })),
    ...(routes.webhookUrl !== undefined ? { webhookReceiver: [{ name: "webhook", serviceUri: routes.webhookUrl, useCommonAlertSchema: true }] } : {}),
    tags,
  });
}

/** What the platform's `alerts` gives its exports. */
export interface BoundPlatformAlerts {
  readonly settings: PlatformAlerts;
  readonly actionGroup?: MonitorActionGroup;
}

export function bindPlatformAlerts(platform: ExportPlatform, alerts: PlatformAlerts): BoundPlatformAlerts {
  const scope = new Construct(platform, "Alerts");
  return {
    settings: alerts,
    ...(hasRoutes(alerts) ? { actionGroup: actionGroup(scope, platform, `${platform.namePrefix}-acx-alerts`, alerts) } : {}),
  };
}

/** What one export's alerts are about. */
export interface AlertTarget {
  readonly platform: ExportPlatform;
  readonly exportName: string;
  readonly jobName: string;
  readonly enabled: boolean;
  readonly replicaTimeoutSeconds: number;
  /** Minutes between scheduled runs at most (Infinity when unknown). */
  readonly scheduleGapMinutes: number;
}

/** The export's alerts: its rules and the action groups they notify (empty: no route, ACX-ALERT1). */
export interface BoundExportAlerts {
  readonly rules: MonitorScheduledQueryRulesAlertV2[];
  readonly actionGroupIds: string[];
}

/** Creates the export's alert rules, or nothing when neither the platform nor the export asks for alerts. */
export function bindExportAlerts(scope: Construct, target: AlertTarget, own: ExportAlerts | undefined): BoundExportAlerts {
  const fromPlatform = target.platform.alerts;
  if (own?.enabled === false || (!fromPlatform && own === undefined)) return { rules: [], actionGroupIds: [] };
  const s: ExportAlerts = { ...(fromPlatform?.settings ?? {}), ...(own ?? {}) };
  const alerts = new Construct(scope, "Alerts");
  const group = hasRoutes(own) ? actionGroup(alerts, target.platform, `${target.jobName}-alerts`, own!) : fromPlatform?.actionGroup;
  const actionGroupIds = group ? [group.id] : [];
  const p = target.platform;
  const tags = { ...p.tags, [JOB_TAGS.export]: target.exportName };
  const rule = (id: string, what: string, query: string, window: string, frequency: string, operator: "GreaterThan" | "LessThan", threshold: number) =>
    new MonitorScheduledQueryRulesAlertV2(alerts, id, {
      name: `${target.jobName}-${id.toLowerCase()}`,
      displayName: `ac-export ${target.exportName}: ${what}`,
      description: `ac-export: export ${target.exportName} (job ${target.jobName}): ${what}`,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      scopes: [p.logAnalyticsWorkspace.id],
      severity: s.severity ?? 2,
      evaluationFrequency: frequency,
      windowDuration: window,
      criteria: [{ query, timeAggregationMethod: "Count", operator, threshold, failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 } }],
      ...(actionGroupIds.length ? { action: { actionGroups: actionGroupIds } } : {}),
      // The tables may not exist before the first run writes to them.
      skipQueryValidation: true,
      tags,
    });
  const timeout = target.replicaTimeoutSeconds;
  const slowWindow = windowOf(Math.ceil(timeout / 60) + 15);
  const rules = [
    rule("Failed", "a run failed or was blocked", failedRunQuery(target.jobName), "PT15M", "PT15M", "GreaterThan", 0),
    rule(
      "Rejects",
      `more than ${(s.rejectedShare ?? 0.05) * 100}% of a run's rows were rejected or refused`,
      rejectedShareQuery(target.jobName, s.rejectedShare ?? 0.05),
      "PT15M",
      "PT15M",
      "GreaterThan",
      0,
    ),
    rule(
      "Slow",
      `a run took more than ${Math.round((s.timeoutShare ?? 0.8) * 100)}% of its ${Math.round(timeout / 60)}-minute timeout`,
      slowRunQuery(target.jobName, Math.floor(timeout * (s.timeoutShare ?? 0.8))),
      slowWindow,
      slowWindow.startsWith("P1D") || slowWindow.startsWith("P2D") ? "PT1H" : "PT15M",
      "GreaterThan",
      0,
    ),
  ];
  const hours = s.noSuccessWithinHours ?? defaultNoSuccessHours(target.scheduleGapMinutes, timeout);
  if (target.enabled && hours !== undefined) {
    rules.push(rule("NoSuccess", `no successful run in ${hours} hours`, successfulRunsQuery(target.jobName, hours), windowOf(hours * 60), "PT1H", "LessThan", 1));
  }
  return { rules, actionGroupIds };
}

/**
 * The schedule's longest gap plus the timeout plus an hour, in whole hours; undefined when that is over 48 hours
 * (Azure's longest log-alert window), e.g. for a weekly export: such an alert would fire between every two runs.
 */
export function defaultNoSuccessHours(gapMinutes: number, timeoutSeconds: number): number | undefined {
  const hours = Math.ceil((gapMinutes + timeoutSeconds / 60) / 60) + 1;
  return Number.isFinite(hours) && hours <= 48 ? hours : undefined;
}
