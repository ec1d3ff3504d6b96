// Starts Azurite's blob service on a loopback ephemeral port for a test suite, in a temporary folder.
//
//   const azurite = await startAzurite();            // ~0.5 s
//   const url = await azurite.createContainer("segments");   // http://127.0.0.1:<port>/devstoreaccount1/segments
//   ... parseLocation(`${url}/vip.csv`) ...
//   await azurite.stop();                            // kills it and removes the folder
//
// The runner signs in to loopback endpoints with Azurite's well-known development key (runner/azure/blob.ts), so
// tests need no environment variables.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AZURITE_ACCOUNT, AZURITE_KEY } from "../../runner/azure/blob.js";

const ENTRY = resolve(import.meta.dirname, "../../node_modules/azurite/dist/src/blob/main.js");

export interface Azurite {
  /** http://127.0.0.1:<port>/devstoreaccount1 (path-style, as the runner's loopback locations expect). */
  blobEndpoint: string;
  account: "devstoreaccount1";
  /** Azurite's well-known development key. */
  key: string;
  /** The URL of a container (does not create it). */
  containerUrl(name: string): string;
  /** Creates the container (if missing) and returns its URL. */
  createContainer(name: string): Promise<string>;
  /** Stops Azurite and removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A suite that forgets stop() (or crashes) must not leave Azurite running.
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<Azurite> {
  const dir = await mkdtemp(join(tmpdir(), "azurite-"));
  installExitHook();
  const child = spawn(
    process.execPath,
    [
      "--regexp-interpret-all",
      ENTRY,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0", // ephemeral: Azurite prints the port it got
      "--location",
      dir,
      "--silent",
      "--skipApiVersionCheck",
      "--loose",
      "--disableTelemetry",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AZURITE_ACCOUNTS: undefined } },
  );
  running.add(child);
  let output = "";
  let exited = false;
  const exitedPromise = new Promise<void>((r) => child.once("exit", () => ((exited = true), running.delete(child), r())));

  let base: string;
  try {
    base = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 20_000} ms:\n${output}`)),
        options.timeoutMs ?? 20_000,
      );
      const onData = (d: Buffer) => {
        output += d.toString("utf8");
        const m = /successfully listens on (http:\/\/[0-9.]+:\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolvePromise(m[1]!);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${signal ?? code}) before listening:\n${output}`));
      });
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } catch (e) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  // Keep draining its output so a chatty Azurite never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();

  const blobEndpoint = `${base}/${AZURITE_ACCOUNT}`;
  let stopped: Promise<void> | undefined;
  return {
    blobEndpoint,
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    containerUrl: (name) => `${blobEndpoint}/${name}`,
    async createContainer(name) {
      const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
      const service = new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
      await service.getContainerClient(name).createIfNotExists();
      return `${blobEndpoint}/${name}`;
    },
    stop() {
      stopped ??= (async () => {
        if (!exited) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 1_000);
          await exitedPromise;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
