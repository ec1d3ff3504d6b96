// A valid config to derive broken ones from (the README example).
import type { ExportConfigInput } from "../../runner/config.js";

export function validConfig(): Record<string, any> {
  const config: ExportConfigInput = {
    name: "vip-newsletter",
    connection: { name: "marketing-eu", hostname: "contoso.api-us1.com" },
    listId: 12,
    segment: { name: "VIP customers", source: "file:segments/vip.csv", format: "csv" },
    mappings: {
      email: "PrimaryEmail",
      firstName: "FirstName",
      lastName: "LastName",
      phone: "Phone",
      fields: { LOYALTY_TIER: "Tier" },
      tags: ["vip"],
    },
    onLeave: "keep",
    limits: { maxProfiles: 1_000_000, maxRemovalsPerRun: "10%", maxProblemRows: "1%" },
    rateLimit: { requestsPerSecond: 5, bulkRequestsPerMinute: 100 },
    consent: { fullReadEveryHours: 168 },
    state: "file:.ac-export/state",
  };
  return structuredClone(config) as Record<string, any>;
}

/** Set a dotted path on a copy of the valid config; `undefined` deletes the key. */
export function withValue(path: string, value: unknown): Record<string, any> {
  const config = validConfig();
  const keys = path.split(".");
  let node: any = config;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return config;
}
