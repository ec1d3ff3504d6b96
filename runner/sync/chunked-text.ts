// Text artifacts that can hold a line per contact (changes.csv, rejected.csv, plan --json): built in ~64 KB UTF-8
// chunks, so a run touching 1,000,000 contacts never holds one giant string (the store takes one Buffer).
import { csvRow } from "../output/csv-cell.js";

const CHUNK_CHARS = 64 * 1024;

export class ChunkedText {
  private readonly parts: Buffer[] = [];
  private pending = "";

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  toBuffer(): Buffer {
    this.flush();
    return Buffer.concat(this.parts);
  }

  private flush(): void {
    if (!this.pending) return;
    this.parts.push(Buffer.from(this.pending, "utf8"));
    this.pending = "";
  }
}

/**
 * A CSV file as Excel reads it right: UTF-8 with a byte-order mark (é and ö intact), quoted where needed, and no cell
 * a spreadsheet would run as a formula (runner/output/csv-cell.ts).
 */
export class CsvText {
  private readonly text = new ChunkedText();

  constructor(header: string[]) {
    this.text.write("\uFEFF");
    this.row(header);
  }

  row(cells: Array<string | number | undefined>): void {
    this.text.write(`${csvRow(cells)}\n`);
  }

  toBuffer(): Buffer {
    return this.text.toBuffer();
  }
}
