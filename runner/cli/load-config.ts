// Where a command's ExportConfig comes from: --config <file>, --config - (stdin), or AC_EXPORT_CONFIG (the
// deployed job's way). Relative file: locations resolve against the config file's folder (or the cwd otherwise).
import { JOB_ENV } from "../config/contract.js";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Readable } from "node:stream";
import { ConfigError, safeParseExportConfig, type ExportConfig } from "../config.js";
import { UsageError } from "./args.js";

export interface LoadedConfig {
  config: ExportConfig;
  /** Folder that relative `file:` locations resolve against. */
  baseDir: string;
  /** Where the config came from, for messages: a path, "stdin" or "AC_EXPORT_CONFIG". */
  origin: string;
  warnings: string[];
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new ConfigError([{ path: "(root)", message: `${origin} is not valid JSON: ${(e as Error).message}` }]);
  }
}

export async function loadConfig(
  configFlag: string | undefined,
  io: { env: NodeJS.ProcessEnv; cwd: string; stdin: Readable },
): Promise<LoadedConfig> {
  let text: string;
  let origin: string;
  let baseDir = io.cwd;
  if (configFlag === "-") {
    text = await readAll(io.stdin);
    origin = "stdin";
  } else if (configFlag !== undefined) {
    const path = resolve(io.cwd, configFlag);
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot read --config ${JSON.stringify(configFlag)}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    origin = configFlag;
    baseDir = dirname(path);
  } else if (io.env[JOB_ENV.config]) {
    text = io.env[JOB_ENV.config]!;
    origin = JOB_ENV.config;
  } else {
    throw new UsageError(`no config: pass --config <file> (or --config - for stdin), or set ${JOB_ENV.config} to the config JSON`);
  }
  const result = safeParseExportConfig(parseJson(text, origin));
  if (!result.ok) throw new ConfigError(result.problems);
  return { config: result.config, baseDir, origin, warnings: result.warnings };
}
