// The shape every `ac-export <command>` module exports, and the I/O it is given (injectable for tests).
import type { Readable } from "node:stream";

export interface Io {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** One line for `ac-export --help`. */
  summary: string;
  /** The full `ac-export <command> --help` text. */
  help: string;
  run(argv: string[], io: Io): Promise<number>;
}
