// ACX-CONN1 (issue #12): exports on one ActiveCampaign account whose runs can overlap, with budgets that sum above
// the account's limits, are flagged at synth; the rule's arithmetic (constructs/connection-share.ts) on its own.
import { Testing, type TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { ActiveCampaignExport, ExportChecks, Schedule } from "../../constructs/index.js";
import { overlappingShares, type SharedExport } from "../../constructs/connection-share.js";
import { annotations, connectionIn, exportProps, newStack, platformIn } from "./helpers.js";

const conn1 = (stack: TerraformStack) => {
  Testing.synth(stack);
  return ExportChecks.findings(stack)
    .filter((f) => f.ruleId === "ACX-CONN1")
    .map((f) => `${f.level} ${f.path}: ${f.message}`);
};

/** Two exports on one connection (each in its own state container, as the constructs make them). */
function twoExports(a: Partial<Parameters<typeof exportProps>[1]>, b: Partial<Parameters<typeof exportProps>[1]>, secondConnection = false) {
  const stack = newStack();
  const platform = platformIn(stack);
  const connection = connectionIn(stack, platform);
  const other = secondConnection ? connectionIn(stack, platform, { displayName: "Same account, other key" }, "marketing-eu-2") : connection;
  new ActiveCampaignExport(stack, "newsletter", exportProps(connection, a));
  new ActiveCampaignExport(stack, "winback", exportProps(other, { listId: 31, ...b }));
  return stack;
}

const MESSAGE = (name: string) =>
  `warning stack/${name}: export ${name} shares ActiveCampaign account contoso.api-us1.com with exports whose runs can overlap (e.g. at 03:30 UTC on a Sunday): ` +
  `newsletter (4 requests/s, 100 bulk imports/min, schedule "0 3 * * *"), winback (4 requests/s, 100 bulk imports/min, schedule "30 3 * * *"); ` +
  "together they may use 8 requests/s (the account allows 5) and 200 bulk imports/min (the account allows 100), and their states are in different containers, so they cannot divide the budget at run time. " +
  "Lower rateLimit.requestsPerSecond / bulkRequestsPerMinute so the overlapping exports sum to at most 5/s and 100/min, or schedule them apart";

describe("ACX-CONN1: exports sharing an ActiveCampaign account", () => {
  it("warns on each export of a connection whose runs can overlap above the account's limits", () => {
    const stack = twoExports({ schedule: Schedule.cron("0 3 * * *") }, { schedule: Schedule.cron("30 3 * * *") });
    expect(conn1(stack)).toEqual([MESSAGE("newsletter"), MESSAGE("winback")]);
    expect(annotations(stack)).toContainEqual({ level: "warn", path: "stack/newsletter", message: expect.stringMatching(/^\[ACX-CONN1\] export newsletter shares ActiveCampaign account contoso\.api-us1\.com/) });
  });

  it("counts the account, not the connection construct: two connections with one hostname are one account", () => {
    const stack = twoExports({ schedule: Schedule.cron("0 3 * * *") }, { schedule: Schedule.cron("30 3 * * *") }, true);
    expect(conn1(stack)).toHaveLength(2);
  });

  it("is quiet when the runs cannot overlap, when the budgets fit together, or when one export is disabled", () => {
    // 03:00-05:00 and 06:00-08:00 (replica timeout 2 h)
    expect(conn1(twoExports({ schedule: Schedule.cron("0 3 * * *") }, { schedule: Schedule.cron("0 6 * * *") }))).toEqual([]);
    expect(conn1(twoExports({ schedule: Schedule.cron("0 3 * * *"), requestsPerSecond: 2, bulkRequestsPerMinute: 50 }, { schedule: Schedule.cron("30 3 * * *"), requestsPerSecond: 3, bulkRequestsPerMinute: 50 }))).toEqual([]);
    expect(conn1(twoExports({ schedule: Schedule.cron("0 3 * * *") }, { schedule: Schedule.cron("30 3 * * *"), enabled: false }))).toEqual([]);
  });

  it("a run's length is its replica timeout: a longer timeout makes the same schedules overlap", () => {
    const apart = { schedule: Schedule.cron("0 6 * * *") };
    expect(conn1(twoExports({ schedule: Schedule.cron("0 3 * * *"), replicaTimeoutSeconds: 4 * 3600 }, apart))).toHaveLength(2);
  });
});

describe("overlappingShares", () => {
  const base: SharedExport = { name: "a", hostname: "x.api-us1.com", schedule: "0 3 * * *", runSeconds: 3600, state: "file:a", requestsPerSecond: 4, bulkRequestsPerMinute: 100 };
  it("exports keeping their states in one place divide their budget at run time: counted once, at the smallest budget", () => {
    const b = { ...base, name: "b", state: "file:b", schedule: "30 3 * * *" };
    expect(overlappingShares([base, b])).toHaveLength(1);
    expect(overlappingShares([base, { ...b, state: base.state }])).toEqual([]);
  });
  it("finds the worst minute over three exports, and names the ones running then", () => {
    const found = overlappingShares([
      { ...base, requestsPerSecond: 2, bulkRequestsPerMinute: 40 },
      { ...base, name: "b", state: "file:b", schedule: "30 3 * * *", requestsPerSecond: 2, bulkRequestsPerMinute: 40 },
      { ...base, name: "c", state: "file:c", schedule: "45 3 * * 1", requestsPerSecond: 2, bulkRequestsPerMinute: 40 },
    ]);
    expect(found.map((o) => ({ names: o.exports.map((e) => e.name), rps: o.requestsPerSecond, bpm: o.bulkRequestsPerMinute, when: o.when }))).toEqual([
      { names: ["a", "b", "c"], rps: 6, bpm: 120, when: "03:45 UTC on a Monday" },
    ]);
  });
});
