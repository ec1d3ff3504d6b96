// Every string of a config, keys included, that looks like a secret (issue #14): a key pasted as the hostname, a SAS
// token in a location, an API key as a column name. Generic on purpose: a new config key is covered without a
// change here. Run after shapeProblems (input-limits.ts), so the walk is bounded.
import { secretKind } from "./secret-like.js";

export interface SecretValue {
  /** The raw key path of the value (or of the key, when the key itself looks like a secret). */
  path: string[];
  /** What it looks like, e.g. "an ActiveCampaign API key"; never the value. */
  kind: string;
  /** True when the key, not its value, looks like a secret. */
  isKey: boolean;
}

export function findSecretValues(value: unknown, path: string[] = []): SecretValue[] {
  if (typeof value === "string") {
    const kind = secretKind(value);
    return kind ? [{ path, kind, isKey: false }] : [];
  }
  if (value === null || typeof value !== "object") return [];
  const found: SecretValue[] = [];
  for (const [key, child] of Object.entries(value)) {
    const kind = Array.isArray(value) ? undefined : secretKind(key);
    if (kind) found.push({ path: [...path, key], kind, isKey: true });
    else found.push(...findSecretValues(child, [...path, key]));
  }
  return found;
}
