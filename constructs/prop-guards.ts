// Run-time checks every construct applies to its props before anything else (issue #14): unknown props (with the
// config's did-you-mean, so a typo under tsx or transpile-only is not silently dropped) and secret-like values in
// any string prop, found by walking the props generically so no field can be forgotten. Neither ever echoes a value.
import { Construct } from "constructs";
import { unknownKeyMessage } from "../runner/config/messages.js";
import { secretKind, secretRefusal } from "../runner/config/secret-like.js";
import { InvalidPropsError, type PropProblem } from "./util.js";

/** Props that are not in `allowed` (own enumerable keys of a props object). */
export function unknownProps(props: unknown, allowed: readonly string[], prefix = ""): PropProblem[] {
  if (!props || typeof props !== "object") return [];
  return Object.keys(props)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ prop: `${prefix}${key}`, message: unknownKeyMessage(key, allowed) }));
}

/** Fields of factory-made objects (SegmentSource.blob, ApiKey.setOutOfBand, RunnerImage.bundle) that hold the options. */
const TRANSPARENT = new Set(["options"]);
/** Caches of resolved values (a bundle's SHA-256 is 64 hex digits, not a key). */
const SKIPPED = new Set(["resolved"]);

/**
 * Every string under `value` that looks like a credential, named by its prop path ("segment.blobName",
 * "tags.owner", "admins[0].displayName"). Walks plain objects, arrays and the options inside factory-made objects;
 * stops at constructs (they check their own props) and at Terraform tokens' internals.
 */
export function secretProblems(value: unknown, path = "", seen = new WeakSet<object>()): PropProblem[] {
  if (typeof value === "string") {
    const kind = secretKind(value);
    if (!kind) return [];
    const prop = path || "(value)";
    return [{ prop, message: secretRefusal(prop, kind).slice(prop.length + 2) }];
  }
  if (!value || typeof value !== "object" || Construct.isConstruct(value) || seen.has(value)) return [];
  seen.add(value);
  if (Array.isArray(value)) return value.flatMap((v, i) => secretProblems(v, `${path}[${i}]`, seen));
  return Object.entries(value).flatMap(([key, v]) => {
    if (SKIPPED.has(key)) return [];
    // A secret in a map key (a tag name, a custom field tag) is a secret too.
    const keyProblem = secretKind(key) ? [{ prop: path ? `${path} (a key)` : "(a key)", message: secretRefusal("key", secretKind(key)!).slice(5) }] : [];
    // A field declaration's `options` is an array of values, not a factory's options object: it keeps its name.
    const next = TRANSPARENT.has(key) && !Array.isArray(v) ? path : path ? `${path}.${key}` : key;
    return [...keyProblem, ...secretProblems(v, next, seen)];
  });
}

/** Throws-free check of a factory argument: the problem for one string, or undefined. */
export function secretProblem(prop: string, value: unknown): PropProblem | undefined {
  return secretProblems(value, prop)[0];
}

/**
 * A construct id that looks like a credential: thrown without the construct's path, which holds the id (an export's
 * or connection's name defaults to its id, so it would land in cdk.tf.json, the job name and the review).
 */
export function refuseSecretId(kind: string, id: string): void {
  const problem = secretProblem("id", id);
  if (problem) throw new InvalidPropsError(undefined, kind, [problem]);
}
