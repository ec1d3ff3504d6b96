// How a mapped field's conversion reads in words, for `plan`, the run report and `ac-export review` (issue #11):
// the same phrases wherever a person checks what will be sent.
import type { ConversionOptions } from "../values/types.js";

/**
 * What a value of a field of this type becomes, with the mapping's options. `type` undefined: the simple form read
 * offline, whose type only ActiveCampaign knows.
 */
export function conversionWords(type: string | undefined, c: ConversionOptions): string {
  const zone = c.timeZone ?? "UTC";
  const formats = c.dateFormats?.length ? `; text dates also as ${c.dateFormats.join(", ")}` : "";
  const booleans = c.booleans ? `; true/false → ${JSON.stringify(c.booleans.true)}/${JSON.stringify(c.booleans.false)}` : "";
  switch (type) {
    case undefined:
      return "type from ActiveCampaign at run time";
    case "date":
      return `YYYY-MM-DD; timestamps without a zone read in ${zone}${formats}`;
    case "datetime":
      return `ISO 8601 with offset, no milliseconds; values without a zone read in ${zone}${formats}`;
    case "dropdown":
    case "radio":
      return `one option's value, matched by value or label ignoring case${booleans}`;
    case "checkbox":
    case "listbox":
      return `||a||b|| from a list or text split on ${JSON.stringify(c.separator ?? ",")}; each must match an option${booleans}`;
    default:
      return "text as given (numbers without float noise or exponents)";
  }
}
