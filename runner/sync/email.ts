// Email normalization and validation. A single address ActiveCampaign refuses rejects a whole bulk batch of 250
// (FACTS.md §5.3), so anything it might refuse is rejected here, with a reason a person can act on.

const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

export function normalizeEmail(raw: string | undefined): EmailCheck {
  const email = (raw ?? "").trim().toLowerCase();
  if (email.length === 0) return { ok: false, reason: "email is empty" };
  if (/\s/.test(email)) return { ok: false, reason: "email contains spaces" };
  if (/[^\x21-\x7e]/.test(email)) return { ok: false, reason: "email contains non-ASCII characters (internationalized addresses are not accepted)" };
  if (email.length > 254) return { ok: false, reason: "email is longer than 254 characters" };
  const at = email.lastIndexOf("@");
  if (at < 0) return { ok: false, reason: "email has no @" };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.startsWith('"')) return { ok: false, reason: "email has a quoted local part (not accepted)" };
  if (local.includes("@")) return { ok: false, reason: "email has more than one @" };
  if (local.length === 0 || local.length > 64) return { ok: false, reason: "email's local part (before @) must be 1-64 characters" };
  if (!LOCAL.test(local)) return { ok: false, reason: "email's local part (before @) has invalid characters or dots" };
  if (domain.endsWith(".")) return { ok: false, reason: "email's domain ends with a dot" };
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1]!)) {
    return { ok: false, reason: "email's domain is not a valid domain name" };
  }
  return { ok: true, email };
}
