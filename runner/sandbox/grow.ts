// Growable typed arrays: the sandbox keeps per-record numbers (ids, statuses, timestamps) in parallel typed arrays
// instead of one object per record, so a million contacts cost bytes per field, not an object header each.

type Kind = "i32" | "u32" | "u8";
type Data = Int32Array | Uint32Array | Uint8Array;

const make = (kind: Kind, n: number): Data =>
  kind === "i32" ? new Int32Array(n) : kind === "u32" ? new Uint32Array(n) : new Uint8Array(n);

export class Grow {
  data: Data;
  length = 0;

  constructor(
    private readonly kind: Kind,
    capacity = 256,
  ) {
    this.data = make(kind, capacity);
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const next = make(this.kind, this.data.length * 2);
      (next as Int32Array).set(this.data as Int32Array);
      this.data = next;
    }
    this.data[this.length] = value;
    return this.length++;
  }

  at(index: number): number {
    return this.data[index] as number;
  }

  put(index: number, value: number): void {
    this.data[index] = value;
  }

  clear(): void {
    this.length = 0;
    this.data = make(this.kind, 256);
  }
}
