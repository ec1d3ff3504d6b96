// Small helpers shared by the segment-reader suites.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openSegment, type OpenSegmentOptions, type SegmentRow } from "../../../runner/segment/index.js";
import type { Location } from "../../../runner/config.js";

export const FIXTURES = resolve(import.meta.dirname, "../../fixtures/segments");
export const fixture = (name: string): Location => ({ kind: "file", path: join(FIXTURES, name) });

export function tempDir(prefix = "segment-test-"): { dir: string; file(name: string, data: string | Buffer): Location; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return { kind: "file", path };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ReadResult {
  resolved: string;
  columns: string[];
  rows: SegmentRow[];
  batchSizes: number[];
}

/** Open, read every row and close. */
export async function readAll(location: Location, options: OpenSegmentOptions): Promise<ReadResult> {
  const seg = await openSegment(location, options);
  const rows: SegmentRow[] = [];
  const batchSizes: number[] = [];
  try {
    for await (const batch of seg.batches()) {
      batchSizes.push(batch.length);
      rows.push(...batch);
    }
  } finally {
    await seg.close();
  }
  return { resolved: seg.resolved, columns: seg.columns, rows, batchSizes };
}

/** The error readAll throws (fails the test if it does not throw). */
export async function readError(location: Location, options: OpenSegmentOptions): Promise<Error & { rowNumber?: number }> {
  try {
    await readAll(location, options);
  } catch (e) {
    return e as Error & { rowNumber?: number };
  }
  throw new Error("expected the read to fail");
}

/** Plain objects (own enumerable props) for toEqual comparisons of rows. */
export const plain = (rows: SegmentRow[]) => rows.map((r) => ({ ...r, values: { ...r.values } }));
