// Journal framing shared by the state stores. Each entry is one frame:
//   magic "\xAC\x4A" (2 bytes) | payload length (u32 BE) | CRC-32 of the payload (u32 BE) | payload
// A frame cut short at the end of the journal (a process killed mid-append) or a zero-filled tail (some file systems
// after a power cut) is a torn append and is ignored; anything else that does not check out is corruption.
import { AcExportError } from "../errors.js";

const MAGIC0 = 0xac;
const MAGIC1 = 0x4a;
export const FRAME_HEADER = 10;
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

export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function encodeFrame(entry: Buffer): Buffer {
  if (entry.length === 0) throw new RangeError("a journal entry must not be empty");
  if (entry.length > MAX_ENTRY_BYTES) {
    throw new RangeError(`a journal entry may be at most ${MAX_ENTRY_BYTES} bytes; got ${entry.length} (write a snapshot instead)`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER + entry.length);
  frame[0] = MAGIC0;
  frame[1] = MAGIC1;
  frame.writeUInt32BE(entry.length, 2);
  frame.writeUInt32BE(crc32(entry), 6);
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

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Decode a journal. `name` is used in the corruption message. */
export function decodeJournal(buf: Buffer, name: string): DecodedJournal {
  const entries: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const rest = buf.length - pos;
    const torn = (): DecodedJournal => ({ entries, validLength: pos, torn: true });
    if (rest < FRAME_HEADER) {
      if (buf[pos] === MAGIC0 || allZero(buf, pos)) return torn();
      break;
    }
    if (buf[pos] !== MAGIC0 || buf[pos + 1] !== MAGIC1) {
      if (allZero(buf, pos)) return torn();
      break;
    }
    const length = buf.readUInt32BE(pos + 2);
    const end = pos + FRAME_HEADER + length;
    if (end > buf.length) return torn();
    const payload = buf.subarray(pos + FRAME_HEADER, end);
    if (crc32(payload) !== buf.readUInt32BE(pos + 6)) {
      // A bad checksum on the very last frame is a torn write; earlier it means the file was damaged.
      if (end === buf.length) return torn();
      break;
    }
    entries.push(Buffer.from(payload));
    pos = end;
  }
  if (pos < buf.length) {
    throw new JournalCorruptError(
      `the state journal ${name} is damaged at byte ${pos} of ${buf.length} (not a torn last entry); ` +
        `delete it to resume from the last snapshot (members confirmed since then will be sent again)`,
    );
  }
  return { entries, validLength: pos, torn: false };
}
