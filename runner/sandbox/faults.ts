// Seeded, reproducible fault injection (--faults "429:0.05,503:0.02,…" --seed N).
//
// Per-request kinds are drawn once per admitted /api/3 request (one uniform number, walked over the cumulative
// probabilities, so their sum must be ≤ 1). Batch kinds are drawn once per queued bulk import, and `contactfail` once
// per contact of a queued bulk import, all at the moment the request is handled, so the same request sequence with
// the same seed gets the same faults. /__sandbox endpoints never draw.

/** Faults that replace (or delay) the response of one /api/3 request. 403: an intermittent "Forbidden" for a valid key (F15). */
export const REQUEST_FAULTS = ["429", "503", "500", "reset", "html504", "slow", "403"] as const;
/** Faults of a queued bulk import: it ends `failed` / `interrupted` with nothing applied. */
export const BATCH_FAULTS = ["bulkfail", "bulkinterrupt"] as const;
/** Per-contact fault of a queued bulk import: that contact lands in `failure` (not applied). */
export const CONTACT_FAULTS = ["contactfail"] as const;

export type RequestFault = (typeof REQUEST_FAULTS)[number];
export type BatchFault = (typeof BATCH_FAULTS)[number];
export type FaultKind = RequestFault | BatchFault | (typeof CONTACT_FAULTS)[number];
/** Probability (0…1) per fault kind. */
export type FaultSpec = Partial<Record<FaultKind, number>>;

const ALL: readonly string[] = [...REQUEST_FAULTS, ...BATCH_FAULTS, ...CONTACT_FAULTS];

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

/** Parses `"429:0.05,503:0.02"` (or checks a FaultSpec object). Throws FaultSpecError naming the bad part. */
export function parseFaults(spec: string | FaultSpec | null | undefined): FaultSpec {
  if (spec === null || spec === undefined) return {};
  const entries: Array<[string, unknown]> = [];
  if (typeof spec === "string") {
    const text = spec.trim();
    if (text === "" || text === "none") return {};
    for (const part of text.split(",")) {
      const item = part.trim();
      if (item === "") continue;
      const colon = item.lastIndexOf(":");
      if (colon <= 0) throw new FaultSpecError(`fault ${JSON.stringify(item)} must look like kind:probability, e.g. 429:0.05`);
      const raw = item.slice(colon + 1).trim();
      entries.push([item.slice(0, colon).trim(), raw === "" ? Number.NaN : Number(raw)]);
    }
  } else {
    entries.push(...Object.entries(spec));
  }
  const out: FaultSpec = {};
  for (const [kind, p] of entries) {
    if (!ALL.includes(kind)) throw new FaultSpecError(`unknown fault kind ${JSON.stringify(kind)}; known kinds: ${ALL.join(", ")}`);
    if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new FaultSpecError(`fault ${kind} needs a probability from 0 to 1; got ${JSON.stringify(p)}`);
    }
    if (p > 0) out[kind as FaultKind] = (out[kind as FaultKind] ?? 0) + p;
  }
  const sum = REQUEST_FAULTS.reduce((s, k) => s + (out[k] ?? 0), 0);
  if (sum > 1 + 1e-9) throw new FaultSpecError(`the per-request faults (${REQUEST_FAULTS.join(", ")}) add up to ${sum}; they must add up to at most 1`);
  if ((out.bulkfail ?? 0) + (out.bulkinterrupt ?? 0) > 1 + 1e-9) throw new FaultSpecError("bulkfail + bulkinterrupt must add up to at most 1");
  return out;
}

export function formatFaults(spec: FaultSpec): string {
  const parts = Object.entries(spec).map(([k, p]) => `${k}:${p}`);
  return parts.length ? parts.join(",") : "none";
}

/** mulberry32: small, fast, good enough for fault draws; the same seed gives the same sequence. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export class FaultInjector {
  private prng: Prng;
  spec: FaultSpec;
  readonly counts: Record<string, number> = {};

  constructor(
    spec: FaultSpec,
    private readonly seed: number,
  ) {
    this.spec = spec;
    this.prng = new Prng(seed);
  }

  /** Back to the start of the seeded sequence (inspect.reset()). */
  reseed(): void {
    this.prng = new Prng(this.seed);
    for (const k of Object.keys(this.counts)) delete this.counts[k];
  }

  private anyOf(kinds: readonly FaultKind[]): boolean {
    return kinds.some((k) => (this.spec[k] ?? 0) > 0);
  }

  /** One draw per admitted /api/3 request; undefined = no fault. No draw at all when no request fault is set. */
  drawRequest(): RequestFault | undefined {
    if (!this.anyOf(REQUEST_FAULTS)) return undefined;
    return this.pick(REQUEST_FAULTS);
  }

  /** One draw per queued bulk import. */
  drawBatch(): BatchFault | undefined {
    if (!this.anyOf(BATCH_FAULTS)) return undefined;
    return this.pick(BATCH_FAULTS);
  }

  /** One draw per contact of a queued bulk import: true = that contact fails. */
  drawContact(): boolean {
    const p = this.spec.contactfail ?? 0;
    if (p <= 0) return false;
    const hit = this.prng.next() < p;
    if (hit) this.count("contactfail");
    return hit;
  }

  /** A uniform number from the same seeded sequence (e.g. for an injected 429's Retry-After). */
  uniform(): number {
    return this.prng.next();
  }

  private pick<K extends FaultKind>(kinds: readonly K[]): K | undefined {
    const u = this.prng.next();
    let acc = 0;
    for (const k of kinds) {
      acc += this.spec[k] ?? 0;
      if (u < acc) {
        this.count(k);
        return k;
      }
    }
    return undefined;
  }

  private count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}
