// Who may use a connection or run an export: a Microsoft Entra user, group or service principal by object ID.
import { secretProblem } from "./prop-guards.js";
import { InvalidPropsError, isToken, show } from "./util.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type PrincipalType = "User" | "Group" | "ServicePrincipal";

/**
 * A Microsoft Entra principal that gets roles on connections and exports.
 *
 * Prefer groups: membership then changes in Entra ID, not in code. The display name is only for people: it goes
 * into the role assignments' descriptions and the `ac-export review` summary.
 */
export class Principal {
  /** A user, by Entra object ID (not the UPN or email). */
  static user(objectId: string, displayName?: string): Principal {
    return new Principal(objectId, "User", displayName, "Principal.user");
  }

  /** A security group, by Entra object ID. */
  static group(objectId: string, displayName?: string): Principal {
    return new Principal(objectId, "Group", displayName, "Principal.group");
  }

  /** A service principal (e.g. a pipeline's identity), by its Entra object ID (not the application/client ID). */
  static servicePrincipal(objectId: string, displayName?: string): Principal {
    return new Principal(objectId, "ServicePrincipal", displayName, "Principal.servicePrincipal");
  }

  private constructor(
    /** The Entra object ID (a GUID), or a token resolving to one. */
    readonly objectId: string,
    readonly principalType: PrincipalType,
    /** For people reading the role assignments and the review summary. */
    readonly displayName: string | undefined,
    factory: string,
  ) {
    for (const [prop, value] of [["objectId", objectId], ["displayName", displayName]] as const) {
      const secret = secretProblem(prop, value);
      if (secret) throw InvalidPropsError.factory(factory, secret.prop, secret.message);
    }
    if (isToken(objectId)) {
      if (!displayName) {
        throw InvalidPropsError.factory(
          factory,
          "displayName",
          "is required when objectId is a Terraform token (it names the role assignments' construct IDs, which must be stable)",
        );
      }
    } else if (typeof objectId !== "string" || !GUID.test(objectId)) {
      throw InvalidPropsError.factory(
        factory,
        "objectId",
        `must be a Microsoft Entra object ID, a GUID such as "3f2504e0-4f89-41d3-9a0c-0305e82c3301" (not a name, email or UPN); got ${show(objectId)}`,
      );
    }
    if (displayName !== undefined && (isToken(displayName) || displayName.trim() === "" || displayName.length > 100)) {
      throw InvalidPropsError.factory(factory, "displayName", `must be 1-100 characters of plain text; got ${show(displayName)}`);
    }
  }

  /** Stable construct-ID fragment for this principal's role assignments. */
  get key(): string {
    const id = isToken(this.objectId) ? this.displayName!.replace(/[^A-Za-z0-9-]+/g, "-") : this.objectId.toLowerCase();
    return `${this.principalType}-${id}`;
  }

  /** "Marketing admins (group 3f25…)" or "group 3f25…", for descriptions. */
  get label(): string {
    const kind = this.principalType === "ServicePrincipal" ? "service principal" : this.principalType.toLowerCase();
    const id = isToken(this.objectId) ? "" : ` ${this.objectId}`;
    return this.displayName ? `${this.displayName} (${kind}${id})` : `${kind}${id}`;
  }
}
