// A Delta deletion vector's payload for the benchmarks: a portable RoaringBitmapArray (one 64-bit bucket, array
// containers), enough for row indexes below 2^32 with at most 4,096 deleted rows per 65,536.
export function portableBitmap(rows: number[]): Buffer {
  const byKey = new Map<number, number[]>();
  for (const r of rows) {
    const list = byKey.get(r >>> 16) ?? [];
    list.push(r & 0xffff);
    byKey.set(r >>> 16, list);
  }
  const keys = [...byKey.keys()].sort((a, b) => a - b);
  const start = 16; // magic, bucket count (u64), bucket key: then the 32-bit bitmap, whose offsets count from its cookie
  const head = Buffer.alloc(start + 8 + keys.length * 8);
  head.writeUInt32LE(1681511377, 0);
  head.writeBigUInt64LE(1n, 4);
  head.writeUInt32LE(0, 12);
  head.writeUInt32LE(12346, start);
  head.writeUInt32LE(keys.length, start + 4);
  let body = 8 + keys.length * 8;
  keys.forEach((k, i) => {
    const n = byKey.get(k)!.length;
    if (n > 4096) throw new RangeError("the bench encoder writes array containers only");
    head.writeUInt16LE(k, start + 8 + i * 4);
    head.writeUInt16LE(n - 1, start + 8 + i * 4 + 2);
    head.writeUInt32LE(body, start + 8 + keys.length * 4 + i * 4);
    body += n * 2;
  });
  return Buffer.concat([head, ...keys.map((k) => Buffer.from(new Uint16Array(byKey.get(k)!).buffer))]);
}
