// Where a row is, for people, in a multi-part segment: "part 2, row 17" (README "Row numbers"). The engine keys rows
// by `rowNumber` (unique across the segment); this remembers only where each part's numbers start, so reports can name
// any planned, rejected or refused row by part without keeping a label per row.
import { rowLabel, type SegmentRow } from "../segment/types.js";

export class RowLabels {
  /** Per part seen, in reading order: its number and the offset of its rows (rowNumber = offset + partRow). */
  private readonly parts: Array<{ part: number; offset: number }> = [];

  /** Called for every row read by the plan; rows of a single-file segment (no `part`) leave it empty. */
  see(row: Pick<SegmentRow, "rowNumber" | "part" | "partRow">): void {
    if (row.part === undefined || row.partRow === undefined) return;
    const last = this.parts[this.parts.length - 1];
    if (last?.part !== row.part) this.parts.push({ part: row.part, offset: row.rowNumber - row.partRow });
  }

  /** True when the segment had parts: reports then name rows by part. */
  get multiPart(): boolean {
    return this.parts.length > 0;
  }

  /** "part 2, row 17" in a multi-part segment; the plain row number otherwise (single-file outputs stay as they were). */
  label(rowNumber: number): string | number {
    let lo = 0;
    let hi = this.parts.length - 1;
    let found: { part: number; offset: number } | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.parts[mid]!;
      if (p.offset < rowNumber) {
        found = p;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found ? rowLabel({ rowNumber, part: found.part, partRow: rowNumber - found.offset }) : rowNumber;
  }
}
