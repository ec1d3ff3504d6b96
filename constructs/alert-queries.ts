// The KQL of the export alerts: what the job really logs. A Container Apps job's console output lands in the
// environment's Log Analytics workspace, in ContainerAppConsoleLogs_CL (classic: ContainerJobName_s / ContainerAppName_s,
// Log_s) or ContainerAppConsoleLogs (newer schema: ContainerAppName, Log). The runner writes one JSON object per line
// on stderr when not a TTY (runner/sync/events.ts) and ends with
//   {"event":"finished","status":"succeeded"|"completed-with-problems"|"failed"|"blocked","exitCode":…,"error":{"code":…}}
// (runner/commands/sync-command.ts; its fields are RUN_LOG in runner/config/contract.ts). The reject-share alert
// reads the rows read and the rejected and refused rows from that line.
// Executions that never reach it (image pull, out of memory, timeout) show in ContainerAppSystemLogs(_CL).
import { RUN_LOG } from "../runner/config/contract.js";


const kql = (s: string) => JSON.stringify(s);

/** Console lines of one job from either table schema, as (TimeGenerated, Replica, Line). */
export function jobConsoleLines(jobName: string): string {
  return [
    "union isfuzzy=true",
    '  (ContainerAppConsoleLogs_CL | extend Job = coalesce(tostring(column_ifexists("ContainerJobName_s", "")), tostring(column_ifexists("ContainerAppName_s", ""))), Replica = tostring(column_ifexists("ContainerGroupName_s", "")), Line = tostring(column_ifexists("Log_s", ""))),',
    '  (ContainerAppConsoleLogs | extend Job = tostring(column_ifexists("ContainerAppName", "")), Replica = tostring(column_ifexists("ContainerGroupName", "")), Line = tostring(column_ifexists("Log", "")))',
    `| where Job == ${kql(jobName)}`,
    "| project TimeGenerated, Replica, Line",
  ].join("\n");
}

/** The runner's finished lines of one job, parsed. */
function finishedLines(jobName: string): string {
  return [
    jobConsoleLines(jobName),
    '| where Line startswith "{"',
    "| extend e = parse_json(Line)",
    `| where tostring(e.event) == ${kql(RUN_LOG.finishedEvent)}`,
    "| extend Status = tostring(e.status), ExitCode = toint(e.exitCode), ErrorCode = tostring(e.error.code)",
  ].join("\n");
}

/** A run that failed or was blocked, or an execution the platform reports as failed. */
export function failedRunQuery(jobName: string): string {
  return [
    "union isfuzzy=true",
    `  (${finishedLines(jobName).split("\n").join("\n   ")}`,
    `   | where Status in (${RUN_LOG.failedStatuses.map(kql).join(", ")})`,
    '   | project TimeGenerated, Replica, What = strcat("run ", Status, " with exit code ", ExitCode, " (", ErrorCode, ")")),',
    '  (ContainerAppSystemLogs_CL | extend Job = coalesce(tostring(column_ifexists("JobName_s", "")), tostring(column_ifexists("ContainerAppName_s", ""))), Reason = tostring(column_ifexists("Reason_s", "")), Replica = tostring(column_ifexists("ReplicaName_s", "")), Msg = tostring(column_ifexists("Log_s", ""))',
    `   | where Job startswith ${kql(jobName)} and (Reason has "Failed" or Reason has "BackOff")`,
    "   | project TimeGenerated, Replica, What = strcat(Reason, \": \", Msg)),",
    '  (ContainerAppSystemLogs | extend Job = coalesce(tostring(column_ifexists("JobName", "")), tostring(column_ifexists("ContainerAppName", ""))), Reason = tostring(column_ifexists("Reason", "")), Replica = tostring(column_ifexists("ReplicaName", "")), Msg = tostring(column_ifexists("Log", ""))',
    `   | where Job startswith ${kql(jobName)} and (Reason has "Failed" or Reason has "BackOff")`,
    "   | project TimeGenerated, Replica, What = strcat(Reason, \": \", Msg))",
  ].join("\n");
}

/** A finished run whose rejected or refused rows are more than `share` (0-1) of the rows read. */
export function rejectedShareQuery(jobName: string, share: number): string {
  return [
    finishedLines(jobName),
    `| extend Rows = toreal(e.${RUN_LOG.rowsRead}), ProblemRows = toreal(e.${RUN_LOG.rejected}) + toreal(e.${RUN_LOG.refused})`,
    `| where Rows > 0 and ProblemRows / Rows > ${share}`,
    "| project TimeGenerated, Replica, Rows, ProblemRows, Share = round(ProblemRows / Rows, 4)",
  ].join("\n");
}

/** A run (finished or still going) that has taken more than `seconds` from its first log line to its last. */
export function slowRunQuery(jobName: string, seconds: number): string {
  return [
    jobConsoleLines(jobName),
    "| summarize Started = min(TimeGenerated), Last = max(TimeGenerated) by Replica",
    "| extend Seconds = datetime_diff(\"second\", Last, Started)",
    `| where Seconds > ${seconds}`,
  ].join("\n");
}

/** Successful runs in the last `hours` hours: the alert fires when there are none. */
export function successfulRunsQuery(jobName: string, hours: number): string {
  return [
    finishedLines(jobName),
    `| where TimeGenerated > ago(${hours}h) and Status in (${RUN_LOG.okStatuses.map(kql).join(", ")})`,
    "| project TimeGenerated, Replica, Status",
  ].join("\n");
}

/** Window sizes Azure Monitor accepts for log alerts (ISO 8601), smallest first, with their length in minutes. */
const WINDOWS: ReadonlyArray<[string, number]> = [
  ["PT15M", 15],
  ["PT30M", 30],
  ["PT45M", 45],
  ["PT1H", 60],
  ["PT2H", 120],
  ["PT3H", 180],
  ["PT4H", 240],
  ["PT5H", 300],
  ["PT6H", 360],
  ["P1D", 1440],
  ["P2D", 2880],
];

/** The smallest accepted window of at least `minutes` (the largest, two days, when none is). */
export function windowOf(minutes: number): string {
  return (WINDOWS.find(([, m]) => m >= minutes) ?? WINDOWS[WINDOWS.length - 1]!)[0];
}
