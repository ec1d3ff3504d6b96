// Loads the hostile-config cases (cases/*.json, described in README.md) and builds each one's input: the config
// text (base.json with `set` applied, or `text`), where it is passed (file, stdin, AC_EXPORT_CONFIG or an odd file
// type), the arguments and the environment. "${CANARY}" anywhere becomes the canary key.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const HERE = import.meta.dirname;
/** Looks like an ActiveCampaign key (72 hex digits); must appear in no output of any case. */
export const CANARY = "c4a7c0dec4a7c0de".repeat(4) + "0badf00d";

export interface HostileCase {
  why: string;
  command?: "validate" | "plan";
  /** Dotted paths set on base.json; a value may be a generator: {"$repeat": s, "times": n}, {"$nest": n},
   * {"$nestArray": n}, {"$keys": n}, {"$items": n}. */
  set?: Record<string, unknown>;
  /** The config's raw text instead of base.json + set (for JSON that JSON.stringify would not write). */
  text?: string;  // may hold ${NEST:n}, ${REPEAT:s:n}, ${KEYS:n}
  /** How the config is passed: a file (default), stdin, AC_EXPORT_CONFIG, or an odd path given as --config. */
  via?: "file" | "stdin" | "env" | "fifo" | "folder" | "symlink-loop" | "device" | "through-a-file" | "missing";
  /** For via "missing": the --config path that does not exist. */
  path?: string;
  /** Extra arguments (after the command and --config). */
  args?: string[];
  env?: Record<string, string>;
  exit: number;
  /** The exact stderr, without the JSON log lines `plan` writes (lines starting with "{"). */
  stderr: string;
  /** The exact stdout, when given. */
  stdout?: string;
  /** A part of stdout, when the rest carries timestamps (a JSON report). */
  stdoutIncludes?: string;
}

export function loadCases(): Array<{ file: string; c: HostileCase }> {
  return readdirSync(join(HERE, "cases"))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, c: JSON.parse(readFileSync(join(HERE, "cases", file), "utf8")) as HostileCase }));
}

const canary = (s: string) => s.split("${CANARY}").join(CANARY);

/** Deep nesting is spliced in as text: JSON.stringify (like any recursive code) overflows on it. */
function generate(spec: unknown, raw: string[]): unknown {
  const splice = (text: string) => `@@RAW${raw.push(text) - 1}@@`;
  if (typeof spec === "string") return canary(spec);
  if (Array.isArray(spec)) return spec.map((v) => generate(v, raw));
  if (spec === null || typeof spec !== "object") return spec;
  const g = spec as Record<string, unknown>;
  if ("$repeat" in g) return canary(String(g.$repeat)).repeat(Number(g.times));
  if ("$nest" in g) return splice(`${'{"a":'.repeat(Number(g.$nest))}1${"}".repeat(Number(g.$nest))}`);
  if ("$nestArray" in g) return splice(`${"[".repeat(Number(g.$nestArray))}${"]".repeat(Number(g.$nestArray))}`);
  if ("$keys" in g) return Object.fromEntries(Array.from({ length: Number(g.$keys) }, (_, i) => [`K${i}`, "Col"]));
  if ("$items" in g) return Array.from({ length: Number(g.$items) }, (_, i) => `tag-${i}`);
  return Object.fromEntries(Object.entries(g).map(([k, v]) => [canary(k), generate(v, raw)]));
}

/** Templates in `text`, for inputs too big to keep on file: ${NEST:n}, ${REPEAT:s:n}, ${KEYS:n}. */
function expandText(text: string): string {
  return text
    .replace(/\$\{NEST:(\d+)\}/g, (_, n) => `${'{"a":'.repeat(Number(n))}1${"}".repeat(Number(n))}`)
    .replace(/\$\{REPEAT:([^:]*):(\d+)\}/g, (_, s, n) => s.repeat(Number(n)))
    .replace(/\$\{KEYS:(\d+)\}/g, (_, n) => Array.from({ length: Number(n) }, (_, i) => `"k${i}":1`).join(","));
}

/** base.json with each dotted path set; own properties only, so "__proto__" stays a key. */
function configText(c: HostileCase): string {
  if (c.text !== undefined) return expandText(canary(c.text));
  const config = JSON.parse(readFileSync(join(HERE, "base.json"), "utf8"));
  const raw: string[] = [];
  for (const [dotted, value] of Object.entries(c.set ?? {})) {
    const keys = canary(dotted).split(".");
    let node = config;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    Object.defineProperty(node, keys[keys.length - 1]!, { value: generate(value, raw), enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify(config).replace(/"@@RAW(\d+)@@"/g, (_, i) => raw[Number(i)]!);
}

/** The CLI arguments, stdin and environment of a case, with its files made in `dir`. */
export function prepare(c: HostileCase, dir: string): { args: string[]; input?: string; env: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, canary(v)]));
  const extra = (c.args ?? []).map(canary);
  const command = c.command ?? "validate";
  const withConfig = (path: string) => ({ args: [command, "--config", path, ...extra], env });
  switch (c.via ?? "file") {
    case "stdin":
      return { ...withConfig("-"), input: configText(c) };
    case "env":
      return { args: [command, ...extra], env: { ...env, AC_EXPORT_CONFIG: configText(c) } };
    case "fifo":
      execFileSync("mkfifo", [join(dir, "config.json")]);
      return withConfig("config.json");
    case "folder":
      mkdirSync(join(dir, "config.json"));
      return withConfig("config.json");
    case "symlink-loop":
      symlinkSync("b.json", join(dir, "a.json"));
      symlinkSync("a.json", join(dir, "b.json"));
      return withConfig("a.json");
    case "device":
      return withConfig("/dev/zero");
    case "through-a-file":
      writeFileSync(join(dir, "config.json"), configText(c));
      return withConfig("config.json/inner.json");
    case "missing":
      return withConfig(canary(c.path ?? "missing.json"));
    default:
      writeFileSync(join(dir, "config.json"), configText(c));
      return withConfig(resolve(dir, "config.json").slice(dir.length + 1));
  }
}
