// The Dockerfile for RunnerImage.fromImage: a digest-pinned base, and a bundle that runs on its own (no
// node_modules beside it), as it will inside the image. No Docker engine runs here, so the image is not built.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dockerfile = readFileSync("Dockerfile", "utf8");
const dir = mkdtempSync(join(tmpdir(), "acx-image-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Dockerfile", () => {
  it("pins its base image by digest and runs as a non-root user", () => {
    const from = dockerfile.split("\n").filter((l) => l.startsWith("FROM "));
    expect(from).toHaveLength(1);
    expect(from[0]).toMatch(/^FROM docker\.io\/library\/node:24-slim@sha256:[0-9a-f]{64}$/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("copies only the bundle, and the bundle runs alone as the entrypoint runs it", () => {
    expect(dockerfile).toMatch(/^COPY dist\/ac-export\.mjs \.\/ac-export\.mjs$/m);
    const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[];
    expect(entry).toEqual(["node", "--regexp-interpret-all", "/opt/ac-export/ac-export.mjs"]);
    copyFileSync("dist/ac-export.mjs", join(dir, "ac-export.mjs"));
    const out = execFileSync(process.execPath, [entry[1]!, join(dir, "ac-export.mjs"), "--help"], { cwd: dir, encoding: "utf8" });
    expect(out).toContain("Usage: ac-export <command> [options]");
    expect(out).toMatch(/^\s+run\s+sync the segment/m);
  });
});
