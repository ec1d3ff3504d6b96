// StateStore aux objects (the consent cache beside the state, issue #10), on both stores: gzipped, read without the
// lock, written only while the lock is held, and a missing or unreadable object reads as null, never an error.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation, type Location } from "../../../runner/config.js";
import { LockLostError, openStateStore } from "../../../runner/state/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";

let azurite: Azurite;
let dir: string;
let containerUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "state-aux-"));
  azurite = await startAzurite();
  containerUrl = await azurite.createContainer("state");
});
afterAll(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kinds: Array<[string, () => Location]> = [
  ["file", () => parseLocation(`file:${dir}/a`)],
  ["azure-blob", () => parseLocation(`${containerUrl}/teams/a`)],
];

describe.each(kinds)("%s store: aux objects", (kind, makeLocation) => {
  it("reads null when missing, refuses to write without the lock, and round-trips under it", async () => {
    const store = openStateStore(makeLocation(), "vip-newsletter");
    expect(await store.loadAux("consent-cache")).toBeNull();
    const err = await store.writeAux("consent-cache", Buffer.from("x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockLostError);
    expect((err as Error).message).toMatch(/not writing the aux\/consent-cache/);
    const lock = await store.lock();
    try {
      const data = Buffer.from(JSON.stringify({ emails: Array.from({ length: 1000 }, (_, i) => `u${i}@example.com`) }));
      await store.writeAux("consent-cache", data);
      // Another store (a plan, without the lock) reads it.
      expect((await openStateStore(makeLocation(), "vip-newsletter").loadAux("consent-cache"))?.equals(data)).toBe(true);
      if (kind === "file") {
        const raw = readFileSync(join(dir, "a", "vip-newsletter", "aux", "consent-cache"));
        expect(raw.length).toBeLessThan(data.length / 4); // stored gzipped
        expect(gunzipSync(raw).equals(data)).toBe(true);
      }
    } finally {
      await lock.release();
    }
    const after = await store.writeAux("consent-cache", Buffer.from("y")).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(LockLostError);
    await expect(store.loadAux("../snapshot")).rejects.toThrow('aux object name "../snapshot" must be 1-48 lowercase letters, digits or "-"');
  });
});

describe("file store: an unreadable aux object", () => {
  it("reads as null (the caller rebuilds it), and artifacts may not use the aux folder", async () => {
    const store = openStateStore(parseLocation(`file:${dir}/b`), "vip-newsletter");
    mkdirSync(join(dir, "b", "vip-newsletter", "aux"), { recursive: true });
    writeFileSync(join(dir, "b", "vip-newsletter", "aux", "consent-cache"), "not gzip");
    expect(await store.loadAux("consent-cache")).toBeNull();
    const lock = await store.lock();
    try {
      await expect(store.writeArtifact("aux/consent-cache", "x")).rejects.toThrow('artifact name "aux/consent-cache" is reserved for the state store itself');
    } finally {
      await lock.release();
    }
  });
});
