// Bench section "values" (issue #11): what converting custom-field values costs. The same N-row CSV is planned twice
// by `ac-export plan`, its three extra columns mapped once to typed ActiveCampaign fields (a date, a dropdown with
// labels, a checkbox: converted per row) and once to text fields (sent as written), in the same run, alternating;
// the figure is the ratio of the two (target ≤ 1.2×), not a wall-clock time.
import { CSV_HEADER, syntheticRecord } from "../runner/segment/generate.js";
import { writeCsvRecords } from "./segments.js";

/** The typed fields (types and options as the sandbox holds them) and their text twins. */
export const TYPED_FIELDS = [
  { title: "Birthday", perstag: "BIRTHDAY", type: "date" },
  {
    title: "Tier",
    perstag: "TIER",
    type: "dropdown",
    options: [
      { value: "gold", label: "Gold tier" },
      { value: "silver", label: "Silver tier" },
      { value: "bronze", label: "Bronze tier" },
    ],
  },
  { title: "Interests", perstag: "INTERESTS", type: "checkbox", options: ["Running", "Cycling", "Swimming", "Chess"] },
];
export const TEXT_FIELDS = TYPED_FIELDS.map((f) => ({ title: `${f.title} (text)`, perstag: `${f.perstag}_TEXT`, type: "text" }));
export const VALUE_COLUMNS = ["birthday", "tier_label", "interests"];

/** Tag → column for the typed and the text export. */
export const typedMapping = () => Object.fromEntries(TYPED_FIELDS.map((f, i) => [f.perstag, VALUE_COLUMNS[i]!]));
export const textMapping = () => Object.fromEntries(TEXT_FIELDS.map((f, i) => [f.perstag, VALUE_COLUMNS[i]!]));

const LABELS = ["Gold tier", "silver", "BRONZE TIER", ""];
const INTERESTS = ["Running", "running,Cycling", "Swimming,Chess,Cycling", ""];

/**
 * The synthetic records plus a birthday (ISO date; record 0 has "not a date", so the typed plan must report exactly
 * one value not sent: the proof that conversion ran), a tier by label or value in mixed case, and interests as a
 * comma-separated string. Returns the number of records.
 */
export function writeValuesCsv(path: string, rows: number): number {
  return writeCsvRecords(path, [...CSV_HEADER, ...VALUE_COLUMNS], (function* () {
    for (let i = 0; i < rows; i++) {
      const day = i === 0 ? "not a date" : `19${50 + (i % 50)}-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`;
      yield [...syntheticRecord(i), day, LABELS[i % LABELS.length]!, INTERESTS[i % INTERESTS.length]!];
    }
  })());
}

/** The plan's own line for the one unconvertible birthday: present only when the preflight typed the fields. */
export const CONVERSION_PROOF = /field BIRTHDAY: 1 value\(s\) not sent/;
