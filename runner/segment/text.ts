// The text layer under the CSV and JSON Lines parsers: turns a stream of raw bytes into validated UTF-8 bytes.
// - a UTF-8 byte-order mark is dropped; UTF-16 (LE or BE) with a byte-order mark is transcoded to UTF-8;
// - small network chunks are coalesced (the parsers work best on large buffers);
// - every chunk is checked for NUL bytes (binary files, UTF-16 without a byte-order mark) and invalid UTF-8
//   (Latin-1 / Windows-1252 exports). The bytes up to the first bad one are still handed over, flagged with `stop`,
//   so the parser can say on which row the problem is.
// - well-known binary formats a person may pick by mistake (Excel workbook, gzip, Parquet) are named.
import { isUtf8 } from "node:buffer";

export type StopReason = "nul" | "utf8";

export interface TextChunk {
  /** Valid UTF-8 without NUL bytes. */
  bytes: Buffer;
  /** Set on the last chunk when the input continues with a bad byte right after `bytes`. */
  stop?: StopReason;
}

export interface TextSource {
  /** "utf-8" or "utf-16le"/"utf-16be" (transcoded). */
  encoding: "utf-8" | "utf-16le" | "utf-16be";
  chunks: AsyncGenerator<TextChunk, void, undefined>;
}

/** Minimum size of the chunks handed to the parsers. */
const COALESCE = 256 * 1024;

export class BinaryInputError extends Error {}

/** Identify a binary file a person may have picked by mistake, from its first bytes. */
export function sniffBinary(head: Buffer): string | undefined {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return "is a ZIP archive (an Excel .xlsx workbook?), not text; save it as \"CSV UTF-8\" instead";
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return "is gzip-compressed; decompress it first";
  }
  if (head.length >= 4 && head.toString("latin1", 0, 4) === "PAR1") {
    return 'is a Parquet file; set segment.format to "parquet"';
  }
  if (head.length >= 8 && head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return "is an old Excel .xls workbook (binary), not text; save it as \"CSV UTF-8\" instead";
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0) {
    return "is UTF-32 text; save it as UTF-8";
  }
  return undefined;
}

/** Offset of the first byte that makes `buf` invalid UTF-8 (buf.length if valid). Slow path, used only on failure. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

/** Length of the prefix of `buf` that does not end inside a UTF-8 sequence. */
function completeUtf8Prefix(buf: Buffer): number {
  const n = buf.length;
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    if (b < 0x80) return n;
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len > back ? n - back : n;
  }
  return n;
}

async function* coalesce(source: AsyncIterable<Buffer>, first: Buffer[]): AsyncGenerator<Buffer> {
  let pending: Buffer[] = first;
  let size = first.reduce((s, b) => s + b.length, 0);
  if (size >= COALESCE) {
    yield Buffer.concat(pending, size);
    pending = [];
    size = 0;
  }
  for await (const chunk of source) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= COALESCE) {
      yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
}

/**
 * Decode a byte stream to validated UTF-8 chunks.
 * Throws BinaryInputError for a known binary format.
 */
export async function openText(source: AsyncIterable<Buffer>): Promise<TextSource> {
  const it = source[Symbol.asyncIterator]();
  // Read enough to see a byte-order mark and a magic number.
  const head: Buffer[] = [];
  let headSize = 0;
  while (headSize < 8) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headSize += r.value.length;
  }
  const start = Buffer.concat(head, headSize);
  const binary = sniffBinary(start);
  if (binary) {
    await it.return?.();
    throw new BinaryInputError(binary);
  }
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  if (start.length >= 2 && ((start[0] === 0xff && start[1] === 0xfe) || (start[0] === 0xfe && start[1] === 0xff))) {
    const encoding = start[0] === 0xff ? "utf-16le" : "utf-16be";
    return { encoding, chunks: utf16(coalesce(rest, [start.subarray(2)]), encoding) };
  }
  const bom = start.length >= 3 && start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf ? 3 : 0;
  return { encoding: "utf-8", chunks: utf8(coalesce(rest, [start.subarray(bom)])) };
}

async function* utf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<TextChunk, void, undefined> {
  let carry: Buffer | undefined;
  for await (const raw of chunks) {
    const buf = carry ? Buffer.concat([carry, raw]) : raw;
    const cut = completeUtf8Prefix(buf);
    const part = cut === buf.length ? buf : buf.subarray(0, cut);
    carry = cut === buf.length ? undefined : Buffer.from(buf.subarray(cut));
    const checked = check(part);
    yield checked;
    if (checked.stop) return;
  }
  if (carry && carry.length > 0) {
    // The input ends inside a multi-byte sequence.
    yield { bytes: Buffer.alloc(0), stop: "utf8" };
  }
}

function check(part: Buffer): TextChunk {
  const nul = part.indexOf(0);
  const valid = isUtf8(part);
  if (nul < 0 && valid) return { bytes: part };
  const bad = valid ? part.length : firstInvalidUtf8(part);
  if (nul >= 0 && nul <= bad) return { bytes: part.subarray(0, nul), stop: "nul" };
  return { bytes: part.subarray(0, bad), stop: "utf8" };
}

async function* utf16(chunks: AsyncIterable<Buffer>, encoding: "utf-16le" | "utf-16be"): AsyncGenerator<TextChunk, void, undefined> {
  // Lone surrogates become U+FFFD; the parsers then work on the same UTF-8 as for any other file.
  const decoder = new TextDecoder(encoding);
  for await (const raw of chunks) {
    const text = decoder.decode(raw, { stream: true });
    if (text.length === 0) continue;
    const checked = check(Buffer.from(text, "utf8"));
    yield checked;
    if (checked.stop) return;
  }
  const tail = decoder.decode();
  if (tail.length > 0) {
    const checked = check(Buffer.from(tail, "utf8"));
    yield checked;
  }
}
