// Deletion vectors (PROTOCOL.md "Deletion Vectors" and "Deletion Vector Format"): the set of row indexes of one data
// file that are deleted, as a 64-bit RoaringBitmap in the portable format, stored inline in the log (Z85 text) or in
// a file next to the data (found by a Z85-encoded UUID, or by an absolute path).
import { crc32 } from "../../state/journal.js";
import { SegmentError } from "../types.js";

export interface DeletionVectorDescriptor {
  storageType: string;
  pathOrInlineDv: string;
  offset?: number | null;
  sizeInBytes: number;
  cardinality: number;
}

/** Row indexes (0-based, physical order in the data file) that are deleted. */
export interface DeletedRows {
  has(index: number): boolean;
  readonly size: number;
}

/** Reads `length` bytes at `offset` of a file named by the log (a path relative to the table root, or absolute). */
export type ReadRange = (path: string, offset: number, length: number) => Promise<Uint8Array>;

const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const Z85_VALUE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < Z85.length; i++) t[Z85.charCodeAt(i)] = i;
  return t;
})();

/** Z85 (ZeroMQ base85) text → bytes; its length must be a multiple of 5. */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new Error(`Z85 text has ${text.length} characters, not a multiple of 5`);
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let k = 0; k < 5; k++) {
      const code = text.charCodeAt(i + k);
      const digit = code < 128 ? Z85_VALUE[code]! : -1;
      if (digit < 0) throw new Error(`Z85 text has an invalid character at ${i + k}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new Error(`Z85 text overflows at ${i}`);
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/** The file of a `u` descriptor: `<random prefix>/deletion_vector_<uuid>.bin`, relative to the table root. */
export function relativeDvPath(pathOrInlineDv: string): string {
  if (pathOrInlineDv.length < 20) throw new Error(`a "u" deletion vector path must end in a 20-character Z85 UUID`);
  const prefix = pathOrInlineDv.slice(0, -20);
  const hex = Buffer.from(z85Decode(pathOrInlineDv.slice(-20))).toString("hex");
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return `${prefix ? `${prefix}/` : ""}deletion_vector_${uuid}.bin`;
}

const PORTABLE_MAGIC = 1681511377;
const NATIVE_MAGIC = 1681511376;
const SERIAL_COOKIE = 12347;
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;

/**
 * Parses Delta's RoaringBitmapArray: a magic number, then either the portable 64-bit RoaringBitmap (PROTOCOL.md;
 * bucket count u64 and 32-bit keys, little endian) or Delta's older "native" layout (bitmap count, then each
 * bitmap's size and data, the i-th bitmap holding high word i). The reference implementation reads both; the
 * protocol's own inline example is native, with its header ints big endian.
 */
export function parseRoaringArray(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new Error("too short for a Delta RoaringBitmapArray");
  const values: number[] = [];
  if (view.getUint32(0, true) === PORTABLE_MAGIC) {
    const buckets = view.getBigUint64(4, true);
    if (buckets > 0xffffffffn) throw new Error("bucket count out of range");
    let pos = 12;
    for (let b = 0; b < Number(buckets); b++) {
      const high = view.getUint32(pos, true);
      if (high > 0x1fffff) throw new Error("row index beyond 2^53");
      pos = parseRoaring32(view, pos + 4, high * 2 ** 32, values);
    }
    return values;
  }
  const little = view.getUint32(0, true) === NATIVE_MAGIC;
  if (!little && view.getUint32(0, false) !== NATIVE_MAGIC) throw new Error("not a Delta RoaringBitmapArray (wrong magic number)");
  const count = view.getUint32(4, little);
  if (count > 0x200000) throw new Error("row index beyond 2^53");
  let pos = 8;
  for (let high = 0; high < count; high++) {
    const size = view.getUint32(pos, little);
    const end = pos + 4 + size;
    if (parseRoaring32(view, pos + 4, high * 2 ** 32, values) !== end) throw new Error(`bitmap ${high} does not have the ${size} bytes its header says`);
    pos = end;
  }
  return values;
}

/** One 32-bit RoaringBitmap (RoaringFormatSpec) at `start`; appends base + each value and returns the end offset. */
function parseRoaring32(view: DataView, start: number, base: number, out: number[]): number {
  const cookie = view.getUint32(start, true);
  let pos = start + 4;
  let size: number;
  let runFlags: Uint8Array | undefined;
  let hasOffsets: boolean;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    runFlags = new Uint8Array(view.buffer, view.byteOffset + pos, (size + 7) >> 3);
    pos += runFlags.length;
    hasOffsets = size >= 4;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = view.getUint32(pos, true);
    pos += 4;
    hasOffsets = true;
  } else throw new Error(`unknown RoaringBitmap cookie ${cookie}`);
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < size; i++, pos += 4) {
    keys.push(view.getUint16(pos, true));
    cards.push(view.getUint16(pos + 2, true) + 1);
  }
  if (hasOffsets) pos += 4 * size;
  for (let i = 0; i < size; i++) {
    const high = base + keys[i]! * 65536;
    if (runFlags && (runFlags[i >> 3]! >> (i & 7)) & 1) {
      const runs = view.getUint16(pos, true);
      pos += 2;
      for (let r = 0; r < runs; r++, pos += 4) {
        const first = view.getUint16(pos, true);
        const last = first + view.getUint16(pos + 2, true);
        for (let v = first; v <= last; v++) out.push(high + v);
      }
    } else if (cards[i]! > 4096) {
      for (let w = 0; w < 1024; w++, pos += 8) {
        const lo = view.getUint32(pos, true);
        const hi = view.getUint32(pos + 4, true);
        for (let bit = 0; bit < 32; bit++) if ((lo >>> bit) & 1) out.push(high + w * 64 + bit);
        for (let bit = 0; bit < 32; bit++) if ((hi >>> bit) & 1) out.push(high + w * 64 + 32 + bit);
      }
    } else {
      for (let k = 0; k < cards[i]!; k++, pos += 2) out.push(high + view.getUint16(pos, true));
    }
  }
  return pos;
}

/** A bitset over the deleted row indexes: one bit per row up to the largest, O(1) lookups on the hot path. */
function toDeletedRows(indexes: number[]): DeletedRows {
  let max = -1;
  for (const i of indexes) if (i > max) max = i;
  const bits = new Uint8Array((max >> 3) + 1);
  for (const i of indexes) bits[i >> 3]! |= 1 << (i & 7);
  return { size: indexes.length, has: (i) => i <= max && (bits[i >> 3]! & (1 << (i & 7))) !== 0 };
}

/**
 * Loads the deleted rows of one logical file. `where` names the data file in messages. I/O errors of `readRange` pass
 * through unchanged; a malformed vector is a SegmentError.
 */
export async function loadDeletionVector(dv: DeletionVectorDescriptor, readRange: ReadRange, where: string): Promise<DeletedRows> {
  const fail = (why: string): never => {
    throw new SegmentError(`cannot read the deletion vector of ${where} (storageType ${JSON.stringify(dv.storageType)}): ${why}`);
  };
  const guarded = <T>(work: () => T): T => {
    try {
      return work();
    } catch (e) {
      if (e instanceof SegmentError) throw e;
      return fail(e instanceof Error ? e.message : String(e));
    }
  };
  let bitmap: Uint8Array;
  if (dv.storageType === "i") bitmap = guarded(() => z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes));
  else if (dv.storageType === "u" || dv.storageType === "p") {
    const path = dv.storageType === "u" ? guarded(() => relativeDvPath(dv.pathOrInlineDv)) : dv.pathOrInlineDv;
    bitmap = await readDvFile(path, dv.offset ?? 0, dv.sizeInBytes, readRange, fail);
  } else return fail('unknown storage type; Delta defines "u", "i" and "p"');
  const indexes = guarded(() => parseRoaringArray(bitmap));
  if (indexes.length !== dv.cardinality) fail(`it holds ${indexes.length} row indexes where the log says ${dv.cardinality}`);
  return toDeletedRows(indexes);
}

/** The on-disk layout: version byte 1, then at `offset` the size (u32 BE), the bitmap, and its CRC-32 (u32 BE). */
async function readDvFile(path: string, offset: number, sizeInBytes: number, readRange: ReadRange, fail: (why: string) => never): Promise<Uint8Array> {
  const version = (await readRange(path, 0, 1))[0];
  if (version !== 1) fail(`unknown deletion vector file format version ${version}`);
  const block = await readRange(path, offset, 4 + sizeInBytes + 4);
  if (block.length < 8 + sizeInBytes) fail(`the file ends before the ${sizeInBytes} bytes the log announces`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const size = view.getUint32(0, false);
  if (size !== sizeInBytes) fail(`the file says ${size} bytes where the log says ${sizeInBytes}`);
  const bitmap = block.subarray(4, 4 + size);
  if (crc32(bitmap) !== view.getUint32(4 + size, false)) fail("its checksum does not match (the file is damaged)");
  return bitmap;
}
