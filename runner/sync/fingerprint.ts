// A 48-bit fingerprint of what a sync sends for one member: equal fingerprints mean "nothing to send".
// 48 bits keep the value an exact JS number; a false "unchanged" needs a collision on one member (~1 in 2.8e14).

export function fingerprint(text: string): number {
  // Two independent 32-bit FNV-1a style hashes, combined into 48 bits.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x10000 + ((h2 >>> 0) & 0xffff);
}
