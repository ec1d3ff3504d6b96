// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. ActiveCampaign sends integer seconds; the project's
// sandbox sends decimals when time-scaled, so fractional seconds are accepted too.

/** Milliseconds to wait, or undefined when the header is absent or unusable. Dates in the past give 0. */
export function parseRetryAfter(value: string | string[] | undefined | null, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? Math.ceil(ms) : undefined;
  }
  // An HTTP date must name a weekday or month; Date.parse alone would also accept "12" or "-1".
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
