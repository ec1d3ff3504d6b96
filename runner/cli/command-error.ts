// How a command shows an error that stops it: an invalid config lists every problem with its key path; anything
// else is one line naming the command. The code and exit code come from the error model (runner/errors.ts).
// Every usage error of every command is written through here, so this is where anything in it that looks like a
// secret is masked: such messages quote what the user typed (an option, an environment variable), and a key pasted
// into the wrong variable is not AC_API_KEY, so the key redactor alone would print it whole.
import { ConfigError } from "../config.js";
import { maskSecrets } from "../config/secret-like.js";
import { describeError } from "../errors.js";

export function formatConfigProblems(e: ConfigError): string {
  const n = e.problems.length;
  return maskSecrets(`invalid config (${n} problem${n === 1 ? "" : "s"}):\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}\n`);
}

export function formatCommandError(command: string, e: unknown): string {
  if (e instanceof ConfigError) return formatConfigProblems(e);
  return maskSecrets(`ac-export ${command}: ${describeError(e).message}\n`);
}
