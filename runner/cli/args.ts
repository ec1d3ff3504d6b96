// Argument parsing shared by the commands: node's parseArgs with errors that say what to do.
import { AcExportError } from "../errors.js";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad arguments or environment: exit 2. */
export class UsageError extends AcExportError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${msg}\nRun "ac-export ${command} --help" for the options.`);
  }
}

/** A numeric option, checked: names the flag, shows the value and says what is allowed. */
export function numberOption(flag: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${flag} must be a number ≥ ${min}; got ${JSON.stringify(raw)}`);
  return n;
}
