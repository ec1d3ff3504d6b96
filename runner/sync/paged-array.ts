// Typed arrays that grow in fixed pages instead of by doubling: at 10,000,000 members a doubling array holds up to
// twice what it needs, and copies old + new at once while it grows; pages are allocated once, only when written.
// Reading an index never written gives 0.

type TypedArray = Uint8Array | Uint16Array | Uint32Array;
type TypedArrayClass<T extends TypedArray> = new (length: number) => T;

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

export class PagedArray<T extends TypedArray> {
  private readonly pages: Array<T | undefined> = [];

  constructor(private readonly kind: TypedArrayClass<T>) {}

  get(index: number): number {
    const page = this.pages[index >>> PAGE_BITS];
    return page === undefined ? 0 : page[index & PAGE_MASK]!;
  }

  set(index: number, value: number): void {
    const p = index >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      while (this.pages.length < p) this.pages.push(undefined);
      page = new this.kind(PAGE_SIZE);
      this.pages[p] = page;
    }
    page[index & PAGE_MASK] = value;
  }

  /** Bytes allocated (for the benchmarks' bytes-per-member figures). */
  get bytes(): number {
    let n = 0;
    for (const page of this.pages) n += page?.byteLength ?? 0;
    return n;
  }
}

/** A set of non-negative integers, one bit each, in pages allocated when first written. */
export class PagedBits {
  private readonly words = new PagedArray(Uint32Array);

  add(index: number): void {
    const w = index >>> 5;
    this.words.set(w, (this.words.get(w) | (1 << (index & 31))) >>> 0);
  }

  delete(index: number): void {
    const w = index >>> 5;
    this.words.set(w, (this.words.get(w) & ~(1 << (index & 31))) >>> 0);
  }

  has(index: number): boolean {
    return (this.words.get(index >>> 5) & (1 << (index & 31))) !== 0;
  }

  get bytes(): number {
    return this.words.bytes;
  }
}

export function checkUint48(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 48) throw new RangeError(`a fingerprint must be an integer in [0, 2^48); got ${value}`);
}

/**
 * Non-negative integers below 2^48 (fingerprints, email hashes) as 6 bytes each: a Uint32 for the high part and a
 * Uint16 for the low one, both exact.
 */
export class PagedUint48 {
  private readonly hi = new PagedArray(Uint32Array);
  private readonly lo = new PagedArray(Uint16Array);

  get(index: number): number {
    return this.hi.get(index) * 0x10000 + this.lo.get(index);
  }

  set(index: number, value: number): void {
    checkUint48(value);
    this.hi.set(index, Math.floor(value / 0x10000));
    this.lo.set(index, value % 0x10000);
  }

  get bytes(): number {
    return this.hi.bytes + this.lo.bytes;
  }
}
