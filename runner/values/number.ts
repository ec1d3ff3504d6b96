// Numbers as people write them: no float noise (a float32 0.1 read as 0.10000000149011612) and no exponents
// (1e21 as 1000000000000000000000), so the text ActiveCampaign stores is the number the source meant.

/**
 * A value read from a 32-bit float column, as the number its writer meant: the shortest decimal that reads back as
 * the same float32 (0.10000000149011612 → 0.1). Readers call this; after it the value is an ordinary number.
 */
export function fromFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let digits = 1; digits <= 9; digits++) {
    const n = Number(x.toPrecision(digits));
    if (Math.fround(n) === x) return n;
  }
  return x;
}

/** Expands "1.5e+21" / "1e-7" into plain digits. */
function expandExponent(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = "", expText] = m;
  const exp = Number(expText);
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, "");
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return `${sign}${out}`;
}

/** Formats a number for a text field, in plain digits. Non-finite numbers have no text form. */
export function formatNumber(x: number | bigint): string | undefined {
  if (typeof x === "bigint") return x.toString();
  if (!Number.isFinite(x)) return undefined;
  if (Object.is(x, -0)) return "0";
  return expandExponent(String(x));
}

/**
 * A DECIMAL's exact digits from its unscaled integer and scale, without trailing fractional zeros (as the number was
 * written before decimals were exact, so a text field's value stays the same): (1234n, 2) → "12.34", (1250n, 2) →
 * "12.5", (-5n, 3) → "-0.005".
 */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, "");
  } else if (scale < 0) digits += "0".repeat(-scale);
  return negative ? `-${digits}` : digits;
}
