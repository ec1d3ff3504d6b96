// A realistic sample segment with the mess real exports have: duplicates in other case, bad emails, blanks,
// unicode names, quoted fields with commas. Deterministic for a given seed, so the demo prints the same numbers.

const FIRST = ["Anna", "Zoë", "José", "Łukasz", "Siobhán", "李", "Müller", "Chloé", "Ahmed", "Björn", "Ingrid", "Mateo", "Aiko", "Noah"];
const LAST = ["Smith", "García", "O'Brien", "Nguyễn", "Kowalski", "Dubois, Jr.", "Søndergaard", "Rossi", "Yılmaz", "Ivanova", ""];
const TIERS = ["bronze", "silver", "gold", "platinum", ""];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleRow {
  PrimaryEmail: string;
  FirstName: string;
  LastName: string;
  Phone: string;
  Tier: string;
}

export function sampleRows(count: number, seed = 42): SampleRow[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const rows: SampleRow[] = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    let email = `customer${i}@example.com`;
    if (x < 0.01) email = `customer${i}.example.com`; // no @
    else if (x < 0.015) email = `customer ${i}@example.com`; // space inside
    else if (x < 0.02) email = "";
    else if (x < 0.025 && i > 10) email = `CUSTOMER${i - 7}@Example.com`; // duplicate of an earlier row, other case
    else if (x < 0.03) email = `  customer${i}@EXAMPLE.com `; // fixable: trimmed and lower-cased
    rows.push({
      PrimaryEmail: email,
      FirstName: r() < 0.05 ? "" : pick(FIRST),
      LastName: pick(LAST),
      Phone: r() < 0.3 ? "" : `+1 555 ${String(1000 + Math.floor(r() * 9000))}`,
      Tier: pick(TIERS),
    });
  }
  return rows;
}

const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function toCsv(rows: SampleRow[]): string {
  const header = "PrimaryEmail,FirstName,LastName,Phone,Tier";
  return `${[header, ...rows.map((row) => [row.PrimaryEmail, row.FirstName, row.LastName, row.Phone, row.Tier].map(cell).join(","))].join("\r\n")}\r\n`;
}
