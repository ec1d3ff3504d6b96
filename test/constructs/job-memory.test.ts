import type { TerraformStack } from "cdktf";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { ExportChecks } from "../../constructs/index.js";
import { jobMemoryBytes, memoryBytes } from "../../runner/config/job-memory.js";
import { basicStack } from "./helpers.js";

const memoryFindings = (stack: TerraformStack) => {
  Testing.synth(stack);
  return ExportChecks.findings(stack).filter((f) => f.ruleId === "ACX-JOB1").map((f) => `${f.level} ${f.path}: ${f.message}`);
};

describe("ACX-JOB1: the job's memory against maxProfiles (measured, runner/config/job-memory.ts)", () => {
  it("warns when the memory pair cannot hold maxProfiles, naming what it needs", () => {
    const { stack } = basicStack({ export: { cpu: 0.25, memory: "0.5Gi", maxProfiles: 10_000_000, replicaTimeoutSeconds: 86_400 } });
    expect(memoryFindings(stack)).toEqual([
      "warning stack/vip-newsletter: memory 0.5Gi is below 0.96 GiB, what maxProfiles 10000000 needs as measured (270 MiB + 75 bytes a profile): a large run may be stopped for memory; give the job more vCPUs (memory is twice the vCPUs) or lower maxProfiles",
    ]);
  });

  it("stays quiet for the default pair (1 vCPU, 2Gi) and for 1 GiB at the largest maxProfiles, and for a small export on the smallest pair", () => {
    expect(memoryFindings(basicStack({ export: { maxProfiles: 10_000_000, replicaTimeoutSeconds: 86_400 } }).stack)).toEqual([]);
    // 1 GiB holds 10,000,000 profiles as measured (270 MiB + 750 MB: a real 10,000,000 first sync peaked at 981 MiB).
    expect(memoryFindings(basicStack({ export: { cpu: 0.5, memory: "1Gi", maxProfiles: 10_000_000, replicaTimeoutSeconds: 86_400 } }).stack)).toEqual([]);
    // 0.5 GiB holds about 3,380,000.
    expect(memoryFindings(basicStack({ export: { cpu: 0.25, memory: "0.5Gi", maxProfiles: 3_000_000, replicaTimeoutSeconds: 86_400 } }).stack)).toEqual([]);
    expect(memoryFindings(basicStack({ export: { cpu: 0.25, memory: "0.5Gi", maxProfiles: 3_500_000, replicaTimeoutSeconds: 86_400 } }).stack)).toHaveLength(1);
    expect(memoryFindings(basicStack({ export: { cpu: 0.25, memory: "0.5Gi", maxProfiles: 50_000 } }).stack)).toEqual([]);
  });

  it("reads Container Apps' memory strings", () => {
    expect([memoryBytes("2Gi"), memoryBytes("0.5Gi"), memoryBytes("512Mi")]).toEqual([2 ** 31, 2 ** 29, undefined]);
    expect(jobMemoryBytes(0)).toBeLessThan(2 ** 30);
  });
});
