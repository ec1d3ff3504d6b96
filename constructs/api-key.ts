// Where a connection's ActiveCampaign API key lives. Never in code, synth output or (by default) Terraform state.
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret/index.js";
import { type ITerraformDependable, type TerraformVariable, Token } from "cdktf";
import type { Construct } from "constructs";
import { InvalidPropsError, isToken, show } from "./util.js";

/**
 * The value Terraform writes (write-only, once) into an out-of-band secret so that the secret, its role assignments
 * and the job's Key Vault reference can exist before an administrator sets the real key. It is not a secret. The
 * runner bootstrap recognizes it and stops with exit code 2 and a hint instead of calling ActiveCampaign with it.
 */
export const API_KEY_PLACEHOLDER = "not-set-yet:run-the-set-api-key-command-from-cdktf-output";

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const SECRET_ARM_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/secrets\/([^/]+)$/i;

/** What a connection gets when it binds its API key. */
export interface BoundApiKey {
  /** How the key gets into Key Vault, for outputs and the review summary. */
  readonly mode: "out-of-band" | "write-only-variable" | "existing-secret";
  /** ARM ID of the secret without version: the scope of the secret's role assignments. */
  readonly secretResourceId: string;
  /** Data-plane URI of the secret without version: what the job's Key Vault reference points at (picks up new versions). */
  readonly secretUri: string;
  /** The secret's name in its vault. */
  readonly secretName: string;
  /** The Key Vault secret resource when Terraform manages one. */
  readonly secret?: KeyVaultSecret;
  /** The exact command an administrator runs to set (or rotate) the key, when the key is set out of band. */
  readonly setCommand?: string;
}

/** The platform vault a connection's secret goes into. */
export interface ApiKeyBindContext {
  readonly keyVaultId: string;
  readonly keyVaultName: string;
  /** Default secret name for this connection, e.g. "ac-api-key-marketing-eu". */
  readonly defaultSecretName: string;
  /** Construct path of the connection, for messages. */
  readonly path: string;
  /** Resources the secret must wait for (the deployer's Key Vault Secrets Officer assignment). */
  readonly dependsOn: ITerraformDependable[];
}

export interface OutOfBandOptions {
  /**
   * Name of the secret in the platform's Key Vault.
   * @default "ac-api-key-<connection name>"
   */
  readonly secretName?: string;
}

export interface WriteOnlyVariableOptions {
  /**
   * Name of the secret in the platform's Key Vault.
   * @default "ac-api-key-<connection name>"
   */
  readonly secretName?: string;
  /**
   * `value_wo_version`: Terraform writes the variable's value only when this number changes. Bump it to rotate.
   * @default 1
   */
  readonly version?: number;
}

export interface ExistingSecretOptions {
  /**
   * Data-plane URI of the secret without a version, e.g. `https://contoso-kv.vault.azure.net/secrets/ac-api-key`.
   * @default - derived from the ARM ID (public Azure cloud: `https://<vault>.vault.azure.net/secrets/<name>`); required when the ID is a token
   */
  readonly secretUri?: string;
}

/**
 * How a connection's ActiveCampaign API key reaches Key Vault. The job always reads it through a Key Vault reference
 * (`AC_API_KEY`), with its own managed identity; the key never appears in code, `cdk.tf.json` or job definitions.
 */
export abstract class ApiKey {
  /**
   * The default. Terraform creates the secret in the platform's Key Vault holding only a placeholder (write-only, so
   * Terraform state never holds a value), plus the access to it; an administrator then sets the real key with the
   * `az keyvault secret set` command printed as the connection's `…_set_api_key_command` output. Terraform never sees
   * the key, and never overwrites it (the placeholder is written once).
   */
  static setOutOfBand(options: OutOfBandOptions = {}): ApiKey {
    return new OutOfBandApiKey(options);
  }

  /**
   * Terraform writes the key from a sensitive variable as a write-only value (`value_wo`, Terraform ≥ 1.11), so it
   * stays out of the plan and state. Declare the variable in your stack without a default and feed it with
   * `TF_VAR_<name>` at deploy time: `new TerraformVariable(stack, "ac_api_key_marketing_eu", { type: "string", sensitive: true })`.
   */
  static fromWriteOnlyVariable(variable: TerraformVariable, options: WriteOnlyVariableOptions = {}): ApiKey {
    return new WriteOnlyVariableApiKey(variable, options);
  }

  /**
   * A secret that already exists in an RBAC-enabled Key Vault, by its ARM ID without version
   * (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>`). The connection's role
   * assignments are scoped to that one secret.
   */
  static fromExistingSecret(secretResourceId: string, options: ExistingSecretOptions = {}): ApiKey {
    return new ExistingSecretApiKey(secretResourceId, options);
  }

  /** @internal */
  abstract bind(scope: Construct, context: ApiKeyBindContext): BoundApiKey;
}

function secretName(context: ApiKeyBindContext, name: string | undefined, factory: string): string {
  const n = name ?? context.defaultSecretName;
  if (isToken(n) || !SECRET_NAME.test(n)) {
    throw InvalidPropsError.factory(factory, "secretName", `must be 1-127 letters, digits or "-"; got ${isToken(n) ? "a Terraform token" : show(n)}`, context.path);
  }
  return n;
}

function setCommand(vault: string, secret: string): string {
  // The key comes from the AC_API_KEY variable of the administrator's shell (`read -rs AC_API_KEY` first), so it
  // never lands in shell history or in this output.
  return `az keyvault secret set --vault-name ${vault} --name ${secret} --value "$AC_API_KEY" --output none`;
}

class OutOfBandApiKey extends ApiKey {
  constructor(private readonly options: OutOfBandOptions) {
    super();
  }
  bind(scope: Construct, context: ApiKeyBindContext): BoundApiKey {
    const name = secretName(context, this.options.secretName, "ApiKey.setOutOfBand");
    const secret = new KeyVaultSecret(scope, "ApiKeySecret", {
      name,
      keyVaultId: context.keyVaultId,
      valueWo: API_KEY_PLACEHOLDER,
      valueWoVersion: 1,
      // No contentType or tags: they belong to the latest version, which the administrator writes, and Terraform
      // would otherwise plan to put them back on every deploy.
      dependsOn: context.dependsOn,
    });
    return {
      mode: "out-of-band",
      secretResourceId: secret.resourceVersionlessId,
      secretUri: secret.versionlessId,
      secretName: name,
      secret,
      setCommand: setCommand(context.keyVaultName, name),
    };
  }
}

class WriteOnlyVariableApiKey extends ApiKey {
  constructor(
    private readonly variable: TerraformVariable,
    private readonly options: WriteOnlyVariableOptions,
  ) {
    super();
  }
  bind(scope: Construct, context: ApiKeyBindContext): BoundApiKey {
    const factory = "ApiKey.fromWriteOnlyVariable";
    const v = this.variable;
    const fail = (prop: string, message: string) => InvalidPropsError.factory(factory, prop, message, context.path);
    if (!v || typeof v.stringValue !== "string") throw fail("variable", `must be a TerraformVariable; got ${show(v)}`);
    if (v.sensitive !== true) throw fail("variable", `"${v.friendlyUniqueId}" must be declared with sensitive: true, so Terraform never prints the key`);
    if (v.default !== undefined) {
      throw fail(
        "variable",
        `"${v.friendlyUniqueId}" must not have a default (a default is written into cdk.tf.json); feed it with TF_VAR_${v.friendlyUniqueId} at deploy time`,
      );
    }
    const version = this.options.version ?? 1;
    if (!Token.isUnresolved(version) && (!Number.isInteger(version) || version < 1)) {
      throw fail("version", `must be a whole number of at least 1 (bump it to rotate the key); got ${show(version)}`);
    }
    const name = secretName(context, this.options.secretName, factory);
    const secret = new KeyVaultSecret(scope, "ApiKeySecret", {
      name,
      keyVaultId: context.keyVaultId,
      valueWo: v.stringValue,
      valueWoVersion: version,
      contentType: "ActiveCampaign API key (write-only variable)",
      dependsOn: context.dependsOn,
    });
    return { mode: "write-only-variable", secretResourceId: secret.resourceVersionlessId, secretUri: secret.versionlessId, secretName: name, secret };
  }
}

class ExistingSecretApiKey extends ApiKey {
  constructor(
    private readonly id: string,
    private readonly options: ExistingSecretOptions,
  ) {
    super();
  }
  bind(_scope: Construct, context: ApiKeyBindContext): BoundApiKey {
    const fail = (prop: string, message: string) => InvalidPropsError.factory("ApiKey.fromExistingSecret", prop, message, context.path);
    let uri = this.options.secretUri;
    let name = "(existing secret)";
    if (isToken(this.id)) {
      if (!uri) throw fail("secretUri", "is required when the secret ID is a Terraform token");
    } else {
      const m = SECRET_ARM_ID.exec(this.id ?? "");
      if (!m) {
        throw fail(
          "secretResourceId",
          `must be an ARM ID without version, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>"; got ${show(this.id)}`,
        );
      }
      name = m[2]!;
      uri ??= `https://${m[1]}.vault.azure.net/secrets/${m[2]}`;
    }
    if (!isToken(uri) && !/^https:\/\/[a-z0-9-]+\.vault\.[a-z0-9.]+\/secrets\/[0-9a-zA-Z-]+$/i.test(uri!)) {
      throw fail("secretUri", `must be a versionless secret URI such as "https://contoso-kv.vault.azure.net/secrets/ac-api-key"; got ${show(uri)}`);
    }
    return { mode: "existing-secret", secretResourceId: this.id, secretUri: uri!, secretName: name };
  }
}
