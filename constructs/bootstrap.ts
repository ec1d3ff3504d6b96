// The runner bootstrap: what a bundle-mode export job runs with `node -e` on a stock Node image. It fetches the
// runner bundle (dist/ac-export.mjs, uploaded by `cdktf deploy`) from Blob Storage with the job's managed identity,
// checks its SHA-256 against the value pinned in the job definition, and runs it with the job's arguments and
// environment. No keys, no private registry. Kept dependency-free and small: it lives in the job definition.
//
// BOOTSTRAP_SOURCE is the readable source (plain CommonJS for `node -e`: no TypeScript, no template literals; the
// ${…} in it are the job's environment names from runner/config/contract.ts, filled in here);
// bootstrapScript() strips comments and indentation. test/constructs/bootstrap.test.ts runs it against a local
// identity endpoint and Azurite.

import { JOB_ENV } from "../runner/config/contract.js";
import { API_KEY_PLACEHOLDER } from "./api-key.js";

/** Environment variables the bootstrap reads (besides IDENTITY_ENDPOINT/IDENTITY_HEADER set by Container Apps). */
export const BOOTSTRAP_ENV = {
  /** Blob URL of the runner bundle. */
  url: JOB_ENV.runnerUrl,
  /** Expected SHA-256 (hex) of the bundle. */
  sha256: JOB_ENV.runnerSha256,
} as const;

export const BOOTSTRAP_SOURCE = String.raw`
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const childProcess = require("node:child_process");

const env = process.env;
const PLACEHOLDER = "__PLACEHOLDER__";

function fail(message, code) {
  process.stderr.write("ac-export bootstrap: " + message + "\n");
  process.exit(code === undefined ? 1 : code);
}

// Container Apps starts the container before its identity endpoint may answer: retry transient failures.
async function withRetries(what, attempt) {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (e.permanent || i >= 5) fail(what + " failed: " + e.message);
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** i));
    }
  }
}

async function httpGet(url, headers, what) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30000) });
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    const error = new Error(what + " answered HTTP " + response.status + ": " + body);
    // 4xx (except throttling) will not get better by retrying.
    error.permanent = response.status >= 400 && response.status < 500 && response.status !== 429;
    throw error;
  }
  return response;
}

// A managed-identity token for Azure Storage, from the Container Apps identity endpoint. AZURE_CLIENT_ID selects
// the export's user-assigned identity.
async function storageToken() {
  if (!env.IDENTITY_ENDPOINT || !env.IDENTITY_HEADER) {
    fail("IDENTITY_ENDPOINT and IDENTITY_HEADER are not set: the job needs a managed identity");
  }
  const url = new URL(env.IDENTITY_ENDPOINT);
  url.searchParams.set("api-version", "2019-08-01");
  url.searchParams.set("resource", "https://storage.azure.com/");
  if (env.AZURE_CLIENT_ID) url.searchParams.set("client_id", env.AZURE_CLIENT_ID);
  return withRetries("getting a storage token from the identity endpoint", async () => {
    const response = await httpGet(url, { "X-IDENTITY-HEADER": env.IDENTITY_HEADER }, "the identity endpoint");
    const body = await response.json();
    if (!body.access_token) throw new Error("the identity endpoint returned no access_token");
    return body.access_token;
  });
}

async function main() {
  if (env.${JOB_ENV.apiKey} === PLACEHOLDER) {
    fail("the connection's API key is not set yet: an administrator runs the set-api-key command from cdktf output (az keyvault secret set ...)", 2);
  }
  const bundleUrl = env.${JOB_ENV.runnerUrl};
  const expected = (env.${JOB_ENV.runnerSha256} || "").toLowerCase();
  if (!bundleUrl || !/^[0-9a-f]{64}$/.test(expected)) fail("${JOB_ENV.runnerUrl} and ${JOB_ENV.runnerSha256} must be set");
  const token = await storageToken();
  const bundle = await withRetries("downloading the runner bundle", async () => {
    const headers = { Authorization: "Bearer " + token, "x-ms-version": "2023-11-03", "x-ms-date": new Date().toUTCString() };
    const response = await httpGet(bundleUrl, headers, "blob storage");
    return Buffer.from(await response.arrayBuffer());
  });
  const actual = crypto.createHash("sha256").update(bundle).digest("hex");
  if (actual !== expected) fail("the runner bundle at " + bundleUrl + " has SHA-256 " + actual + ", expected " + expected + "; refusing to run it");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ac-export-"));
  const file = path.join(dir, "ac-export.mjs");
  fs.writeFileSync(file, bundle, { mode: 0o500 });
  // Same environment (AC_EXPORT_CONFIG, AC_API_KEY, AZURE_CLIENT_ID, identity endpoint) and arguments.
  const child = childProcess.spawn(process.execPath, [file].concat(process.argv.slice(1)), { stdio: "inherit", env });
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => child.kill(signal));
  child.on("error", (e) => fail("could not start the runner: " + e.message));
  child.on("exit", (code, signal) => process.exit(code === null ? 128 + (os.constants.signals[signal] || 1) : code));
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
`;

/** The bootstrap as it goes into the job's command: comments, blank lines and indentation removed. */
export function bootstrapScript(): string {
  return BOOTSTRAP_SOURCE.replace("__PLACEHOLDER__", API_KEY_PLACEHOLDER)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"))
    .join("\n");
}
