// The runner bootstrap (constructs/bootstrap.ts) run for real with node: it gets a token from an identity endpoint,
// downloads the bundle from Azurite (HTTPS + OAuth, which checks the token's issuer, audience and lifetime) and runs
// it. The identity endpoint is the one fake here: Azure's Container Apps identity endpoint cannot run locally, so a
// tiny HTTP server on 127.0.0.1 plays it, answering like the real one (api-version 2019-08-01, X-IDENTITY-HEADER).
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_PLACEHOLDER } from "../../constructs/index.js";
import { BOOTSTRAP_SOURCE, bootstrapScript } from "../../constructs/bootstrap.js";
import { FAKE_BUNDLE } from "./helpers.js";

const root = resolve(import.meta.dirname, "../..");
const REAL_BUNDLE = join(root, "dist/ac-export.mjs");
const CLIENT_ID = "7d2f4c1e-9a3b-4e5d-8f6a-1b2c3d4e5f60";
const IDENTITY_HEADER = "identity-header-for-this-test";
const ACCOUNT = "devstoreaccount1";
const CONTAINER = "export-vip-newsletter";

let dir: string;
let cert: string;
let azurite: ChildProcess;
let blobBase: string;
let identity: Server;
let identityUrl: string;
const identityCalls: Array<{ header: string | undefined; resource: string | null; clientId: string | null; apiVersion: string | null }> = [];
/** What the fake identity endpoint does next: "ok", "fail-once" (HTTP 500 once), or "wrong-audience". */
let identityMode: "ok" | "fail-once" | "wrong-audience" = "ok";

function jwt(audience: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: audience, iss: "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", iat: now - 60, nbf: now - 60, exp: now + 3600, oid: CLIENT_ID };
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2lnbmF0dXJl`;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

/** PUT to Azurite over HTTPS with a bearer token (the same kind the bootstrap uses). */
function put(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((res, rej) => {
    const req = httpsRequest(
      `${blobBase}${path}`,
      { method: "PUT", ca: readFileSync(cert), headers: { Authorization: `Bearer ${jwt("https://storage.azure.com")}`, "x-ms-version": "2023-11-03", "x-ms-date": new Date().toUTCString(), "Content-Length": Buffer.byteLength(body), ...headers } },
      (r) => {
        r.resume();
        r.on("end", () => res(r.statusCode ?? 0));
      },
    );
    req.on("error", rej);
    req.end(body);
  });
}

/** Uploads a file (read once: a concurrent test run may rebuild dist/ac-export.mjs) and returns its URL and SHA-256. */
async function upload(blob: string, file: string): Promise<{ url: string; sha: string }> {
  const content = readFileSync(file);
  const status = await put(`/${CONTAINER}/${blob}`, content, { "x-ms-blob-type": "BlockBlob" });
  expect(status).toBe(201);
  return { url: `${blobBase}/${CONTAINER}/${blob}`, sha: createHash("sha256").update(content).digest("hex") };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBootstrap(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ["-e", bootstrapScript(), ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // Trust Azurite's self-signed certificate, as a real job trusts Azure's.
        NODE_EXTRA_CA_CERTS: cert,
        IDENTITY_ENDPOINT: identityUrl,
        IDENTITY_HEADER,
        AZURE_CLIENT_ID: CLIENT_ID,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ac-bootstrap-"));
  // A self-signed certificate for 127.0.0.1 made for these tests only (valid until 2126), so no openssl is needed:
  // Azurite accepts bearer tokens over HTTPS only.
  cert = join(import.meta.dirname, "fixtures/azurite-test-cert.pem");
  const key = join(import.meta.dirname, "fixtures/azurite-test-key.pem");

  const port = await freePort();
  blobBase = `https://127.0.0.1:${port}/${ACCOUNT}`;
  azurite = spawn(
    process.execPath,
    [join(root, "node_modules/azurite/dist/src/blob/main.js"), "--blobHost", "127.0.0.1", "--blobPort", String(port), "--oauth", "basic", "--cert", cert, "--key", key, "--inMemoryPersistence", "--silent", "--disableTelemetry"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`Azurite did not start: ${out}`)), 20_000);
    azurite.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("successfully listens")) {
        clearTimeout(timer);
        res();
      }
    });
    azurite.on("exit", (code) => rej(new Error(`Azurite exited with ${code}: ${out}`)));
  });

  identity = createServer((req, res) => {
    const url = new URL(req.url!, "http://127.0.0.1");
    identityCalls.push({
      header: req.headers["x-identity-header"] as string | undefined,
      resource: url.searchParams.get("resource"),
      clientId: url.searchParams.get("client_id"),
      apiVersion: url.searchParams.get("api-version"),
    });
    if (req.headers["x-identity-header"] !== IDENTITY_HEADER) {
      res.writeHead(401).end('{"error":"missing X-IDENTITY-HEADER"}');
      return;
    }
    if (identityMode === "fail-once") {
      identityMode = "ok";
      res.writeHead(500).end('{"error":"not ready"}');
      return;
    }
    const audience = identityMode === "wrong-audience" ? "https://vault.azure.net" : url.searchParams.get("resource")!;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: jwt(audience), token_type: "Bearer", resource: audience, client_id: CLIENT_ID }));
  });
  await new Promise<void>((res) => identity.listen(0, "127.0.0.1", res));
  identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;

  expect(await put(`/${CONTAINER}?restype=container`, "")).toBe(201);
}, 60_000);

afterAll(async () => {
  identity?.close();
  if (azurite && azurite.exitCode === null) {
    azurite.kill("SIGTERM");
    await new Promise((res) => azurite.once("exit", res));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("runner bootstrap", () => {
  it("is a small script Terraform passes through literally", () => {
    const script = bootstrapScript();
    expect(script.length).toBeLessThan(4000);
    expect(script).not.toMatch(/\$\{|%\{/); // Terraform template sequences
    expect(script).not.toMatch(/^\s*\/\//m);
    expect(BOOTSTRAP_SOURCE).toContain("// Container Apps starts the container"); // the readable source keeps its comments
  });

  it("fetches the bundle with the job's managed identity and runs it with the arguments and environment intact", async () => {
    const { url, sha } = await upload("runner/ac-export-fake.mjs", FAKE_BUNDLE);
    identityCalls.length = 0;
    const r = await runBootstrap(["run", "--verbose"], {
      AC_EXPORT_RUNNER_URL: url,
      AC_EXPORT_RUNNER_SHA256: sha,
      AC_EXPORT_CONFIG: '{"name":"vip-newsletter"}',
      AC_API_KEY: "canary-api-key-0123456789",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ argv: ["run", "--verbose"], config: '{"name":"vip-newsletter"}', apiKey: "canary-api-key-0123456789", clientId: CLIENT_ID });
    expect(identityCalls).toEqual([{ header: IDENTITY_HEADER, resource: "https://storage.azure.com/", clientId: CLIENT_ID, apiVersion: "2019-08-01" }]);
  });

  it("runs the real runner bundle (dist/ac-export.mjs) with the config from AC_EXPORT_CONFIG", async () => {
    const { url, sha } = await upload("runner/ac-export-real.mjs", REAL_BUNDLE);
    const config = JSON.parse(readFileSync(join(root, "examples/vip-newsletter.json"), "utf8"));
    const r = await runBootstrap(["validate"], { AC_EXPORT_RUNNER_URL: url, AC_EXPORT_RUNNER_SHA256: sha, AC_EXPORT_CONFIG: JSON.stringify(config) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "vip-newsletter", listId: 12 });
  });

  it("passes on the runner's exit code", async () => {
    const { url, sha } = await upload("runner/ac-export-real2.mjs", REAL_BUNDLE);
    const r = await runBootstrap(["validate"], { AC_EXPORT_RUNNER_URL: url, AC_EXPORT_RUNNER_SHA256: sha, AC_EXPORT_CONFIG: '{"name":"Bad Name"}' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid config");
  });

  it("retries while the identity endpoint is not ready yet", async () => {
    const { url, sha } = await upload("runner/ac-export-fake2.mjs", FAKE_BUNDLE);
    identityMode = "fail-once";
    const r = await runBootstrap(["run"], { AC_EXPORT_RUNNER_URL: url, AC_EXPORT_RUNNER_SHA256: sha });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).argv).toEqual(["run"]);
  });

  it("refuses a bundle whose SHA-256 differs from the one pinned in the job", async () => {
    const { url, sha } = await upload("runner/ac-export-tampered.mjs", FAKE_BUNDLE);
    const pinned = "0".repeat(64);
    const r = await runBootstrap(["run"], { AC_EXPORT_RUNNER_URL: url, AC_EXPORT_RUNNER_SHA256: pinned });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`ac-export bootstrap: the runner bundle at ${url} has SHA-256 ${sha}, expected ${pinned}; refusing to run it\n`);
  });

  it("fails clearly when storage refuses the token (Azurite checks its audience)", async () => {
    const { url, sha } = await upload("runner/ac-export-aud.mjs", FAKE_BUNDLE);
    identityMode = "wrong-audience";
    const r = await runBootstrap(["run"], { AC_EXPORT_RUNNER_URL: url, AC_EXPORT_RUNNER_SHA256: sha });
    identityMode = "ok";
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ac-export bootstrap: downloading the runner bundle failed: blob storage answered HTTP 40[13]: /);
  });

  it("stops with exit code 2 and a hint while the API key is still the out-of-band placeholder", async () => {
    identityCalls.length = 0;
    const r = await runBootstrap(["run"], { AC_EXPORT_RUNNER_URL: `${blobBase}/${CONTAINER}/x.mjs`, AC_EXPORT_RUNNER_SHA256: "0".repeat(64), AC_API_KEY: API_KEY_PLACEHOLDER });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "ac-export bootstrap: the connection's API key is not set yet: an administrator runs the set-api-key command from cdktf output (az keyvault secret set ...)\n",
    );
    expect(identityCalls).toEqual([]);
  });

  it("says so when the job has no managed identity", async () => {
    const r = await runBootstrap(["run"], { AC_EXPORT_RUNNER_URL: `${blobBase}/${CONTAINER}/x.mjs`, AC_EXPORT_RUNNER_SHA256: "0".repeat(64), IDENTITY_ENDPOINT: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ac-export bootstrap: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set: the job needs a managed identity\n");
  });
});
