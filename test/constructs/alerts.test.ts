// Alerts as code (#14): per export four Azure Monitor log alerts over the platform's workspace, an action group with
// emails and a webhook, Key Vault audit logs to the workspace, ACX-ALERT1 for an export nobody hears about, and
// what the review shows.
import { MonitorActionGroup } from "@cdktf/provider-azurerm/lib/monitor-action-group/index.js";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { failedRunQuery, rejectedShareQuery, slowRunQuery, successfulRunsQuery } from "../../constructs/alert-queries.js";
import { defaultNoSuccessHours } from "../../constructs/alerts.js";
import { ExportChecks, Schedule } from "../../constructs/index.js";
import { runCli } from "../helpers/cli.js";
import { annotations, basicStack, ref, resourcesOf, synthJson } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const ORDER = ["failed", "rejects", "slow", "nosuccess"];
/** The export's rules in the order failed, rejects, slow, no success (cdk.tf.json sorts them by logical ID). */
const byKind = (json: Record<string, any>) =>
  (Object.values(resourcesOf(json, "azurerm_monitor_scheduled_query_rules_alert_v2")) as Array<Record<string, any>>).sort(
    (a, b) => ORDER.indexOf(a.name.split("-").pop()) - ORDER.indexOf(b.name.split("-").pop()),
  );
const ALERTS = { emails: ["ops@contoso.com", "marketing@contoso.com"], webhookUrl: "https://hooks.contoso.com/ac-export" };

describe("alerts on the platform", () => {
  const setup = basicStack({ platform: { alerts: { ...ALERTS, rejectedShare: 0.02 } } });
  const synth = Testing.synth(setup.stack);
  const json = JSON.parse(synth);
  const rules = byKind(json);
  const groupId = ref(setup.stack, setup.platform.alerts!.actionGroup!, "id");
  const workspace = ref(setup.stack, setup.platform.logAnalyticsWorkspace, "id");

  it("creates one action group with the emails and the webhook (common alert schema)", () => {
    expect(synth).toHaveResourceWithProperties(MonitorActionGroup, {
      name: "mkt-acx-alerts",
      short_name: "acx-alerts",
      location: "global",
      email_receiver: [
        { name: "email-1", email_address: "ops@contoso.com", use_common_alert_schema: true },
        { name: "email-2", email_address: "marketing@contoso.com", use_common_alert_schema: true },
      ],
      webhook_receiver: [{ name: "webhook", service_uri: "https://hooks.contoso.com/ac-export", use_common_alert_schema: true }],
    });
    expect(Object.keys(resourcesOf(json, "azurerm_monitor_action_group"))).toHaveLength(1);
  });

  it("creates the four log alerts of the export over the platform's workspace, routed to the action group", () => {
    expect(rules.map((r) => [r.name, r.window_duration, r.evaluation_frequency, r.criteria[0].operator, r.criteria[0].threshold])).toEqual([
      ["mkt-vip-newsletter-failed", "PT15M", "PT15M", "GreaterThan", 0],
      ["mkt-vip-newsletter-rejects", "PT15M", "PT15M", "GreaterThan", 0],
      ["mkt-vip-newsletter-slow", "PT3H", "PT15M", "GreaterThan", 0],
      ["mkt-vip-newsletter-nosuccess", "P2D", "PT1H", "LessThan", 1],
    ]);
    for (const r of rules) {
      expect(r.scopes).toEqual([workspace]);
      expect(r.action).toEqual({ action_groups: [groupId] });
      expect(r.location).toBe("westeurope");
      expect(r.severity).toBe(2);
      expect(r.tags).toEqual({ "ac-export:export": "vip-newsletter" });
      expect(r.criteria[0].time_aggregation_method).toBe("Count");
    }
    expect(rules.map((r) => r.display_name)).toEqual([
      "ac-export vip-newsletter: a run failed or was blocked",
      "ac-export vip-newsletter: more than 2% of a run's rows were rejected or refused",
      "ac-export vip-newsletter: a run took more than 80% of its 120-minute timeout",
      "ac-export vip-newsletter: no successful run in 27 hours",
    ]);
    expect(rules.map((r) => r.criteria[0].query)).toEqual([
      failedRunQuery("mkt-vip-newsletter"),
      rejectedShareQuery("mkt-vip-newsletter", 0.02),
      slowRunQuery("mkt-vip-newsletter", 5760),
      successfulRunsQuery("mkt-vip-newsletter", 27),
    ]);
  });

  it("queries what the job logs: its console lines in either table schema, the runner's finished line, the system log", () => {
    const failed = rules[0]!.criteria[0].query as string;
    expect(failed).toContain("ContainerAppConsoleLogs_CL");
    expect(failed).toContain('(ContainerAppConsoleLogs | extend Job = tostring(column_ifexists("ContainerAppName", ""))');
    expect(failed).toContain('| where Job == "mkt-vip-newsletter"');
    expect(failed).toContain('| where tostring(e.event) == "finished"');
    expect(failed).toContain('| where Status in ("failed", "blocked")');
    expect(failed).toContain("ContainerAppSystemLogs_CL");
    expect(rules[1]!.criteria[0].query).toContain("| where Rows > 0 and ProblemRows / Rows > 0.02");
    expect(rules[2]!.criteria[0].query).toContain("| where Seconds > 5760");
    expect(rules[3]!.criteria[0].query).toContain('| where TimeGenerated > ago(27h) and Status in ("succeeded", "completed-with-problems")');
  });

  it("sends the Key Vault's audit log to the workspace", () => {
    expect(synth).toHaveResourceWithProperties(MonitorDiagnosticSetting, {
      name: "mkt-acx-kv-audit",
      target_resource_id: ref(setup.stack, setup.platform.keyVault, "id"),
      log_analytics_workspace_id: workspace,
      enabled_log: [{ category_group: "audit" }],
    });
  });

  it("raises no ACX-ALERT1", () => {
    expect(ExportChecks.findings(setup.stack).filter((f) => f.ruleId === "ACX-ALERT1")).toEqual([]);
  });
});

describe("alerts per export", () => {
  it("lets an export override thresholds and route to its own action group", () => {
    const { stack } = basicStack({
      platform: { alerts: ALERTS },
      export: { alerts: { emails: ["vip-owner@contoso.com"], timeoutShare: 0.5, noSuccessWithinHours: 6, severity: 1 } },
    });
    const json = synthJson(stack);
    const groups = Object.values(resourcesOf(json, "azurerm_monitor_action_group")).map((g: any) => g.name).sort();
    expect(groups).toEqual(["mkt-acx-alerts", "mkt-vip-newsletter-alerts"]);
    const rules = byKind(json);
    expect(rules.map((r) => [r.display_name, r.severity, r.window_duration])).toEqual([
      ["ac-export vip-newsletter: a run failed or was blocked", 1, "PT15M"],
      ["ac-export vip-newsletter: more than 5% of a run's rows were rejected or refused", 1, "PT15M"],
      ["ac-export vip-newsletter: a run took more than 50% of its 120-minute timeout", 1, "PT3H"],
      ["ac-export vip-newsletter: no successful run in 6 hours", 1, "PT6H"],
    ]);
    expect(rules[0]!.action.action_groups).toEqual([expect.stringMatching(/^\$\{azurerm_monitor_action_group\.vip-newsletter_Alerts_ActionGroup_[0-9A-F]{8}\.id\}$/)]);
  });

  it("has no no-success alert for a disabled export, and none at all with enabled: false", () => {
    const disabled = synthJson(basicStack({ platform: { alerts: ALERTS }, export: { enabled: false } }).stack);
    expect(byKind(disabled).map((r) => r.name)).toEqual([
      "mkt-vip-newsletter-failed",
      "mkt-vip-newsletter-rejects",
      "mkt-vip-newsletter-slow",
    ]);
    const off = synthJson(basicStack({ platform: { alerts: ALERTS }, export: { alerts: { enabled: false } } }).stack);
    expect(resourcesOf(off, "azurerm_monitor_scheduled_query_rules_alert_v2")).toEqual({});
  });

  it("warns with ACX-ALERT1 when an export's alerts reach nobody", () => {
    const { stack } = basicStack({ platform: { alerts: undefined } });
    Testing.synth(stack, true);
    expect(annotations(stack).filter((n) => n.message.includes("ACX-ALERT1"))).toEqual([
      {
        level: "warn",
        path: "stack/vip-newsletter",
        message:
          '[ACX-ALERT1] export vip-newsletter has no alerts: a failed or stalled run goes unnoticed; set alerts: { emails: [...] } or { webhookUrl } on the ExportPlatform (or on the export) (or suppress with ExportChecks.suppress(construct, [{ id: "ACX-ALERT1", reason: "…" }]))',
      },
    ]);
  });

  it("checks the alert props with exact messages", () => {
    expect(() => basicStack({ platform: { alerts: { emails: ["ops"], rejectedShare: 5, webhookUrl: "http://hooks.contoso.com", severty: 1 } as never } })).toThrow(
      'ExportPlatform "stack/exports" has invalid props:\n' +
        '  alerts.severty: unknown key (did you mean "severity"?); allowed keys here: rejectedShare, timeoutShare, noSuccessWithinHours, severity, emails, webhookUrl\n' +
        "  alerts.rejectedShare: must be a number from 0.001 to 1; got 5\n" +
        '  alerts.emails[0]: must be an email address such as "ops@contoso.com"; got "ops"\n' +
        '  alerts.webhookUrl: must be an https:// URL; got "http://hooks.contoso.com"',
    );
  });

  it("defaults the no-success window to the schedule's longest gap plus the timeout plus an hour; none over 48 h", () => {
    expect(defaultNoSuccessHours(1440, 7200)).toBe(27);
    expect(defaultNoSuccessHours(60, 3000)).toBe(3);
    expect(defaultNoSuccessHours(10080, 7200)).toBeUndefined();
    // A weekly export gets no no-success alert unless it asks for one.
    const weekly = synthJson(basicStack({ export: { schedule: Schedule.weekly({ day: "MON", hour: 6 }) } }).stack);
    expect(byKind(weekly).map((r) => r.name)).toEqual(["mkt-vip-newsletter-failed", "mkt-vip-newsletter-rejects", "mkt-vip-newsletter-slow"]);
    const asked = synthJson(basicStack({ export: { schedule: Schedule.weekly({ day: "MON", hour: 6 }), alerts: { noSuccessWithinHours: 48 } } }).stack);
    expect(byKind(asked).map((r) => r.name)).toContain("mkt-vip-newsletter-nosuccess");
  });
});

describe("the review shows the alerts and the stateful resources", () => {
  it("lists each export's alerts with whom they notify, and every storage account, vault and container by name", async () => {
    const { stack, platform } = basicStack({ platform: { alerts: { emails: ["ops@contoso.com"], webhookUrl: "https://hooks.contoso.com/x/y?code=abc" } } });
    const outdir = Testing.fullSynth(stack);
    dirs.push(outdir);
    const dir = mkdtempSync(join(tmpdir(), "ac-review-"));
    dirs.push(dir);
    mkdirSync(join(dir, "stacks", "stack"), { recursive: true });
    writeFileSync(join(dir, "stacks", "stack", "cdk.tf.json"), readFileSync(join(outdir, "stacks", "stack", "cdk.tf.json")));
    const r = await runCli(["review", dir]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      [
        "## Stateful resources",
        "",
        "Renaming one replaces it: its state, reports or keys are lost. Check that these names did not change.",
        "",
        "| kind | name | construct | protected |",
        "|---|---|---|---|",
        `| storage account | \`${platform.storageAccountName}\` | \`stack/exports/Storage\` | prevent_destroy |`,
        `| Key Vault | \`${platform.keyVaultName}\` | \`stack/exports/KeyVault\` | prevent_destroy |`,
        `| blob container | \`${platform.storageAccountName}/export-vip-newsletter\` | \`stack/vip-newsletter/StateContainer\` | with its account |`,
      ].join("\n"),
    );
    expect(r.stdout).toContain(
      [
        "**Alerts** (Azure Monitor, over the platform's Log Analytics workspace):",
        "",
        "- `mkt-vip-newsletter-failed`: a run failed or was blocked; notifies ops@contoso.com and webhook hooks.contoso.com",
        "- `mkt-vip-newsletter-nosuccess`: no successful run in 27 hours; notifies ops@contoso.com and webhook hooks.contoso.com",
        "- `mkt-vip-newsletter-rejects`: more than 5% of a run's rows were rejected or refused; notifies ops@contoso.com and webhook hooks.contoso.com",
        "- `mkt-vip-newsletter-slow`: a run took more than 80% of its 120-minute timeout; notifies ops@contoso.com and webhook hooks.contoso.com",
        "",
      ].join("\n"),
    );
    expect(r.stdout).not.toContain("code=abc");
  });

  it("shows a lifted prevent_destroy with its reason", async () => {
    const { stack } = basicStack({ platform: { allowDestroy: { reason: "a test environment, rebuilt nightly" }, alerts: undefined } });
    const outdir = Testing.fullSynth(stack);
    dirs.push(outdir);
    const r = await runCli(["review", join(outdir, "stacks", "stack")]);
    expect(r.stdout).toMatch(/\| storage account \| `[a-z0-9]+` \| `stack\/exports\/Storage` \| \*\*may be destroyed\*\*: a test environment, rebuilt nightly \|/);
    expect(r.stdout).toContain("**Alerts:** none: a failed or stalled run goes unnoticed.");
  });
});
