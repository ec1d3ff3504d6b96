// Where a command's ExportConfig comes from: --config <file>, --config - (stdin), or AC_EXPORT_CONFIG (the
// deployed job's way). Relative file: locations resolve against the config file's folder (or the cwd otherwise).
import { JOB_ENV } from "../config/contract.js";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Readable } from "node:stream";
import { ConfigError, safeParseExportConfig, type ExportConfig } from "../config.js";
import { quote, show } from "../config/show.js";
import { UsageError } from "./args.js";

/** A config is a few KB; anything over this is not one (and must not be read into memory whole). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_SHOWN = "1 MiB";

/** What an errno means to someone who typed --config <path>. */
const ERRNO_REASONS: Record<string, string> = {
  ENOENT: "no such file",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "too many symbolic links (a loop?)",
  EISDIR: "it is a folder, not a file",
  ENAMETOOLONG: "the path is too long",
  ENXIO: "not a regular file (a socket or a device)",
  EIO: "an input/output error",
};

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
  let bytes = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    bytes += buf.length;
    if (bytes > MAX_CONFIG_BYTES) throw new UsageError(`the config on stdin is larger than ${MAX_SHOWN}; a config is a few KB`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The kind of a non-regular file, for the refusal. */
function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * Reads a --config file: regular files only, at most MAX_CONFIG_BYTES. Opened non-blocking and checked with fstat
 * on the open handle, so a FIFO (or a path swapped for one) is refused instead of blocking forever, and /dev/zero
 * is refused instead of read without end.
 */
async function readConfigFile(path: string, flag: string): Promise<string> {
  const refuse = (reason: string) => new UsageError(`cannot read --config ${show(flag)}: ${reason}`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = await fh.stat();
    if (!st.isFile()) throw refuse(`${fileKind(st)}, not a regular file; pass the config's JSON file`);
    if (st.size > MAX_CONFIG_BYTES) throw refuse(`it is ${st.size} bytes; a config is at most ${MAX_SHOWN}`);
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
    if (n > MAX_CONFIG_BYTES) throw refuse(`it is larger than ${MAX_SHOWN}; a config is a few KB`);
    return buf.subarray(0, n).toString("utf8");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = String((e as NodeJS.ErrnoException).code ?? "");
    throw refuse(ERRNO_REASONS[code] ?? `${code || "error"}: ${(e as Error).message}`);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * The JSON, or a ConfigError saying where it breaks. V8's own message quotes the text around the error, which may
 * be a key or anything else pasted into the config: only its first clause and the position are kept.
 */
function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    const message = (e as Error).message;
    const what = message.split(/, (?:\.\.\.)?"/)[0]!.replace(/ in JSON at position.*$/s, "").slice(0, 80);
    const where = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
    const at = where ? ` at position ${where[1]}${where[2] ? ` (line ${where[2]} column ${where[3]})` : ""}` : "";
    throw new ConfigError([{ path: "(root)", message: `${origin} is not valid JSON: ${quote(what).slice(1, -1)}${at}` }]);
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
    text = await readConfigFile(path, configFlag);
    origin = configFlag;
    baseDir = dirname(path);
  } else if (io.env[JOB_ENV.config]) {
    text = io.env[JOB_ENV.config]!;
    if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new UsageError(`${JOB_ENV.config} is larger than ${MAX_SHOWN}; a config is a few KB`);
    origin = JOB_ENV.config;
  } else {
    throw new UsageError(`no config: pass --config <file> (or --config - for stdin), or set ${JOB_ENV.config} to the config JSON`);
  }
  const shownOrigin = configFlag !== undefined && configFlag !== "-" ? `--config ${show(configFlag)}` : origin;
  const result = safeParseExportConfig(parseJson(text, shownOrigin));
  if (!result.ok) throw new ConfigError(result.problems);
  return { config: result.config, baseDir, origin, warnings: result.warnings };
}
