// Multi-part segment layouts from files on disk (the same scenarios as parts-blob.test.ts, in layouts.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { layoutSuite } from "./layouts.js";

const root = mkdtempSync(join(tmpdir(), "segment-parts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

layoutSuite("on disk", () => ({
  location: (path) => ({ kind: "file", path: join(root, path) }),
  shown: (path) => `${root}/${path}`,
  async put(name, data) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), data);
  },
}));
