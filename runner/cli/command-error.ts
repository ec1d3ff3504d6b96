// How a command shows an error that stops it: an invalid config lists every problem with its key path; anything
// else is one line naming the command. The code and exit code come from the error model (runner/errors.ts).
import { ConfigError } from "../config.js";
import { describeError } from "../errors.js";

export function formatConfigProblems(e: ConfigError): string {
  const n = e.problems.length;
  return `invalid config (${n} problem${n === 1 ? "" : "s"}):\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}\n`;
}

export function formatCommandError(command: string, e: unknown): string {
  if (e instanceof ConfigError) return formatConfigProblems(e);
  return `ac-export ${command}: ${describeError(e).message}\n`;
}
