import type { Command } from "../cli/command.js";
import { executeSync } from "./sync-command.js";

export const command: Command = {
  name: "run",
  summary: "sync the segment into the ActiveCampaign list (only what changed)",
  help: `Usage: ac-export run [--config <file> | --config -] [--report-json <file>] [--json] [--quiet] [--allow-removals <n>]

Syncs the export's segment into its ActiveCampaign list: new and changed members through bulk import (tiny
deltas through contact/sync), members who left per onLeave, all within the account's rate limits. Every
confirmed batch is committed to the state at once, so a killed run resumes where it stopped. Writes
report.json, report.md, changes.csv (every contact changed or refused) and rejected.csv next to the state,
under runs/<started-at>/ and as latest copies, and prints where.

Options:
  --config <file>       the export config; "-" reads standard input; default: the AC_EXPORT_CONFIG variable
  --report-json <file>  also write the run report (JSON) to this file
  --json                print the run report as JSON instead of the summary
  --quiet               no progress output
  --allow-removals <n>  this run may remove up to n leavers, past limits.maxRemovalsPerRun (recorded in the report)
  -h, --help            show this help

Environment:
  AC_API_KEY            the ActiveCampaign API key (required; never printed or stored)
  AC_API_URL            override the API base URL, e.g. http://127.0.0.1:4010 for the sandbox
                        (plain http only for loopback addresses)
  AC_EXPORT_CONFIG      the config JSON, when --config is not given
  AC_EXPORT_ALLOW_REMOVALS  like --allow-removals (the flag wins)

Progress: on a terminal, one progress line (rows read, batches sent/confirmed, rate, ETA); otherwise one JSON
object per line on standard error.

Exit codes: 0 done (rows rejected or refused, if any, within limits.maxProblemRows); 1 the run failed (what
was confirmed stays committed; run again to resume); 2 bad config or input, nothing written; 3 done, but more
rows were rejected or refused than limits.maxProblemRows allows (see the report); 4 another run of this export
holds the lock.
`,
  run: (argv, io) => executeSync("run", argv, io),
};
