// Values that look like a credential, refused in every string prop and config value (issue #14): a key pasted into
// a non-secret field (hostname, a name, a blob path) would otherwise land in cdk.tf.json, the review and logs.
// ActiveCampaign documents no key format; keys seen in the wild are 64-72 hex digits, so a run of 32 or more hex
// digits counts (no hostname label, id or name of ours is that long and all hex).

const MIN_HEX_RUN = 32;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

function hasLongHexRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = isHex(text.charCodeAt(i)) ? run + 1 : 0;
    if (run >= MIN_HEX_RUN) return true;
  }
  return false;
}

/** Labels that introduce a secret value in a URL, a connection string or a header. */
const LABELLED = [/(?:^|[?&;\s])sig=/i, /accountkey=/i, /sharedaccesssignature=/i, /api-token\s*:/i];
/** An Azure storage account key: 64 random bytes in base64. */
const ACCOUNT_KEY = /(?:^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?:$|[^A-Za-z0-9+/=])/;

/**
 * What kind of secret a value looks like, or undefined. Never returns the value: callers name the field, not what
 * was in it.
 */
export function secretKind(value: string): string | undefined {
  if (hasLongHexRun(value)) return "an ActiveCampaign API key";
  if (LABELLED[0]!.test(value)) return "an Azure SAS token";
  if (LABELLED.slice(1).some((r) => r.test(value))) return "an Azure storage credential or an API token";
  if (ACCOUNT_KEY.test(value)) return "an Azure storage account key";
  return undefined;
}

/** The message for a secret-like value in `field`. It never quotes the value. */
export function secretRefusal(field: string, kind: string): string {
  return `${field}: looks like ${kind}; secrets are never accepted here (the value is not shown). Keys belong in Key Vault: see ApiKey`;
}

/** Masking (rather than refusing) what looks like a secret in text: one implementation, in mask-secrets.ts. */
export { maskSecrets } from "./mask-secrets.js";
