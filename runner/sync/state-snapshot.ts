// The state snapshot's formats. v2 (written since issue #12 "Scale"): binary records in gzip members of ~4 MiB
// each, so 10,000,000 members are written and read one member at a time, never as one giant buffer or string:
//   first member: "@ac-export-state v2 host=<hostname> list=<listId>\n", then records;
//   record: u16 LE email length, the email's UTF-8 bytes, u32 LE fingerprint high part, u16 LE low part, u8 flags.
// Each member carries its own length in a gzip extra field (subfield "AC"), so a reader can hop from member to member;
// `gunzip` still reads the whole file as one stream. v1 (text lines "<email>\t<fingerprint*4+flags>" after
// "@ac-export-state v1 ...") is still read, so a state written before keeps working; it is rewritten as v2.
import { gunzipSync, gzipSync } from "node:zlib";
import { AcExportError } from "../errors.js";
import type { StateScope } from "./state.js";

export const scopeLine = (version: 1 | 2, s: StateScope) => `@ac-export-state v${version} host=${s.hostname} list=${s.listId}`;

/** Raw bytes gathered before one gzip member is written. */
const MEMBER_RAW_BYTES = 4 * 2 ** 20;
/** Largest record: a 65,535-byte email plus length, fingerprint and flags. */
const MAX_RECORD = 2 + 0xffff + 7;
const EXTRA_LENGTH = 10;

export interface SnapshotRecord {
  /** Writes the email's bytes at out[at] and returns their length. */
  copyEmail(out: Uint8Array, at: number): number;
  fingerprint: number;
  flags: number;
}

/**
 * Makes the gzip members of ~4 MiB of records each, one at a time: `add` per record returns a finished member when one
 * is full, `finish` the last one. The store writes each member as it comes (writeSnapshot takes a stream), so the
 * snapshot is never held whole: at 10,000,000 members it is ~100 MB, next to the state at the end of a run.
 */
export class SnapshotWriter {
  private raw = Buffer.allocUnsafe(MEMBER_RAW_BYTES + MAX_RECORD);
  private pos = 0;
  private members = 0;

  constructor(scope: StateScope) {
    this.pos = this.raw.write(`${scopeLine(2, scope)}\n`, 0, "utf8");
  }

  add(r: SnapshotRecord): Buffer | undefined {
    const raw = this.raw;
    const length = r.copyEmail(raw, this.pos + 2);
    raw.writeUInt16LE(length, this.pos);
    let p = this.pos + 2 + length;
    raw.writeUInt32LE(Math.floor(r.fingerprint / 0x10000), p);
    raw.writeUInt16LE(r.fingerprint % 0x10000, p + 4);
    raw[p + 6] = r.flags;
    p += 7;
    this.pos = p;
    return p >= MEMBER_RAW_BYTES ? this.flush() : undefined;
  }

  /** The last member, or undefined when the records ended exactly with a full one. */
  finish(): Buffer | undefined {
    return this.pos > 0 || this.members === 0 ? this.flush() : undefined;
  }

  private flush(): Buffer {
    const member = framedMember(gzipSync(this.raw.subarray(0, this.pos), { level: 6 }));
    this.members++;
    this.pos = 0;
    return member;
  }
}

/** Inserts the gzip extra field holding the member's total length (RFC 1952 FEXTRA) after the fixed header. */
function framedMember(gz: Buffer): Buffer {
  if (gz[3] !== 0) throw new Error(`unexpected gzip header flags ${gz[3]} from zlib`);
  const out = Buffer.allocUnsafe(gz.length + EXTRA_LENGTH);
  gz.copy(out, 0, 0, 10);
  out[3] = 0x04;
  out.writeUInt16LE(8, 10); // XLEN
  out[12] = 0x41; // "A"
  out[13] = 0x43; // "C"
  out.writeUInt16LE(4, 14);
  out.writeUInt32LE(out.length, 16);
  gz.copy(out, 10 + EXTRA_LENGTH, 10);
  return out;
}

/** The length of the v2 member starting at `pos`, or undefined when it is not one. */
function memberLength(buf: Buffer, pos: number): number | undefined {
  if (buf.length < pos + 20 || buf[pos] !== 0x1f || buf[pos + 1] !== 0x8b || buf[pos + 3] !== 0x04) return undefined;
  if (buf.readUInt16LE(pos + 10) !== 8 || buf[pos + 12] !== 0x41 || buf[pos + 13] !== 0x43 || buf.readUInt16LE(pos + 14) !== 4) return undefined;
  return buf.readUInt32LE(pos + 16);
}

export const isSnapshotV2 = (snapshot: Buffer): boolean => memberLength(snapshot, 0) !== undefined;

const corrupt = (what: string) => new AcExportError("STATE_CORRUPT", `the state snapshot is damaged (${what}); restore it from a backup or delete it to start a first sync`);

/**
 * Reads a v2 snapshot member by member. Returns the scope line it was written for; `onRecord` gets each member's
 * email bytes (as a view into the member, valid during the call), fingerprint and flags, only when `accept(line)`.
 */
export function readSnapshotV2(
  snapshot: Buffer,
  accept: (line: string) => boolean,
  onRecord: (bytes: Buffer, start: number, length: number, fingerprint: number, flags: number) => void,
): string {
  let head = "";
  for (let pos = 0; pos < snapshot.length; ) {
    const length = memberLength(snapshot, pos);
    if (length === undefined || pos + length > snapshot.length) throw corrupt(`member at byte ${pos} is not a v2 member`);
    let raw: Buffer;
    try {
      raw = gunzipSync(snapshot.subarray(pos, pos + length));
    } catch (e) {
      throw corrupt(`member at byte ${pos}: ${(e as Error).message}`);
    }
    let p = 0;
    if (pos === 0) {
      const nl = raw.indexOf(0x0a);
      head = raw.toString("utf8", 0, nl < 0 ? raw.length : nl);
      if (!accept(head)) return head;
      p = nl + 1;
    }
    while (p < raw.length) {
      if (p + 2 > raw.length) throw corrupt("a record is cut short");
      const n = raw.readUInt16LE(p);
      if (p + 2 + n + 7 > raw.length) throw corrupt("a record is cut short");
      const fp = raw.readUInt32LE(p + 2 + n) * 0x10000 + raw.readUInt16LE(p + 6 + n);
      onRecord(raw, p + 2, n, fp, raw[p + 8 + n]!);
      p += 2 + n + 7;
    }
    pos += length;
  }
  return head;
}

/**
 * Reads a v1 snapshot (text). Returns its first line; `onLine` gets each member when `accept(line)`, `onOther` each
 * line of another kind (starting with "@", which no email does: refusal days, runner/sync/refusal-days.ts).
 */
export function readSnapshotV1(
  snapshot: Buffer,
  accept: (line: string) => boolean,
  onLine: (email: string, fingerprint: number, flags: number) => void,
  onOther: (line: string) => void,
): string {
  const text = gunzipSync(snapshot).toString("utf8");
  const firstNl = text.indexOf("\n");
  const head = text.slice(0, firstNl < 0 ? text.length : firstNl);
  if (!accept(head)) return head;
  let pos = firstNl + 1;
  while (pos > 0 && pos < text.length) {
    const nl = text.indexOf("\n", pos);
    const end = nl < 0 ? text.length : nl;
    const tab = text.indexOf("\t", pos);
    if (text.charCodeAt(pos) === 0x40) onOther(text.slice(pos, end));
    else if (tab > pos && tab < end) {
      const v = Number(text.slice(tab + 1, end));
      onLine(text.slice(pos, tab), Math.floor(v / 4), v % 4);
    }
    pos = end + 1;
  }
  return head;
}
