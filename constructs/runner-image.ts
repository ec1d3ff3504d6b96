// How an export job gets the runner: the bundled runner fetched from Blob Storage by a stock Node image (default,
// no registry and no keys), or a prebuilt image.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidPropsError, isToken, sha256, show } from "./util.js";

/**
 * The stock image the bundle runs on: Node's current LTS line, public, no registry credentials needed. Pinned by
 * digest (a tag can move under you), the same as the repo's Dockerfile (test/constructs/runner-image.test.ts keeps
 * them equal). Refresh both with `docker buildx imagetools inspect node:24-slim`.
 */
export const DEFAULT_NODE_IMAGE = "docker.io/library/node:24-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df";

export interface BundleOptions {
  /**
   * Path of the runner bundle to upload.
   * @default - `dist/ac-export.mjs` of this package (built by `npm run build`; `npm run synth` builds it first)
   */
  readonly bundlePath?: string;
  /**
   * The Node.js image that runs the bundle. Any image with `node` ≥ 20 on the PATH works.
   * @default DEFAULT_NODE_IMAGE - docker.io/library/node:24-slim pinned by digest
   */
  readonly nodeImage?: string;
  /**
   * Registry server to pull `nodeImage` from with the export's managed identity (e.g. a private mirror,
   * "contoso.azurecr.io"). Grant each export identity AcrPull on the registry yourself (`export.identityPrincipalId`).
   * @default - anonymous pull (public image)
   */
  readonly registryServer?: string;
}

export interface FromImageOptions {
  /**
   * Registry server to sign in to with the export's managed identity (e.g. "contoso.azurecr.io"). Grant each export
   * identity AcrPull on the registry yourself (`export.identityPrincipalId`).
   * @default - anonymous pull (public image)
   */
  readonly registryServer?: string;
  /**
   * The container's command; the job passes `run` as arguments.
   * @default - the image's entrypoint, which must be `ac-export`
   */
  readonly command?: string[];
}

/** Resolved delivery, as the export uses it. */
export type RunnerDelivery =
  | { kind: "bundle"; bundlePath: string; sha256: string; nodeImage: string; registryServer?: string }
  | { kind: "image"; image: string; registryServer?: string; command?: string[] };

/**
 * How export jobs get the runner.
 *
 * - `RunnerImage.bundle()` (default): `cdktf deploy` uploads `dist/ac-export.mjs` next to each export's state; the job
 *   runs a stock Node image whose command fetches the bundle with the job's managed identity, checks its SHA-256 and
 *   runs it. Nothing to build or push, no registry, no keys.
 * - `RunnerImage.fromImage(ref)`: a prebuilt image whose entrypoint is `ac-export`, for teams with a registry.
 */
export abstract class RunnerImage {
  static bundle(options: BundleOptions = {}): RunnerImage {
    return new BundleRunner(options);
  }

  static fromImage(image: string, options: FromImageOptions = {}): RunnerImage {
    return new PrebuiltRunner(image, options);
  }

  /** @internal */
  abstract resolve(): RunnerDelivery;
}

/** dist/ac-export.mjs of this package, from constructs/ (source) or dist/lib/constructs/ (compiled). */
export function defaultBundlePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && /"name":\s*"activecampaign-exports"/.test(readFileSync(pkg, "utf8"))) return join(dir, "dist", "ac-export.mjs");
    dir = dirname(dir);
  }
  return resolve("dist/ac-export.mjs");
}

class BundleRunner extends RunnerImage {
  private resolved?: RunnerDelivery;
  constructor(private readonly options: BundleOptions) {
    super();
  }
  resolve(): RunnerDelivery {
    if (this.resolved) return this.resolved;
    const bundlePath = resolve(this.options.bundlePath ?? defaultBundlePath());
    if (!existsSync(bundlePath)) {
      throw InvalidPropsError.factory(
        "RunnerImage.bundle",
        "bundlePath",
        `the runner bundle ${bundlePath} does not exist; build it with "npm run build" (npm run synth does it for you) or set bundlePath`,
      );
    }
    const nodeImage = this.options.nodeImage ?? DEFAULT_NODE_IMAGE;
    checkImage("RunnerImage.bundle", "nodeImage", nodeImage);
    const { registryServer } = this.options;
    checkRegistry("RunnerImage.bundle", registryServer);
    this.resolved = { kind: "bundle", bundlePath, sha256: sha256(readFileSync(bundlePath)), nodeImage, ...(registryServer !== undefined ? { registryServer } : {}) };
    return this.resolved;
  }
}

class PrebuiltRunner extends RunnerImage {
  constructor(
    private readonly image: string,
    private readonly options: FromImageOptions,
  ) {
    super();
  }
  resolve(): RunnerDelivery {
    checkImage("RunnerImage.fromImage", "image", this.image);
    const { registryServer, command } = this.options;
    checkRegistry("RunnerImage.fromImage", registryServer);
    return { kind: "image", image: this.image, registryServer, command };
  }
}

function checkImage(factory: string, prop: string, image: string): void {
  if (isToken(image)) return;
  if (typeof image !== "string" || !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(image) || image.includes("://")) {
    throw InvalidPropsError.factory(factory, prop, `must be an image reference such as "docker.io/library/node:24-slim" or "contoso.azurecr.io/ac-export:1.2.0"; got ${show(image)}`);
  }
}

function checkRegistry(factory: string, registryServer: string | undefined): void {
  if (registryServer !== undefined && !isToken(registryServer) && !/^[a-z0-9.-]+(:\d+)?$/i.test(registryServer)) {
    throw InvalidPropsError.factory(factory, "registryServer", `must be a registry host such as "contoso.azurecr.io"; got ${show(registryServer)}`);
  }
}
