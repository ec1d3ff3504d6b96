// Where the ActiveCampaign API lives for one connection: https://<hostname>/api/3, or AC_API_URL for sandboxes.
import { AcExportError } from "../errors.js";
import { redactUserInfo } from "../config/hostname.js";
import { isLoopbackHost } from "../config/loopback.js";
import { show } from "../config/show.js";

export { isLoopbackHost };

/** Thrown for an AC_API_URL that cannot be used. The message names AC_API_URL and the (credential-masked) value. */
export class BaseUrlError extends AcExportError {
  constructor(message: string) {
    super("BASE_URL_INVALID", message);
  }
}

const API_PATH = "/api/3";


/**
 * The API base URL (no trailing slash, ending in /api/3). `AC_API_URL` overrides `https://<hostname>/api/3`; it may be
 * given with or without the trailing `/api/3`. Plain http is accepted for loopback addresses only.
 */
export function resolveBaseUrl(hostname: string, env: NodeJS.ProcessEnv): string {
  const override = env.AC_API_URL?.trim();
  if (!override) return `https://${hostname}${API_PATH}`;
  const shown = show(redactUserInfo(override).replace(/[?#].*$/, "?***"));
  const fail = (why: string): never => {
    throw new BaseUrlError(`AC_API_URL ${shown} ${why}`);
  };
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    return fail('is not a URL; expected e.g. "http://127.0.0.1:4010" (a local sandbox) or "https://contoso.api-us1.com/api/3"');
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") fail(`must use https:// (or http:// for a loopback sandbox); got ${url.protocol}//`);
  if (url.username || url.password) fail("must not contain user info (user:password@); the API key comes from AC_API_KEY only");
  if (url.search || url.hash) fail("must not contain a query or fragment");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    fail(
      "uses plain http to a non-loopback host; http is accepted only for 127.0.0.0/8, localhost and [::1] (a local sandbox); use https:// for anything else",
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith(API_PATH)) path += API_PATH;
  return `${url.protocol}//${url.host}${path}`;
}
