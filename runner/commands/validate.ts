import { ConfigError } from "../config.js";
import { parseCommandArgs } from "../cli/args.js";
import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";
import { loadConfig } from "../cli/load-config.js";

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
      if (!(e instanceof ConfigError)) throw e;
      const n = e.problems.length;
      io.stderr.write(`invalid config (${n} problem${n === 1 ? "" : "s"}):\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}\n`);
      return EXIT.BAD_INPUT;
    }
  },
};
