// A 48-bit fingerprint of what a sync sends for one member: equal fingerprints mean "nothing to send".
// 48 bits keep the value an exact JS number; a false "unchanged" needs a collision on one member (~1 in 2.8e14).
// Incremental (add piece by piece), so the hot path builds no joined string per row.

const H1 = 0x811c9dc5;
const H2 = 0x01000193;

export class Fingerprint {
  private h1 = H1;
  private h2 = H2;

  /** Starts again from nothing, so one instance serves every row (no object a row on the hot path). */
  reset(): this {
    this.h1 = H1;
    this.h2 = H2;
    return this;
  }

  /** Adds a piece followed by a separator, so ("ab","c") and ("a","bc") differ. */
  add(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = Math.imul(h1 ^ 0xff, 0x01000193);
    this.h2 = Math.imul(h2 ^ 0xff, 0x5bd1e995);
    return this;
  }

  value(): number {
    return (this.h1 >>> 0) * 0x10000 + ((this.h2 >>> 0) & 0xffff);
  }
}

export function fingerprint(...pieces: string[]): number {
  const f = new Fingerprint();
  for (const p of pieces) f.add(p);
  return f.value();
}
