// A list's members, indexed for paging: membership indexes sorted by contact id, with per-block status counts, so
// that `GET /contacts?listid=…` pages with `id_greater`, `offset` and `status` cost O(log n + page), not a scan.
import { Grow } from "./grow.js";

export const BLOCK_SHIFT = 10; // 1,024 positions per status-count block
const MIDX_RANGE = 2 ** 26; // sort key = contactId * 2^26 + membership index

/** The membership columns the index reads (the Store's). */
export interface MemberRows {
  mContact: Grow;
  mStatus: Grow;
}

export class ListMembers {
  /** contact id → membership index */
  readonly byContact = new Map<number, number>();
  /** membership indexes, sorted by contact id while `sorted` */
  pos = new Grow("i32");
  sorted = true;
  maxContact = 0;
  /** status counts per block of positions (4 per block); valid only while sorted, rebuilt lazily */
  blocks: Int32Array | null = null;
}

export function indexMembers(r: MemberRows, m: ListMembers): void {
  const n = m.pos.length;
  if (!m.sorted) {
    const keys = new Float64Array(n);
    const pos = m.pos.data;
    const contact = r.mContact.data;
    for (let i = 0; i < n; i++) {
      const midx = pos[i] as number;
      if (midx >= MIDX_RANGE) throw new Error("sandbox: more than 67M memberships are not supported");
      keys[i] = (contact[midx] as number) * MIDX_RANGE + midx;
    }
    keys.sort();
    for (let i = 0; i < n; i++) pos[i] = (keys[i] as number) % MIDX_RANGE;
    m.sorted = true;
    m.blocks = null;
  }
  if (!m.blocks) {
    const blocks = new Int32Array(Math.max(4, ((n >> BLOCK_SHIFT) + 1) * 4));
    const pos = m.pos.data;
    const status = r.mStatus.data;
    for (let i = 0; i < n; i++) blocks[(i >> BLOCK_SHIFT) * 4 + (status[pos[i] as number] as number)]!++;
    m.blocks = blocks;
  }
}

/** First position whose contact id is > idGreater (index must be sorted). */
export function lowerBound(r: MemberRows, m: ListMembers, idGreater: number): number {
  const pos = m.pos.data;
  const contact = r.mContact.data;
  let lo = 0;
  let hi = m.pos.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((contact[pos[mid] as number] as number) > idGreater) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function matches(r: MemberRows, m: ListMembers, p: number, st: number): boolean {
  return r.mStatus.data[m.pos.data[p] as number] === st;
}

/** Matches of status `st` at positions ≥ start. */
export function countFrom(r: MemberRows, m: ListMembers, start: number, st: number): number {
  const n = m.pos.length;
  const blocks = m.blocks as Int32Array;
  let count = 0;
  let p = start;
  const blockEnd = Math.min(n, ((p >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
  for (; p < blockEnd; p++) if (matches(r, m, p, st)) count++;
  for (let b = (start >> BLOCK_SHIFT) + 1; b << BLOCK_SHIFT < n; b++) count += blocks[b * 4 + st] as number;
  return count;
}

/** The position after skipping `k` matches from `start` (status -1 matches everything). */
export function skipMatches(r: MemberRows, m: ListMembers, start: number, k: number, st: number): number {
  const n = m.pos.length;
  if (st < 0) return Math.min(n, start + k);
  const blocks = m.blocks as Int32Array;
  let p = start;
  let left = k;
  const blockEnd = Math.min(n, ((p >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
  for (; p < blockEnd && left > 0; p++) if (matches(r, m, p, st)) left--;
  if (left === 0) return p;
  // whole blocks
  while (p < n && left > 0) {
    const b = p >> BLOCK_SHIFT;
    const c = blocks[b * 4 + st] as number;
    if (c <= left && (p & ((1 << BLOCK_SHIFT) - 1)) === 0) {
      left -= c;
      p = (b + 1) << BLOCK_SHIFT;
    } else {
      break;
    }
  }
  for (; p < n && left > 0; p++) if (matches(r, m, p, st)) left--;
  return Math.min(p, n);
}
