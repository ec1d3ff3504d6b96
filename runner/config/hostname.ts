// Checks an ActiveCampaign REST endpoint hostname as the Settings → Developer page shows it.
// Returns a problem sentence, or null when the hostname is fine. Never echoes URL credentials.
import { show } from "./show.js";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Show a URL-ish value with any `user:password@` part masked, so errors never print credentials. */
export function redactUserInfo(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/, "$1***@").replace(/^[^/@\s:]+:[^/@\s]*@/, "***@");
}

/** Best effort: the hostname hidden in a URL-like value, to suggest it back to the user. */
function suggestHostname(value: string): string | null {
  try {
    const url = new URL(value.includes("://") ? value : `https://${value}`);
    const host = url.hostname.toLowerCase();
    return host && checkHostname(host) === null ? host : null;
  } catch {
    return null;
  }
}

export function checkHostname(raw: string): string | null {
  const shown = show(redactUserInfo(raw));
  const suggestion = suggestHostname(raw.trim());
  const useInstead = suggestion && suggestion !== raw ? `; use "${suggestion}" instead` : "";
  if (raw.length === 0) return "must not be empty; expected the REST endpoint hostname, e.g. \"contoso.api-us1.com\"";
  if (/\s/.test(raw)) return `must not contain whitespace; got ${shown}${useInstead}`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw)) {
    return `must be a bare hostname without a scheme such as "https://"; got ${shown}${useInstead}`;
  }
  if (raw.includes("@")) return `must not contain user info ("user@" or credentials); got ${shown}${useInstead}`;
  if (raw.includes("/")) return `must not contain a path; got ${shown}${useInstead}`;
  if (raw.includes("?") || raw.includes("#")) return `must not contain a query or fragment; got ${shown}${useInstead}`;
  if (raw.startsWith("[") || raw.split(":").length > 2) return `must be a DNS hostname, not an IP address; got ${shown}`;
  if (raw.includes(":")) return `must not contain a port; got ${shown}${useInstead}`;
  // Unicode look-alikes (Cyrillic "о" for "o", fullwidth dots…) would resolve to someone else's host.
  const nonAscii = [...raw].findIndex((ch) => ch.codePointAt(0)! > 0x7e);
  if (nonAscii >= 0) {
    const ch = [...raw][nonAscii]!;
    const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `must be plain ASCII; got ${shown} with the non-ASCII character ${show(ch)} (${code}) at position ${nonAscii + 1}`;
  }
  const host = raw.toLowerCase();
  if (IPV4.test(host)) return `must be a DNS hostname, not an IP address; got ${shown}`;
  if (host.endsWith(".")) return `must not end with a dot; got ${shown}; use "${host.slice(0, -1)}" instead`;
  if (host.length > 253) return `must be at most 253 characters; got ${host.length}`;
  const labels = host.split(".");
  if (labels.length < 2) return `must be a fully qualified hostname such as "contoso.api-us1.com"; got ${shown}`;
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `has an invalid label ${show(bad)} in ${shown}; labels are 1-63 letters, digits or "-", not starting or ending with "-"`;
  }
  if (!/^[a-z]{2,63}$/.test(labels[labels.length - 1]!)) {
    return `must end in a top-level domain of letters; got ${shown}`;
  }
  return null;
}
