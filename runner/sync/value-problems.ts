// Values that could not be converted for their ActiveCampaign field (issue #11): with onInvalid "omit-field" the
// contact is synced without that field, and each such value is reported here, counted per field with a bounded
// sample (a million bad dates must not fill memory or the report).

/** One value that was not sent: which field (a custom field's tag, or "phone"), the value as shown, and why. */
export interface ValueProblem {
  field: string;
  /** The value, short and quoted (showValue); never a whole row. */
  value: string;
  reason: string;
}

/** Per field: how many rows had a value that could not be sent, and the first few of them. */
export interface FieldProblems {
  field: string;
  count: number;
  examples: Array<{ row: number; value: string; reason: string }>;
}

/** Examples kept per field (the same bound as the rejected rows' sample per reason). */
export const VALUE_PROBLEM_SAMPLES = 20;

export class ValueProblems {
  private readonly byField = new Map<string, FieldProblems>();

  add(row: number, problems: readonly ValueProblem[]): void {
    for (const p of problems) {
      let f = this.byField.get(p.field);
      if (!f) this.byField.set(p.field, (f = { field: p.field, count: 0, examples: [] }));
      f.count++;
      if (f.examples.length < VALUE_PROBLEM_SAMPLES) f.examples.push({ row, value: p.value, reason: p.reason });
    }
  }

  /** Values not sent, over all fields. */
  get total(): number {
    let n = 0;
    for (const f of this.byField.values()) n += f.count;
    return n;
  }

  /** Per field, most problems first. */
  list(): FieldProblems[] {
    return [...this.byField.values()].sort((a, b) => b.count - a.count || a.field.localeCompare(b.field));
  }
}
