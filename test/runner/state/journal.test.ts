// Journal framing: every damaged byte is detected, torn appends are told apart from damage, old journals still read.
import { describe, expect, it } from "vitest";
import { decodeJournal, encodeFrame, JournalCorruptError } from "../../../runner/state/journal.js";
import { v1Frame } from "./helpers.js";

const entries = ["first entry", "second, a bit longer entry", "third", "fourth and last c"].map((s) => Buffer.from(s));
const journal = Buffer.concat(entries.map(encodeFrame));
const decode = (buf: Buffer) => decodeJournal(buf, "J");

describe("journal framing", () => {
  it("round-trips entries", () => {
    expect(decode(journal)).toEqual({ entries, validLength: journal.length, torn: false });
  });

  it("detects one flipped byte anywhere: in a magic, a length, a checksum or a payload, of any entry, the last included", () => {
    const missed: string[] = [];
    for (let pos = 0; pos < journal.length; pos++) {
      for (const flip of [0x01, 0x10, 0x80, 0xff]) {
        const bad = Buffer.from(journal);
        bad[pos] = bad[pos]! ^ flip;
        try {
          decode(bad);
          missed.push(`byte ${pos} ^ ${flip}`);
        } catch (e) {
          if (!(e instanceof JournalCorruptError)) throw e;
        }
      }
    }
    expect(missed).toEqual([]);
  });

  it("names where the damage is when a length points past the end (it used to drop the rest of the journal as torn)", () => {
    const bad = Buffer.from(journal);
    const second = encodeFrame(entries[0]!).length;
    bad[second + 2] = 0x7f; // the high byte of the second entry's length
    expect(() => decode(bad)).toThrow(
      `the state journal J is damaged at byte ${second} of ${journal.length} (not a torn last entry); ` +
        `delete it to resume from the last snapshot (members confirmed since then will be sent again)`,
    );
  });

  it("ignores an append cut at any byte, and a zero-filled tail or last entry", () => {
    const good = Buffer.concat(entries.slice(0, 3).map(encodeFrame));
    const last = encodeFrame(entries[3]!);
    for (let keep = 1; keep < last.length; keep++) {
      expect(decode(Buffer.concat([good, last.subarray(0, keep)])), `kept ${keep}`).toEqual({ entries: entries.slice(0, 3), validLength: good.length, torn: true });
    }
    expect(decode(Buffer.concat([good, Buffer.alloc(100)])).entries).toEqual(entries.slice(0, 3));
    // The file was extended to the entry's full size but its data never landed (zeros after the header).
    const zeroed = Buffer.concat([good, last.subarray(0, 20), Buffer.alloc(last.length - 20)]);
    expect(decode(zeroed)).toEqual({ entries: entries.slice(0, 3), validLength: good.length, torn: true });
  });

  it("still reads a format 1 journal, and format 2 entries appended after it", () => {
    const old = Buffer.concat([v1Frame(entries[0]!), v1Frame(entries[1]!)]);
    expect(decode(old).entries).toEqual(entries.slice(0, 2));
    expect(decode(Buffer.concat([old, encodeFrame(entries[2]!)])).entries).toEqual(entries.slice(0, 3));
    // A format 1 frame after format 2 is no old journal: it is a damaged magic byte.
    expect(() => decode(Buffer.concat([encodeFrame(entries[2]!), v1Frame(entries[0]!), encodeFrame(entries[3]!)]))).toThrow(JournalCorruptError);
  });

  it("in a format 1 journal, a length damaged to point past the end is told from a torn append by the entries after it", () => {
    const frames = entries.map(v1Frame);
    const old = Buffer.concat(frames);
    const bad = Buffer.from(old);
    bad[frames[0]!.length + 2] = 0x7f; // the second entry's length
    expect(() => decode(bad)).toThrow(`the state journal J is damaged at byte ${frames[0]!.length} of ${old.length}`);
    const torn = Buffer.concat([...frames.slice(0, 3), frames[3]!.subarray(0, 12)]);
    expect(decode(torn).entries).toEqual(entries.slice(0, 3));
  });

  it("says so when a frame is of a format newer than it reads", () => {
    const newer = Buffer.from(journal);
    newer[1] = 0x4c;
    expect(() => decode(newer)).toThrow(
      "the state journal J has an unknown frame format 3 at byte 0: written by a newer ac-export (this one reads formats 1 and 2; upgrade it) or damaged",
    );
  });
});
