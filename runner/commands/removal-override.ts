// An operator's one-run override of the removal cap: `--allow-removals <n>` or AC_EXPORT_ALLOW_REMOVALS=<n> (the
// flag wins). A count, never a percentage, so it allows exactly the leavers the operator looked at and no more.
import { UsageError } from "../cli/args.js";
import type { RemovalOverride } from "../sync/report.js";

export function removalOverride(options: { "allow-removals"?: string }, env: NodeJS.ProcessEnv): RemovalOverride | undefined {
  const flag = options["allow-removals"];
  const source = flag !== undefined ? "--allow-removals" : env.AC_EXPORT_ALLOW_REMOVALS?.trim() ? "AC_EXPORT_ALLOW_REMOVALS" : undefined;
  if (!source) return undefined;
  const raw = (flag ?? env.AC_EXPORT_ALLOW_REMOVALS ?? "").trim();
  if (!/^\d{1,9}$/.test(raw)) {
    const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
    throw new UsageError(`${source} must be a whole number of contacts this run may remove (e.g. 60, as "ac-export plan" reports); got ${JSON.stringify(shown)}`);
  }
  const execution = env.CONTAINER_APP_JOB_EXECUTION_NAME?.trim();
  return { allowRemovals: Number(raw), source, ...(execution ? { execution } : {}) };
}
