// Matching source values to a field's options: by value or by label, ignoring case and surrounding spaces, always
// sending the option's value (what ActiveCampaign stores). Built once per field, looked up per row.
import type { FieldOption } from "./types.js";

export class OptionIndex {
  private readonly byKey = new Map<string, string>();

  constructor(readonly options: readonly FieldOption[]) {
    // Values win over labels: a label equal to another option's value must not shadow that value.
    for (const o of options) this.byKey.set(o.label.trim().toLowerCase(), o.value);
    for (const o of options) this.byKey.set(o.value.trim().toLowerCase(), o.value);
  }

  /** The option value that `text` names, or undefined. */
  match(text: string): string | undefined {
    return this.byKey.get(text.trim().toLowerCase());
  }

  /** The option values, for messages (at most 10). */
  describe(): string {
    const shown = this.options.slice(0, 10).map((o) => JSON.stringify(o.value));
    return this.options.length ? `${shown.join(", ")}${this.options.length > 10 ? `, … (${this.options.length} in all)` : ""}` : "none";
  }
}

/** ActiveCampaign's multi-value form: ||a||b|| (one value: ||a||; none: the empty string). */
export function multiValue(values: readonly string[]): string {
  return values.length ? `||${values.join("||")}||` : "";
}
