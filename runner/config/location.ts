// Parses the location strings of the config (segment.source, state) into a typed location.
// Shared by the schema (to validate), the runner (to open) and the constructs (to scope role assignments).
import { isLoopbackHost } from "./loopback.js";
import { AcExportError } from "../errors.js";
import { isAbsolute, resolve } from "node:path";
import { show } from "./show.js";

export type Location =
  | { kind: "file"; path: string }
  | {
      kind: "azure-blob";
      /** Storage account name. */
      account: string;
      container: string;
      /** Blob name, or a prefix ending in "/" (the newest blob under it is used), or "" for the whole container. */
      path: string;
      /** Blob service endpoint, without a trailing slash: https://<account>.blob.core.windows.net, or a loopback emulator URL. */
      endpoint: string;
    };

const ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const CLOUD_SUFFIXES = ["blob.core.windows.net", "blob.core.usgovcloudapi.net", "blob.core.chinacloudapi.cn"];

export const LOCATION_FORMS =
  '"file:<path>", "https://<account>.blob.core.windows.net/<container>/<path or prefix/>" or "azure-blob://<account>/<container>/<path>"';

export class LocationError extends AcExportError {
  constructor(message: string) {
    super("LOCATION_INVALID", message);
  }
}

/** A blob path decoded, or a LocationError for a malformed percent escape (decodeURIComponent throws URIError). */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new LocationError('has a malformed percent escape in the blob path (a "%" must start an escape such as "%20")');
  }
}

/**
 * Refuses "." and ".." segments in the path part of a blob location, as written or percent-encoded ("%2e%2e"), and
 * backslashes: URL parsing resolves them, so "…/segments/../other" would read a container other than the one
 * validated, granted and reviewed.
 */
function checkSegments(pathPart: string): void {
  if (pathPart.includes("\\")) throw new LocationError('must not contain "\\" in a blob location; use "/"');
  for (const segment of pathPart.split("/")) {
    const decoded = decodePath(segment);
    if (decoded === "." || decoded === "..") {
      throw new LocationError(`must not contain a "${decoded}" path segment (as written or percent-encoded); name the blob or prefix directly`);
    }
  }
}

/** The path part of a URL as written, before URL parsing resolves "..": everything after the authority. */
const rawPathOf = (value: string): string => value.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\\?#]*/, "").replace(/[?#].*$/s, "");

function blob(account: string, container: string, path: string, endpoint: string): Location {
  if (!ACCOUNT.test(account)) {
    throw new LocationError(`storage account ${show(account)} must be 3-24 lowercase letters or digits`);
  }
  if (!CONTAINER.test(container)) {
    throw new LocationError(
      `container ${show(container)} must be 3-63 lowercase letters, digits or single "-", starting and ending with a letter or digit`,
    );
  }
  return { kind: "azure-blob", account, container, path: decodePath(path), endpoint };
}

/**
 * Parse a location. `baseDir` resolves relative `file:` paths (the config file's folder); without it
 * relative paths stay relative, which is what the schema wants when it only validates.
 */
export function parseLocation(value: string, baseDir?: string): Location {
  if (value.startsWith("file:")) {
    const path = value.slice("file:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new LocationError('"file:" needs a path after it, e.g. "file:segments/vip.csv"');
    return { kind: "file", path: baseDir && !isAbsolute(path) ? resolve(baseDir, path) : path };
  }
  if (!value.startsWith("file:")) checkSegments(rawPathOf(value));
  if (value.startsWith("azure-blob://")) {
    const [account = "", container = "", ...rest] = value.slice("azure-blob://".length).split("/");
    return blob(account, container, rest.join("/"), `https://${account}.blob.core.windows.net`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LocationError(`is not a location; use ${LOCATION_FORMS}`);
  }
  if (url.username || url.password) throw new LocationError("must not carry credentials; the runner signs in with its managed identity");
  if (url.search) throw new LocationError("must not carry a query string (no SAS tokens); the runner signs in with its managed identity");
  const segments = url.pathname.split("/").slice(1);
  if (url.protocol === "https:" && CLOUD_SUFFIXES.some((s) => url.hostname.endsWith(`.${s}`))) {
    const account = url.hostname.split(".")[0]!;
    const [container = "", ...rest] = segments;
    return blob(account, container, rest.join("/"), `https://${url.hostname}`);
  }
  if ((url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname)) {
    // A local storage emulator (Azurite) uses path-style URLs: http://127.0.0.1:10000/<account>/<container>/<path>.
    const [account = "", container = "", ...rest] = segments;
    return blob(account, container, rest.join("/"), `${url.protocol}//${url.host}/${account}`);
  }
  throw new LocationError(`is not a supported location; use ${LOCATION_FORMS}`);
}

/** The format a segment file's name implies, or undefined when it does not say. */
export function formatFromName(name: string): "csv" | "jsonl" | "parquet" | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".tsv") || lower.endsWith(".txt")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".parquet")) return "parquet";
  return undefined;
}

export function describeLocation(location: Location): string {
  return location.kind === "file"
    ? location.path
    : `${location.endpoint}/${location.container}/${location.path}`;
}
