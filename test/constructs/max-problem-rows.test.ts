// The maxProblemRows prop: copied into the synthesized config as limits.maxProblemRows (count or percentage), the
// runner's default when absent, and a bad value named by the prop.
import { describe, expect, it } from "vitest";
import { basicStack, connectionIn, exportProps, newStack, platformIn, resourcesOf, strictExport, synthJson } from "./helpers.js";

/** The limits of the AC_EXPORT_CONFIG the job runs with. */
function synthesizedLimits(maxProblemRows?: number | string): Record<string, unknown> {
  const { stack } = basicStack({ export: maxProblemRows === undefined ? {} : { maxProblemRows } });
  const job = Object.values(resourcesOf(synthJson(stack), "azurerm_container_app_job"))[0]!;
  const env = job.template.container[0].env as Array<Record<string, string>>;
  return JSON.parse(env.find((e) => e.name === "AC_EXPORT_CONFIG")!.value!).limits;
}

describe("ActiveCampaignExport maxProblemRows", () => {
  it("goes into the config as limits.maxProblemRows, a count or a percentage", () => {
    expect(synthesizedLimits(25)).toEqual({ maxProfiles: 1_000_000, maxRemovalsPerRun: "10%", maxProblemRows: 25 });
    expect(synthesizedLimits("5%")).toEqual({ maxProfiles: 1_000_000, maxRemovalsPerRun: "10%", maxProblemRows: "5%" });
    expect(synthesizedLimits(0).maxProblemRows).toBe(0);
  });

  it("defaults to the runner's 1%", () => {
    expect(synthesizedLimits().maxProblemRows).toBe("1%");
  });

  it("names the prop when the value is bad", () => {
    const stack = newStack();
    const connection = connectionIn(stack, platformIn(stack));
    expect(() => strictExport(stack, "vip-newsletter", exportProps(connection, { maxProblemRows: "lots" }))).toThrow(
      'ActiveCampaignExport "stack/vip-newsletter" has invalid props:\n  maxProblemRows: must be a whole number of rows (e.g. 500) or a percentage of the rows read from "0%" to "100%" (e.g. "10%"); got "lots"',
    );
  });
});
