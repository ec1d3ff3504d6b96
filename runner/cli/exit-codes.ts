// The exit codes live with the error model (runner/errors.ts); re-exported for the command line.
export { EXIT, type ExitCode } from "../errors.js";
