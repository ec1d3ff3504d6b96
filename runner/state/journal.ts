// Journal framing shared by the state stores. Each entry is one frame (format 2):
//   magic "\xAC\x4B" (2 bytes) | payload length (u32 BE) | CRC-32 of the 6 bytes before it (u32 BE)
//   | CRC-32 of length + payload (u32 BE) | payload
// The header has its own checksum so that a damaged length is caught before it is trusted: without it, a flipped bit
// that makes the length point past the end of the file looks exactly like a torn append and half the journal would be
// dropped without a word. A frame cut short at the end of the journal (a process killed mid-append) or a zero-filled
// tail (some file systems after a power cut) is a torn append and is ignored; anything else that does not check out
// is corruption.
//
// Format 1 frames (magic "\xAC\x4A", one CRC over the payload only, 10-byte header) written by older versions are
// still read when they come first in the file; the next snapshot compacts them away.
import { AcExportError } from "../errors.js";

const MAGIC0 = 0xac;
const MAGIC_V1 = 0x4a;
const MAGIC_V2 = 0x4b;
const V1_HEADER = 10;
export const FRAME_HEADER = 14;
/** Largest journal entry (the Azure append block limit of older service versions, and plenty for one batch). */
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024 - FRAME_HEADER;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE) of the bytes, or of several byte ranges as if concatenated. */
export function crc32(...parts: Uint8Array[]): number {
  let c = -1;
  for (const data of parts) for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function encodeFrame(entry: Buffer): Buffer {
  if (entry.length === 0) throw new RangeError("a journal entry must not be empty");
  if (entry.length > MAX_ENTRY_BYTES) {
    throw new RangeError(`a journal entry may be at most ${MAX_ENTRY_BYTES} bytes; got ${entry.length} (write a snapshot instead)`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER + entry.length);
  frame[0] = MAGIC0;
  frame[1] = MAGIC_V2;
  frame.writeUInt32BE(entry.length, 2);
  frame.writeUInt32BE(crc32(frame.subarray(0, 6)), 6);
  frame.writeUInt32BE(crc32(frame.subarray(2, 6), entry), 10);
  entry.copy(frame, FRAME_HEADER);
  return frame;
}

export interface DecodedJournal {
  entries: Buffer[];
  /** Bytes up to the end of the last good frame; a torn tail starts here. */
  validLength: number;
  /** True when bytes after validLength were ignored as a torn append. */
  torn: boolean;
}

export class JournalCorruptError extends AcExportError {
  constructor(message: string) {
    super("STATE_CORRUPT", message);
  }
}

function allZero(buf: Buffer, from: number, to = buf.length): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** What one frame at `pos` is: a good entry (and where it ends), a torn append, or damage. */
type Step = { entry: Buffer; end: number } | "torn" | "damaged";

function stepV2(buf: Buffer, pos: number): Step {
  if (buf.length - pos < FRAME_HEADER) return "torn"; // caller checked the magic: the header itself was cut short
  if (crc32(buf.subarray(pos, pos + 6)) !== buf.readUInt32BE(pos + 6)) return "damaged";
  const length = buf.readUInt32BE(pos + 2);
  const end = pos + FRAME_HEADER + length;
  if (end > buf.length) return "torn"; // the length is proven by its checksum: the file really is short
  const payload = buf.subarray(pos + FRAME_HEADER, end);
  if (crc32(buf.subarray(pos + 2, pos + 6), payload) !== buf.readUInt32BE(pos + 10)) {
    // Only a last frame whose data ends in zeros (space allocated, data lost) is a torn write.
    return end === buf.length && buf[end - 1] === 0 ? "torn" : "damaged";
  }
  return { entry: Buffer.from(payload), end };
}

/** Whether a whole, checksum-valid format 1 frame starts anywhere in buf after `from`. */
function v1FrameAfter(buf: Buffer, from: number): boolean {
  for (let at = buf.indexOf(MAGIC0, from); at >= 0 && at + V1_HEADER < buf.length; at = buf.indexOf(MAGIC0, at + 1)) {
    if (buf[at + 1] !== MAGIC_V1) continue;
    const end = at + V1_HEADER + buf.readUInt32BE(at + 2);
    if (end <= buf.length && crc32(buf.subarray(at + V1_HEADER, end)) === buf.readUInt32BE(at + 6)) return true;
  }
  return false;
}

function stepV1(buf: Buffer, pos: number): Step {
  if (buf.length - pos < V1_HEADER) return "torn";
  const end = pos + V1_HEADER + buf.readUInt32BE(pos + 2);
  // Format 1 cannot tell a damaged length from a torn append, but a torn append is the last thing in the file: whole
  // entries after it mean the length is damaged.
  if (end > buf.length) return v1FrameAfter(buf, pos + V1_HEADER) ? "damaged" : "torn";
  const payload = buf.subarray(pos + V1_HEADER, end);
  if (crc32(payload) !== buf.readUInt32BE(pos + 6)) return end === buf.length ? "torn" : "damaged";
  return { entry: Buffer.from(payload), end };
}

/** Decode a journal. `name` is used in the corruption message. */
export function decodeJournal(buf: Buffer, name: string): DecodedJournal {
  const entries: Buffer[] = [];
  let pos = 0;
  let seenV2 = false;
  let damaged = false;
  while (pos < buf.length) {
    if (allZero(buf, pos)) return { entries, validLength: pos, torn: true };
    const version = buf[pos] !== MAGIC0 ? undefined : buf.length - pos < 2 ? MAGIC_V2 : buf[pos + 1];
    if (version !== undefined && version > MAGIC_V2 && version < MAGIC_V2 + 8) {
      throw new JournalCorruptError(
        `the state journal ${name} has an unknown frame format ${version - MAGIC_V1 + 1} at byte ${pos}: written by a newer ac-export ` +
          `(this one reads formats 1 and 2; upgrade it) or damaged`,
      );
    }
    let step: Step;
    if (version === MAGIC_V2) step = stepV2(buf, pos);
    else if (version === MAGIC_V1 && !seenV2) step = stepV1(buf, pos);
    else step = "damaged";
    if (step === "torn") return { entries, validLength: pos, torn: true };
    if (step === "damaged") {
      damaged = true;
      break;
    }
    seenV2 ||= version === MAGIC_V2;
    entries.push(step.entry);
    pos = step.end;
  }
  if (damaged) {
    throw new JournalCorruptError(
      `the state journal ${name} is damaged at byte ${pos} of ${buf.length} (not a torn last entry); ` +
        `delete it to resume from the last snapshot (members confirmed since then will be sent again)`,
    );
  }
  return { entries, validLength: pos, torn: false };
}
