import { parseCommandArgs } from "../cli/args.js";
import type { Command } from "../cli/command.js";
import { formatCommandError } from "../cli/command-error.js";
import { EXIT } from "../cli/exit-codes.js";
import { loadConfig } from "../cli/load-config.js";
import { describeError } from "../errors.js";

export const command: Command = {
  name: "validate",
  summary: "check an export config and print it normalized (defaults filled in)",
  help: `Usage: ac-export validate [--config <file> | --config -] [--quiet]

Checks an export config against the ExportConfig schema (the same one cdktf synth uses) and prints it
normalized, with every default filled in. Every problem is listed at once, each naming its key path.

Options:
  --config <file>   the config JSON; "-" reads it from standard input.
                    Without --config, the AC_EXPORT_CONFIG environment variable must hold the JSON.
  --quiet           print nothing on success
  -h, --help        show this help

Exit codes: 0 valid, 2 invalid (problems on standard error).
`,
  async run(argv, io) {
    const { values } = parseCommandArgs("validate", argv, { config: { type: "string" }, quiet: { type: "boolean" } });
    try {
      const { config, warnings, origin } = await loadConfig(values.config, io);
      for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
      if (!values.quiet) io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      else io.stderr.write(`${origin}: valid\n`);
      return EXIT.OK;
    } catch (e) {
      const { code, exitCode } = describeError(e);
      if (code === "INTERNAL") throw e;
      io.stderr.write(formatCommandError("validate", e));
      return exitCode;
    }
  },
};
