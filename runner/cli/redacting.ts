// Every byte a command writes passes here: the API key is never printed, whatever a dependency puts in a message,
// and text from outside (list names, file content quoted in an error, a value) cannot move the cursor, retitle the
// terminal or hide itself with control sequences. The one sequence the runner writes on purpose, the progress line's
// "carriage return + erase line" prefix, is kept.
import { forTerminal } from "../output/terminal.js";

const PROGRESS_PREFIX = "\r\x1b[K";

/** The text as it may reach a terminal or a log: our progress prefix kept, every other control sequence removed. */
export function safeOutput(text: string): string {
  let prefix = "";
  let rest = text;
  while (rest.startsWith(PROGRESS_PREFIX)) {
    prefix += PROGRESS_PREFIX;
    rest = rest.slice(PROGRESS_PREFIX.length);
  }
  return prefix + forTerminal(rest, { keepLines: true });
}

export function redacting<S extends { write(s: string): unknown; isTTY?: boolean }>(stream: S, secret: string | undefined): S {
  const key = secret && secret.length >= 4 ? secret : undefined;
  return {
    write: (s: string) => stream.write(safeOutput(key ? s.split(key).join("***") : s)),
    isTTY: stream.isTTY,
  } as S;
}
