// Synthesizes an app so that a person reads every invalid construct at once, one line each with its path, and no
// stack trace: props problems are input errors, not crashes. Anything else (a bug) keeps its stack trace.
import { App, type AppConfig } from "cdktf";
import { InvalidPropsError } from "./util.js";

export interface SynthesizeOptions {
  /** The App's own settings (outdir, context, …). */
  readonly app?: AppConfig;
  /** Where problems are written. @default process.stderr */
  readonly stderr?: { write(text: string): unknown };
}

/** Every construct validation of the app (an invalid ActiveCampaignExport records one), as "[path] message". */
export function invalidConstructs(app: App): string[] {
  return app.node.findAll().flatMap((c) => c.node.validate().map((message) => `[${c.node.path}] ${message}`));
}

/**
 * Builds the app with `build` and synthesizes it. Returns 0, or 1 after printing the problems; also sets
 * `process.exitCode`, so `cdktf synth` fails. Use it as the last lines of main.ts:
 * `synthesize((app) => new MyStack(app, "exports"))`.
 */
export function synthesize(build: (app: App) => unknown, options: SynthesizeOptions = {}): number {
  const stderr = options.stderr ?? process.stderr;
  const fail = (lines: string[]): number => {
    stderr.write(`synth stopped: ${lines.length} invalid construct${lines.length === 1 ? "" : "s"} (fix each line below)\n${lines.map((l) => `  ${l}\n`).join("")}`);
    process.exitCode = 1;
    return 1;
  };
  const app = new App(options.app);
  try {
    build(app);
  } catch (e) {
    if (!(e instanceof InvalidPropsError)) throw e;
    // Thrown at construction (a platform, a connection, a factory): the exports built before it are listed too.
    return fail([...invalidConstructs(app), oneLine(e)]);
  }
  const invalid = invalidConstructs(app);
  if (invalid.length) return fail(invalid);
  try {
    app.synth();
  } catch (e) {
    // ExportChecks errors (annotations) and other validations: cdktf's message lists them; its stack adds nothing.
    const message = e instanceof Error ? e.message : "";
    if (!/^(Validation failed|Encountered Annotations with level "ERROR")/.test(message)) throw e;
    stderr.write(`${message.trim()}\n`);
    process.exitCode = 1;
    return 1;
  }
  return 0;
}

const oneLine = (e: InvalidPropsError): string => (e.constructPath === undefined ? e.oneLine : `[${e.constructPath}] ${e.oneLine}`);
