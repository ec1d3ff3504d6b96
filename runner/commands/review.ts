import { resolve } from "node:path";
import { parseCommandArgs, UsageError } from "../cli/args.js";
import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";
import { renderMarkdown } from "../review/markdown.js";
import { readStacks, ReviewInputError } from "../review/model.js";

export const command: Command = {
  name: "review",
  summary: "print a Markdown review summary of the synthesized exports (for a pull request)",
  help: `Usage: ac-export review [cdktf.out] [--time-zone <IANA zone>]

Reads the synthesized stacks (cdktf.out/stacks/*/cdk.tf.json, written by "npm run synth") and prints Markdown
for a pull request: per export the connection and ActiveCampaign account, the list, the segment source, the
mappings, the leave policy, the schedule in UTC and in words, whether it is enabled, who may run it on demand,
where its reports land, what its identity may touch and where its API key lives. Reads JSON only; no network.

Arguments:
  cdktf.out            the cdktf output folder, or one stack's folder (default: ./cdktf.out)

Options:
  --time-zone <zone>   also show scheduled times in this IANA time zone, e.g. Europe/Amsterdam
  -h, --help           show this help

Exit codes: 0 summary printed, 2 nothing to review or an export's config is invalid (listed in the summary).
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("review", argv, { "time-zone": { type: "string" } }, true);
    if (positionals.length > 1) throw new UsageError(`takes one folder; got ${positionals.length}: ${positionals.join(" ")}`);
    const timeZone = values["time-zone"];
    if (timeZone !== undefined) {
      try {
        new Intl.DateTimeFormat("en-GB", { timeZone });
      } catch {
        throw new UsageError(`--time-zone must be an IANA time zone such as "Europe/Amsterdam"; got ${JSON.stringify(timeZone)}`);
      }
    }
    const source = positionals[0] ?? "cdktf.out";
    let stacks;
    try {
      stacks = await readStacks(resolve(io.cwd, source));
    } catch (e) {
      if (!(e instanceof ReviewInputError)) throw e; // a bug, not bad input: the CLI reports it as such
      io.stderr.write(`ac-export review: ${e.message}\n`);
      return e.exitCode;
    }
    io.stdout.write(renderMarkdown(stacks, { source, ...(timeZone ? { timeZone } : {}) }));
    const invalid = stacks.flatMap((s) => s.exports).filter((e) => !e.config);
    for (const e of invalid) io.stderr.write(`ac-export review: export ${e.name} (${e.path}) has an invalid config\n`);
    return invalid.length ? EXIT.BAD_INPUT : EXIT.OK;
  },
};
