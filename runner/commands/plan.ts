import type { Command } from "../cli/command.js";
import { executeSync } from "./sync-command.js";

export const command: Command = {
  name: "plan",
  summary: "show what a run would change (adds, updates, leavers, rejects), writing nothing",
  help: `Usage: ac-export plan [--config <file> | --config -] [--report-json <file>] [--json] [--allow-removals <n>]

Reads the segment and the state, checks the list and the custom fields in ActiveCampaign (read-only calls),
and prints what "ac-export run" would do: adds, updates, unchanged, re-subscribes, leavers and what the leave
policy does to them, members kept unsubscribed, and rejected rows by reason, with samples; each custom field's
type and conversion, and the fields, options and tags a run would create. Writes nothing to
ActiveCampaign or to the state. Usable in a pull request. When a limit would stop the run, the plan is
still printed, then the error. With --json, "changes" lists every planned change (as changes.csv would).

Options:
  --config <file>       the export config; "-" reads standard input; default: the AC_EXPORT_CONFIG variable
  --report-json <file>  also write the plan (JSON) to this file
  --json                print the plan as JSON, with every planned change
  --allow-removals <n>  plan with this run's removal cap raised to n (as "run --allow-removals" would)
  -h, --help            show this help

Environment: AC_API_KEY (required), AC_API_URL (optional override, loopback http only), AC_EXPORT_CONFIG.

Exit codes: 0 plan printed; 1 failed (e.g. API key rejected); 2 bad config or input, or the run would be
blocked by limits.maxProfiles or limits.maxRemovalsPerRun.
`,
  run: (argv, io) => executeSync("plan", argv, io),
};
