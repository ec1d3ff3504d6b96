// Azure Blob access for segment readers and state stores: one ContainerClient per location.
// Cloud endpoints sign in with DefaultAzureCredential (the job's user-assigned managed identity, selected by
// AZURE_CLIENT_ID; `az login` on a workstation). Loopback emulator endpoints (Azurite) use a shared key: the
// AZURE_STORAGE_KEY environment variable, or Azurite's published development key. Keys and tokens are never logged,
// and errors are rewritten so that no request (with its Authorization header) travels with them.
// The SDKs are imported lazily: commands that never touch Azure do not pay for loading them.
import { JOB_ENV } from "../config/contract.js";
import type { ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import type { TokenCredential } from "@azure/identity";
import type { Location } from "../config/location.js";

export type BlobLocation = Extract<Location, { kind: "azure-blob" }>;

/** Azurite's account and its well-known development key (public; documented by Microsoft, not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True for a local emulator endpoint (http(s)://127.0.0.1:<port>/<account>, localhost, [::1]). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

let cloudCredential: TokenCredential | undefined;

async function credentialFor(location: BlobLocation): Promise<TokenCredential | import("@azure/storage-blob").StorageSharedKeyCredential> {
  if (isLoopbackEndpoint(location.endpoint)) {
    const { StorageSharedKeyCredential } = await import("@azure/storage-blob");
    const key = process.env.AZURE_STORAGE_KEY || AZURITE_KEY;
    return new StorageSharedKeyCredential(location.account, key);
  }
  if (!cloudCredential) {
    const { DefaultAzureCredential } = await import("@azure/identity");
    const clientId = process.env[JOB_ENV.azureClientId];
    cloudCredential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  }
  return cloudCredential;
}

const PIPELINE: StoragePipelineOptions = {
  // The SDK's defaults (4 tries, exponential backoff) with a bounded wait so a dead endpoint fails in seconds.
  retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
  userAgentOptions: { userAgentPrefix: "ac-export" },
};

/** A ContainerClient for the location's account and container (the path is not touched). */
export async function containerClientFor(location: BlobLocation): Promise<ContainerClient> {
  const { BlobServiceClient } = await import("@azure/storage-blob");
  const credential = await credentialFor(location);
  const service = new BlobServiceClient(location.endpoint, credential, PIPELINE);
  return service.getContainerClient(location.container);
}

/** The URL of a blob or prefix in the location's container (for messages and reports; carries no credential). */
export function blobUrl(location: BlobLocation, name: string): string {
  const encoded = name
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `${location.endpoint}/${location.container}/${encoded}`;
}

/** HTTP status of an Azure SDK error, if it has one. */
export function blobStatus(e: unknown): number | undefined {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Storage error code of an Azure SDK error (e.g. "BlobNotFound", "LeaseAlreadyPresent"), if it has one. */
export function blobErrorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = err?.details?.errorCode ?? err?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A one-line description of an Azure SDK error for messages: status, storage error code and the first line of the
 * service's message. Never includes headers, the request or the credential.
 */
export function describeBlobError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === "AbortError") return "aborted";
  const status = blobStatus(e);
  const code = blobErrorCode(e);
  let first = (e.message.split("\n")[0] ?? "").trim();
  // A credential failure names what was tried; keep the gist, not the whole chain of attempts.
  if (e.name === "CredentialUnavailableError" || e.name === "AuthenticationError" || e.name === "AggregateAuthenticationError") {
    return `cannot sign in to Azure Storage (${e.name}): ${first.slice(0, 300)}; the runner uses DefaultAzureCredential (the job's managed identity, selected by AZURE_CLIENT_ID)`;
  }
  if (status === 403) {
    first = `${first} (does the identity have a Storage Blob Data role on this container?)`;
  }
  const parts = [status ? `HTTP ${status}` : undefined, code && !first.startsWith(code) ? code : undefined, first].filter(Boolean);
  return parts.join(" ").slice(0, 500);
}

/** A plain Error describing a failed blob operation, without the SDK's request attached. */
export function blobError(what: string, e: unknown): Error {
  const err = new Error(`${what}: ${describeBlobError(e)}`);
  (err as { statusCode?: number }).statusCode = blobStatus(e);
  (err as { code?: string }).code = blobErrorCode(e);
  return err;
}
