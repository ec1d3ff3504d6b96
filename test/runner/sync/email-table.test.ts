import { describe, expect, it } from "vitest";
import { EmailTable } from "../../../runner/sync/email-table.js";
import { RowFingerprints, RowMarks } from "../../../runner/sync/row-set.js";

/** A hash every email shares: every lookup walks one probe run, and only the byte comparison tells emails apart. */
const collide = () => 7;

describe("EmailTable", () => {
  it("keeps emails with the same hash apart, through growth from a tiny table", () => {
    const t = new EmailTable({ hash: collide, capacity: 2 });
    const key = t.newKey();
    const ids = new Map<string, number>();
    for (let i = 0; i < 300; i++) ids.set(`p${i}@x.io`, t.insert(key.load(`p${i}@x.io`)));
    expect(t.size).toBe(300);
    expect(new Set(ids.values()).size).toBe(300);
    for (const [email, id] of ids) {
      expect(t.find(key.load(email))).toBe(id);
      expect(t.email(id)).toBe(email);
    }
    expect(t.find(key.load("p300@x.io"))).toBe(-1);
    // A prefix or an extension of a stored email, same hash: not a hit.
    expect(t.find(key.load("p1@x.i"))).toBe(-1);
    expect(t.find(key.load("p1@x.iox"))).toBe(-1);
  });

  it("inserting an email twice returns the same id and adds nothing", () => {
    const t = new EmailTable({ hash: collide });
    const key = t.newKey();
    const id = t.insert(key.load("a@x.io"));
    expect(t.added).toBe(true);
    expect(t.insert(key.load("a@x.io"))).toBe(id);
    expect(t.added).toBe(false);
    expect(t.size).toBe(1);
  });

  it("removes from the middle of a probe run without losing the entries after it, and reinserts", () => {
    const t = new EmailTable({ hash: (b, n) => b[n - 1]! % 3, capacity: 64 });
    const key = t.newKey();
    const emails = Array.from({ length: 40 }, (_, i) => `m${i}@x.io${String.fromCharCode(97 + (i % 26))}`.replace(/\.io(.)$/, ".i$1"));
    for (const e of emails) t.insert(key.load(e));
    for (let i = 0; i < 40; i += 3) expect(t.remove(key.load(emails[i]!))).toBeGreaterThanOrEqual(0);
    expect(t.remove(key.load(emails[0]!))).toBe(-1);
    for (let i = 0; i < 40; i++) expect(t.find(key.load(emails[i]!)) >= 0, emails[i]).toBe(i % 3 !== 0);
    for (let i = 0; i < 40; i += 3) t.insert(key.load(emails[i]!));
    expect(t.size).toBe(40);
    for (const e of emails) expect(t.email(t.find(key.load(e)))).toBe(e);
  });

  it("rewrites its arena once removed emails outweigh the live ones, and every email still reads back", () => {
    const t = new EmailTable({ hash: collide, compactAfterBytes: 64 });
    const key = t.newKey();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 50; i++) t.insert(key.load(`r${round}-${i}@x.io`));
      for (let i = 0; i < 50; i++) if (round < 4 || i % 2) t.remove(key.load(`r${round}-${i}@x.io`));
    }
    expect(t.size).toBe(25);
    for (let i = 0; i < 50; i++) {
      const id = t.find(key.load(`r4-${i}@x.io`));
      expect(id >= 0).toBe(i % 2 === 0);
      if (id >= 0) expect(t.email(id)).toBe(`r4-${i}@x.io`);
    }
  });

  it("stores any UTF-8 text byte-exactly", () => {
    const t = new EmailTable();
    const key = t.newKey();
    const odd = ["jürgen@straße.de", "日本@例え.jp", "a@b.c", "🙂@x.io"];
    for (const e of odd) t.insert(key.load(e));
    for (const e of odd) expect(t.email(t.find(key.load(e)))).toBe(e);
    expect(t.find(key.load("jurgen@strasse.de"))).toBe(-1);
  });
});

describe("RowFingerprints and RowMarks", () => {
  it("hold 48-bit values exactly across pages, in row order, and refuse what does not fit", () => {
    const f = new RowFingerprints();
    const rows = [2, 65_535, 65_536, 1_000_003, 131_072 * 5 + 17];
    rows.forEach((r, i) => f.set(r, 2 ** 48 - 1 - i));
    f.set(2, 0);
    expect(f.size).toBe(rows.length);
    expect([...f.keys()]).toEqual([...rows].sort((a, b) => a - b));
    expect(f.get(2)).toBe(0);
    expect(f.get(65_536)).toBe(2 ** 48 - 3);
    expect(f.get(3)).toBeUndefined();
    expect(f.get(10_000_000)).toBeUndefined();
    expect(() => f.set(4, 2 ** 48)).toThrow("a fingerprint must be an integer in [0, 2^48); got 281474976710656");
    expect(() => f.set(4, 1.5)).toThrow(/got 1.5/);
    const m = new RowMarks();
    m.add(70_000);
    expect([m.has(70_000), m.has(69_999), m.has(3_000_000)]).toEqual([true, false, false]);
  });
});
