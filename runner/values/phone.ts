// Phone numbers to E.164 (+13125555555), which ActiveCampaign's SMS features need (REAL-ACCOUNT.md F18).
// libphonenumber-js: Google's libphonenumber rules and metadata, kept current with the numbering plans; writing
// that ourselves would be wrong within months. The "max" metadata validates number ranges, not only lengths.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import type { Converted } from "./types.js";

/** True for an ISO 3166-1 alpha-2 code that libphonenumber knows ("US", "NL"…). */
export function isPhoneCountry(code: string): boolean {
  return isSupportedCountry(code);
}

/** A phone number in E.164, read with `defaultCountry` when it has no +country prefix (without one, it needs it). */
export function toE164(text: string, defaultCountry?: string): Converted {
  const trimmed = text.trim();
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : {});
  if (!parsed || !parsed.isValid()) {
    const shown = trimmed.length > 30 ? `${trimmed.slice(0, 27)}…` : trimmed;
    const how = defaultCountry ? `default country ${defaultCountry}` : "no default country, so it needs its +country code";
    return { ok: false, reason: `${JSON.stringify(shown)} is not a valid phone number (${how})` };
  }
  return { ok: true, value: parsed.number };
}
