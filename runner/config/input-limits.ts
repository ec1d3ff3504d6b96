// Limits on the shape of a config before the schema sees it (issue #15). The schema, the secret walk and every
// message recurse or stringify; a hostile config (nested a million levels deep, a million keys, a 100 MB string)
// must be refused with a message naming where, not crash with a stack overflow or hang. This walk is iterative,
// stops at the first too-deep branch and never copies a value.
//
// It also refuses the keys "__proto__", "constructor" and "prototype" anywhere: JSON.parse makes "__proto__" an own
// property, which zod's object parsing then drops without a word (a mapping silently lost), and on a plain object
// assignment it would change the prototype instead.
import { showKey } from "./show.js";

/** The config is at most 6 levels deep (mappings.fields.TAG.options.N.value); anything deeper is not a config. */
export const MAX_DEPTH = 8;
/** Keys of one object: mappings.fields is the widest legitimate object (100 custom fields). */
export const MAX_KEYS = 200;
/** Items of one array: mappings.tags allows 20. */
export const MAX_ITEMS = 200;
/** Characters of one string value: a location is the longest legitimate value. */
export const MAX_STRING = 2048;
/** Characters of one key: a custom field tag is at most 64. */
export const MAX_KEY = 256;
/** Problems reported before the walk stops: a config with a million bad keys gets a readable list. */
const MAX_PROBLEMS = 20;

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export interface ShapeProblem {
  /** The key path, each key as showKey prints it; "(root)" for the whole config. */
  path: string;
  message: string;
}

const pathOf = (keys: readonly string[]): string => (keys.length ? keys.join(".") : "(root)");

/** Every shape problem of `input`, at most MAX_PROBLEMS; empty when the config may go on to the schema. */
export function shapeProblems(input: unknown): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  const stack: Array<{ value: unknown; keys: string[] }> = [{ value: input, keys: [] }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value, keys } = stack.pop()!;
    const path = pathOf(keys);
    if (typeof value === "string") {
      if (value.length > MAX_STRING) problems.push({ path, message: `must be at most ${MAX_STRING} characters; got ${value.length}` });
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (keys.length >= MAX_DEPTH) {
      problems.push({ path, message: `nests deeper than ${MAX_DEPTH} levels; the config is at most 6 levels deep (mappings.fields.<TAG>.options.<n>.value)` });
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_ITEMS) {
        problems.push({ path, message: `must have at most ${MAX_ITEMS} items; got ${value.length}` });
        continue;
      }
      // Children go on the stack last-first, so problems come out in the config's own order.
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], keys: [...keys, String(i)] });
      continue;
    }
    const entries = Object.keys(value);
    if (entries.length > MAX_KEYS) {
      problems.push({ path, message: `must have at most ${MAX_KEYS} keys; got ${entries.length}` });
      continue;
    }
    const children: Array<{ value: unknown; keys: string[] }> = [];
    for (const key of entries) {
      const shown = [...keys, showKey(key)];
      if (key.length > MAX_KEY) {
        problems.push({ path: pathOf(shown), message: `is a key of ${key.length} characters; keys are at most ${MAX_KEY}` });
      } else if (FORBIDDEN_KEYS.has(key)) {
        problems.push({
          path: pathOf(shown),
          message: `is not allowed as a key (a JavaScript object's built-in name, which would be dropped or change the object); rename it`,
        });
      } else {
        children.push({ value: (value as Record<string, unknown>)[key], keys: shown });
      }
    }
    stack.push(...children.reverse());
  }
  return problems;
}
