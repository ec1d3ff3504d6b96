// A hash set of emails compact enough for 10,000,000 members in a 1 GiB job (issue #12 "Scale"): no string and no
// object per email. Each email's UTF-8 bytes sit in an arena of 1 MiB pages; each email gets an id (an index into
// the caller's typed arrays: fingerprint, flags, row); an open-addressing table of ids is probed linearly by a
// 32-bit hash. A hash hit is confirmed by comparing the bytes, so two emails with the same hash are never mixed up.
import { PagedArray } from "./paged-array.js";

/** Hashes `length` bytes of `bytes` to 32 bits. Injectable so tests can force collisions. */
export type EmailHash = (bytes: Uint8Array, length: number) => number;

/** FNV-1a with murmur3's finalizer, so the low bits the table masks on are well mixed. */
export const defaultEmailHash: EmailHash = (bytes, length) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return finish(h);
};

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const MAX_EMAIL_BYTES = 0xffff;
const encoder = new TextEncoder();

/** An email encoded and hashed once, to look up in one or more tables that use the same hash. */
export class EmailKey {
  bytes = new Uint8Array(256);
  length = 0;
  hash = 0;

  constructor(readonly hashFn: EmailHash = defaultEmailHash) {}

  load(email: string): this {
    if (email.length * 3 > this.bytes.length) this.bytes = new Uint8Array(email.length * 3);
    const bytes = this.bytes;
    let i = 0;
    let h = 0x811c9dc5;
    // Normalized emails are ASCII: one byte a character, no encoder call; the default hash's FNV-1a runs in the same pass.
    for (; i < email.length; i++) {
      const c = email.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[i] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    const ascii = i === email.length;
    this.length = ascii ? i : encoder.encodeInto(email, bytes).written;
    if (this.length > MAX_EMAIL_BYTES) throw new RangeError(`an email of the state is longer than ${MAX_EMAIL_BYTES} bytes (${this.length})`);
    this.hash = ascii && this.hashFn === defaultEmailHash ? finish(h) : this.hashFn(bytes, this.length) >>> 0;
    return this;
  }

  /** Bytes read from a snapshot, with no string made. */
  loadBytes(src: Uint8Array, start: number, length: number): this {
    if (length > this.bytes.length) this.bytes = new Uint8Array(length);
    this.bytes.set(src.subarray(start, start + length));
    this.length = length;
    this.hash = this.hashFn(this.bytes, length) >>> 0;
    return this;
  }
}

const ARENA_BITS = 20;
const ARENA_PAGE = 1 << ARENA_BITS;
const ARENA_MASK = ARENA_PAGE - 1;
/** 32-bit arena positions (stored + 1, 0 meaning a free id): 4095 pages of 1 MiB. */
const MAX_ARENA_PAGES = 4095;
const MAX_LOAD = 0.7;

export interface EmailTableOptions {
  /** The email hash (tests inject a colliding one). */
  hash?: EmailHash;
  /** Initial slots (tests use a tiny table to exercise growth). */
  capacity?: number;
  /** Bytes of removed emails held before the arena is rewritten (tests use a small figure). */
  compactAfterBytes?: number;
}

export class EmailTable {
  /**
   * Two Int32 per slot: the email's hash, and its id + 1 (0: empty slot). A power of two slots. The hash sits next to
   * the id so a probe compares hashes without another memory access, and growing needs no lookups.
   */
  private slots: Int32Array;
  private mask: number;
  /** The empty slot where find() stopped (insert() fills it). */
  private emptySlot = 0;
  /** id → arena position + 1 of the email (a 2-byte length, then its bytes); 0 for a free id. */
  private readonly positions = new PagedArray(Uint32Array);
  private arena: Buffer[] = [];
  private arenaPos = ARENA_PAGE;
  private garbage = 0;
  private liveBytes = 0;
  private count = 0;
  private nextId = 0;
  private readonly freeIds: number[] = [];
  /** Whether the last insert() added the email. */
  added = false;

  readonly hashFn: EmailHash;
  /** Garbage (bytes of removed emails) that triggers rewriting the arena, once it also exceeds the live bytes. */
  private readonly compactAfter: number;

  constructor(options: EmailTableOptions = {}) {
    this.hashFn = options.hash ?? defaultEmailHash;
    this.compactAfter = options.compactAfterBytes ?? 16 * ARENA_PAGE;
    const capacity = options.capacity ?? 1024;
    let n = 8;
    while (n < capacity) n *= 2;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Every id ever handed out is below this (size the caller's per-id arrays with it). */
  get idLimit(): number {
    return this.nextId;
  }

  newKey(): EmailKey {
    return new EmailKey(this.hashFn);
  }

  /** The id of the key's email, or -1. */
  find(key: EmailKey): number {
    const slots = this.slots;
    const hash = key.hash | 0;
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      const v = slots[2 * s + 1]!;
      if (v === 0) {
        this.emptySlot = s;
        return -1;
      }
      if (slots[2 * s] === hash && this.sameBytes(v - 1, key)) return v - 1;
    }
  }

  /** The id of the key's email, added if absent; `added` says which. */
  insert(key: EmailKey): number {
    const found = this.find(key);
    if (found >= 0) {
      this.added = false;
      return found;
    }
    const id = this.freeIds.length ? this.freeIds.pop()! : this.nextId++;
    this.positions.set(id, this.store(key) + 1);
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
      this.grow();
      this.place(id, key.hash);
    } else {
      this.slots[2 * this.emptySlot] = key.hash;
      this.slots[2 * this.emptySlot + 1] = id + 1;
    }
    this.count++;
    this.added = true;
    return id;
  }

  /** Removes the key's email; returns its (now free) id, or -1 if absent. */
  remove(key: EmailKey): number {
    const id = this.find(key);
    if (id < 0) return -1;
    const mask = this.mask;
    const slots = this.slots;
    let hole = key.hash & mask;
    while (slots[2 * hole + 1] !== id + 1) hole = (hole + 1) & mask;
    // Backward-shift deletion: move later entries of the probe run into the hole, so no tombstones are needed.
    for (let s = (hole + 1) & mask; slots[2 * s + 1] !== 0; s = (s + 1) & mask) {
      const home = slots[2 * s]! & mask;
      if (((hole - home) & mask) <= ((s - home) & mask)) {
        slots[2 * hole] = slots[2 * s]!;
        slots[2 * hole + 1] = slots[2 * s + 1]!;
        hole = s;
      }
    }
    slots[2 * hole] = 0;
    slots[2 * hole + 1] = 0;
    const bytes = 2 + this.byteLength(id);
    this.garbage += bytes;
    this.liveBytes -= bytes;
    this.positions.set(id, 0);
    this.freeIds.push(id);
    this.count--;
    return id;
  }

  email(id: number): string {
    const pos = this.positions.get(id) - 1;
    const page = this.arena[pos >>> ARENA_BITS]!;
    const at = pos & ARENA_MASK;
    return page.toString("utf8", at + 2, at + 2 + page.readUInt16LE(at));
  }

  isLive(id: number): boolean {
    return this.positions.get(id) !== 0;
  }

  /** The email's bytes written at `out[at]` (for snapshots); returns the length. */
  copyBytes(id: number, out: Uint8Array, at: number): number {
    const pos = this.positions.get(id) - 1;
    const page = this.arena[pos >>> ARENA_BITS]!;
    const p = pos & ARENA_MASK;
    const length = page.readUInt16LE(p);
    out.set(page.subarray(p + 2, p + 2 + length), at);
    return length;
  }

  /** Bytes held (for the benchmarks' bytes-per-member figures). */
  get bytes(): number {
    return this.slots.byteLength + this.positions.bytes + this.arena.length * ARENA_PAGE + this.freeIds.length * 8;
  }

  private byteLength(id: number): number {
    const pos = this.positions.get(id) - 1;
    return this.arena[pos >>> ARENA_BITS]!.readUInt16LE(pos & ARENA_MASK);
  }

  private sameBytes(id: number, key: EmailKey): boolean {
    const pos = this.positions.get(id) - 1;
    const page = this.arena[pos >>> ARENA_BITS]!;
    let p = pos & ARENA_MASK;
    const length = page[p]! | (page[p + 1]! << 8);
    if (length !== key.length) return false;
    p += 2;
    const bytes = key.bytes;
    for (let i = 0; i < length; i++) if (page[p + i] !== bytes[i]) return false;
    return true;
  }

  private place(id: number, hash: number): void {
    let s = hash & this.mask;
    while (this.slots[2 * s + 1] !== 0) s = (s + 1) & this.mask;
    this.slots[2 * s] = hash;
    this.slots[2 * s + 1] = id + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length / 2 - 1;
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.place(old[s + 1]! - 1, old[s]!);
  }

  /** Appends the key's bytes to the arena; returns their position. */
  private store(key: EmailKey): number {
    const need = 2 + key.length;
    if (this.garbage > this.compactAfter && this.garbage > this.liveBytes) this.compact();
    if (this.arenaPos + need > ARENA_PAGE) {
      if (this.arena.length >= MAX_ARENA_PAGES) throw new RangeError(`the state's emails take more than ${MAX_ARENA_PAGES} MiB`);
      this.arena.push(Buffer.allocUnsafeSlow(ARENA_PAGE));
      this.arenaPos = 0;
    }
    const page = this.arena[this.arena.length - 1]!;
    const at = this.arenaPos;
    const length = key.length;
    const bytes = key.bytes;
    page[at] = length & 0xff;
    page[at + 1] = length >>> 8;
    // A loop, not set(subarray): emails are a few dozen bytes, and a subarray is an object a member.
    for (let i = 0; i < length; i++) page[at + 2 + i] = bytes[i]!;
    this.arenaPos += need;
    this.liveBytes += need;
    return (this.arena.length - 1) * ARENA_PAGE + at;
  }

  /** Rewrites the arena without the bytes of removed emails (many members left, their bytes still held). */
  private compact(): void {
    const old = this.arena;
    this.arena = [];
    this.arenaPos = ARENA_PAGE;
    this.liveBytes = 0;
    this.garbage = 0;
    const key = new EmailKey(this.hashFn);
    for (let id = 0; id < this.nextId; id++) {
      const pos = this.positions.get(id) - 1;
      if (pos < 0) continue;
      const page = old[pos >>> ARENA_BITS]!;
      const p = pos & ARENA_MASK;
      key.length = page.readUInt16LE(p);
      if (key.bytes.length < key.length) key.bytes = new Uint8Array(key.length);
      key.bytes.set(page.subarray(p + 2, p + 2 + key.length));
      this.positions.set(id, this.store(key) + 1);
    }
  }
}
