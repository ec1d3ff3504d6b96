#!/usr/bin/env node
// `ac-export`: the runner's command line. Commands load lazily so `validate` does not pay for the sync engine.
import "./v8-regexp-workaround.js";
import { setMaxListeners } from "node:events";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command, Io } from "./cli/command.js";
import { formatCommandError } from "./cli/command-error.js";
import { EXIT } from "./cli/exit-codes.js";
import { redacting } from "./cli/redacting.js";
import { JOB_ENV } from "./config/contract.js";
import { maskSecrets } from "./config/secret-like.js";
import { show } from "./config/show.js";
import { AcExportError, describeError } from "./errors.js";

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  validate: () => import("./commands/validate.js"),
  plan: () => import("./commands/plan.js"),
  run: () => import("./commands/run.js"),
  sandbox: () => import("./commands/sandbox.js"),
  review: () => import("./commands/review.js"),
};

async function mainHelp(): Promise<string> {
  const lines = await Promise.all(
    Object.values(COMMANDS).map(async (load) => {
      const { command } = await load();
      return `  ${command.name.padEnd(10)} ${command.summary}`;
    }),
  );
  return [
    "ac-export: sync customer segments into ActiveCampaign lists.",
    "",
    "Usage: ac-export <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    'Run "ac-export <command> --help" for a command\'s options.',
    "Exit codes: 0 ok, 1 run failed, 2 bad config or input (nothing written), 3 done with rejected/failed rows, 4 locked.",
    "",
  ].join("\n");
}

export async function main(argv: string[], rawIo: Io): Promise<number> {
  // Whatever a command writes, the key is never in it (commands that print more add their own redactors on top).
  const apiKey = rawIo.env[JOB_ENV.apiKey]?.trim();
  const io: Io = { ...rawIo, stdout: redacting(rawIo.stdout, apiKey), stderr: redacting(rawIo.stderr, apiKey) };
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(await mainHelp());
    return name === undefined ? EXIT.BAD_INPUT : EXIT.OK;
  }
  if (name === "--version") {
    io.stdout.write(`${process.env.npm_package_version ?? "0.1.0"}\n`);
    return EXIT.OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(maskSecrets(`ac-export: unknown command ${show(name)}; commands: ${Object.keys(COMMANDS).join(", ")}\n`));
    return EXIT.BAD_INPUT;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    // An error of the error model has a code and its exit code; anything else is a bug (INTERNAL), shown with its stack.
    const { code, exitCode } = describeError(e);
    if (code === "INTERNAL") throw e;
    io.stderr.write(formatCommandError(name, e));
    return exitCode;
  }
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  // Every in-flight request and wait listens to this signal; a busy run legitimately has dozens at once.
  setMaxListeners(10_000, controller.signal);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort(new AcExportError("ABORTED", `received ${sig}`));
    });
  }
  const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
  let settled = false;
  // If every pending promise is forgotten (nothing left to wait on), node would exit 0 silently: never let a stalled
  // run look like a success.
  process.on("beforeExit", () => {
    if (!settled) {
      process.stderr.write("ac-export: internal error: the command stopped without finishing (nothing left to wait on)\n");
      process.exit(EXIT.FAILED);
    }
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (e: unknown) => {
      settled = true;
      // A bug's stack may quote anything the runner held: redacted like every other byte written.
      const key = process.env[JOB_ENV.apiKey]?.trim();
      const text = maskSecrets(`ac-export: ${(e as Error)?.stack ?? String(e)}\n`);
      process.stderr.write(key && key.length >= 4 ? text.split(key).join("***") : text);
      process.exitCode = EXIT.FAILED;
    },
  );
}
