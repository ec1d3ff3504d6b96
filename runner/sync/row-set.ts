// Row number → fingerprint for the rows a run sends, and sets of row numbers. Paged typed arrays indexed by row
// number (paged-array.ts): 6 bytes and a bit a row for a fingerprint (60 MB for 10,000,000 rows), one bit a row for a
// mark; a Map of the same entries costs ~10× that, and a doubling array up to 2×.
import { PagedBits, PagedUint48 } from "./paged-array.js";

export class RowFingerprints {
  private readonly values = new PagedUint48();
  private readonly present = new PagedBits();
  private count = 0;
  /** One past the highest row set, so keys() knows where to stop. */
  private end = 0;

  get size(): number {
    return this.count;
  }

  set(row: number, fingerprint: number): void {
    this.values.set(row, fingerprint);
    if (!this.present.has(row)) {
      this.present.add(row);
      this.count++;
      if (row >= this.end) this.end = row + 1;
    }
  }

  get(row: number): number | undefined {
    return this.present.has(row) ? this.values.get(row) : undefined;
  }

  *keys(): IterableIterator<number> {
    for (let row = 0; row < this.end; row++) if (this.present.has(row)) yield row;
  }

  get bytes(): number {
    return this.values.bytes + this.present.bytes;
  }
}

/** A set of row numbers, one bit a row (e.g. which planned rows are new members rather than changed ones). */
export class RowMarks {
  private readonly marks = new PagedBits();

  add(row: number): void {
    this.marks.add(row);
  }

  has(row: number): boolean {
    return this.marks.has(row);
  }
}
