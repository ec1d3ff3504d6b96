// Small helpers shared by the constructs: prop errors that name the construct, the prop and the bad value; Azure
// name derivation (deterministic, so the ExportConfig can hold literal names at synth time); role names.
import { createHash } from "node:crypto";
import { Token } from "cdktf";
import type { IConstruct } from "constructs";
import { secretProblems, unknownProps } from "./prop-guards.js";

/** Built-in Azure roles the constructs assign (the contract with the review: runner/config/contract.ts). */
export { ROLES } from "../runner/config/contract.js";

/** One problem with one prop: `<prop>: <what is wrong>; got <value>`. */
export interface PropProblem {
  prop: string;
  message: string;
}

/**
 * Thrown when props are invalid: at construction (by the construct) or when a factory such as `Schedule.cron` or
 * `ApiKey.fromWriteOnlyVariable` checks its arguments. Lists every problem, each naming its prop path.
 */
export class InvalidPropsError extends Error {
  constructor(
    /** The construct's path; undefined for a factory called outside any construct (e.g. `Schedule.cron`). */
    readonly constructPath: string | undefined,
    /** The construct class, or the factory ("Schedule.cron"). */
    readonly constructKind: string,
    readonly problems: PropProblem[],
    /** True when `constructKind` is a factory (its props are its arguments or options). */
    readonly factory = false,
  ) {
    const where = constructPath === undefined ? constructKind : factory ? `${constructKind} for "${constructPath}"` : `${constructKind} "${constructPath}"`;
    super(`${where} has invalid props:\n${problems.map((p) => `  ${p.prop}: ${p.message}`).join("\n")}`);
    this.name = "InvalidPropsError";
  }

  /** All problems on one line ("prop: message; prop: message"), as synth prints one line per invalid construct. */
  get oneLine(): string {
    return `${this.constructKind} has invalid props: ${this.problems.map((p) => `${p.prop}: ${p.message}`).join("; ")}`;
  }

  /** A factory's invalid argument or option, e.g. `Schedule.cron` with `expression`; `boundIn` is the construct path when known. */
  static factory(factory: string, prop: string, message: string, boundIn?: string): InvalidPropsError {
    return new InvalidPropsError(boundIn, factory, [{ prop, message }], true);
  }
}

/** A value for messages: strings quoted, long values cut (the config schema's own). */
export { show } from "../runner/config/show.js";

export const isToken = (value: unknown): boolean => value !== undefined && value !== null && Token.isUnresolved(value);

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Collects problems and throws them together, so a user fixes all props in one go. */
export class PropChecker {
  readonly problems: PropProblem[] = [];
  constructor(
    private readonly scope: IConstruct,
    private readonly kind: string,
  ) {}
  add(prop: string, message: string): void {
    this.problems.push({ prop, message });
  }
  /** A value that must be known at synth time (it goes into the validated, reviewed ExportConfig). */
  literal(prop: string, value: unknown): boolean {
    if (!isToken(value)) return true;
    this.add(prop, "must be a literal value known at synth time (it is part of the export config that is validated and reviewed before deploy); got a Terraform token");
    return false;
  }
  /**
   * Unknown props (with a did-you-mean) and secret-like values in any string prop. Run first: when it finds
   * anything the caller stops, since later messages quote values.
   */
  guard(props: unknown, allowed: readonly string[]): boolean {
    const found = [...unknownProps(props, allowed), ...secretProblems(props)];
    for (const p of found) this.add(p.prop, p.message);
    return found.length === 0;
  }
  throwIfAny(): void {
    if (this.problems.length) throw new InvalidPropsError(this.scope.node.path, this.kind, this.problems);
  }
}

/** `namePrefix`: 1-12 lowercase letters, digits or single "-", starting with a letter (it starts Key Vault names). */
export const NAME_PREFIX = /^[a-z](?:[a-z0-9]|-(?!-)){0,10}[a-z0-9]$|^[a-z]$/;
/** Storage account names: 3-24 lowercase letters and digits, globally unique. */
export const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** Key Vault names: 3-24 letters, digits and single "-", starting with a letter, ending with a letter or digit. */
export const KEY_VAULT_NAME = /^(?=.{3,24}$)[a-zA-Z](?:[a-zA-Z0-9]|-(?!-))*[a-zA-Z0-9]$/;
/** Container Apps job names: 2-32 lowercase letters, digits and single "-", starting with a letter, ending alphanumeric. */
export const JOB_NAME = /^(?=.{2,32}$)[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
/** Blob container names: 3-63 lowercase letters, digits and single "-", starting and ending alphanumeric. */
export const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/**
 * A name made of `prefix` and `name` that fits `maxLength` and Azure's "letters, digits and single hyphens"
 * rules. When `name` has to be shortened or cleaned, a 4-character hash of the original keeps it unique.
 */
export function fitName(prefix: string, name: string, maxLength: number): string {
  const clean = name.replace(/-{2,}/g, "-").replace(/^-+|-+$/g, "");
  const direct = `${prefix}${clean}`;
  if (clean === name && direct.length <= maxLength) return direct;
  const hash = sha256(name).slice(0, 4);
  const room = maxLength - prefix.length - hash.length - 1;
  const cut = clean.slice(0, Math.max(0, room)).replace(/-+$/, "");
  return cut ? `${prefix}${cut}-${hash}` : `${prefix}${hash}`;
}

/** Terraform output names: letters, digits, "_" and "-", starting with a letter or "_". */
export function outputName(...parts: string[]): string {
  const joined = parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(joined) ? joined : `export_${joined}`;
}

/** Merge tag maps; later ones win. */
export function mergeTags(...maps: Array<Record<string, string> | undefined>): Record<string, string> {
  return Object.assign({}, ...maps.filter(Boolean));
}

/**
 * A string Terraform must take literally: in Terraform's JSON syntax every string is a template, so "${" and "%{"
 * are escaped as "$${" and "%%{". (`ac-export review` undoes it.)
 */
export function terraformLiteral(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** `true` only when `Listed` covers every key of `Props`: a props table that misses a prop fails to compile. */
export type AllListed<Props, Listed> = [Exclude<keyof Props, Listed>] extends [never] ? true : { missing: Exclude<keyof Props, Listed> };
