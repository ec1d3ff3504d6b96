// Email normalization and validation. A single address ActiveCampaign refuses rejects a whole bulk batch of 250
// (FACTS.md §5.3), so anything it might refuse is rejected here, with a reason a person can act on.
// A single pass over character codes, no regular expressions: this runs once per row (1,000,000 rows a run), and
// the runner's regexps run interpreted (see runner/v8-regexp-workaround.ts).

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

/** Characters allowed in a dot-atom local part besides letters and digits (RFC 5322 atext). */
const LOCAL_SPECIALS = "!#$%&'*+/=?^_`{|}~-";
const LOCAL_OK = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  LOCAL_OK[c] = (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || LOCAL_SPECIALS.includes(ch) ? 1 : 0;
}
const APOSTROPHE = 39;
/**
 * REAL-ACCOUNT.md F14. Rejected here rather than sent and left to ActiveCampaign's refusal:
 * - AC's own import-status example lists `invalid'character@example.com` under `failure`, naming the apostrophe as
 *   the invalid character; no source shows AC accepting one (RFC 5322 allows it, so this validator used to).
 * - Sent, such an address lands in an import's `failure` "with no reason", which the bulk path treats as transient
 *   (re-sent on every run, every run exits 3); in a batch AC rejects at POST it costs a re-send of the batch without
 *   it. Rejected here it costs no request, and the report says what to do.
 * - The cost of being wrong: an address AC would have taken stays off the list, reported by row with this reason.
 *   Should AC prove to accept apostrophes, drop this check: the refusal memory (REFUSED_BY_AC) then handles refusals.
 */
export const APOSTROPHE_REASON =
  "ActiveCampaign refuses apostrophes in the local part (before @) of an address (its documentation lists invalid'character@example.com as a failed import)";

const isLetter = (c: number) => c >= 97 && c <= 122;
const isLabelChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c === 45;

const fail = (reason: string): EmailCheck => ({ ok: false, reason });

function checkDomain(email: string, start: number): string | null {
  if (email.charCodeAt(email.length - 1) === 46) return "email's domain ends with a dot";
  const bad = "email's domain is not a valid domain name";
  let labels = 0;
  let labelStart = start;
  for (let i = start; i <= email.length; i++) {
    const c = i < email.length ? email.charCodeAt(i) : 46;
    if (c !== 46) {
      if (!isLabelChar(c)) return bad;
      continue;
    }
    const len = i - labelStart;
    if (len < 1 || len > 63) return bad;
    if (email.charCodeAt(labelStart) === 45 || email.charCodeAt(i - 1) === 45) return bad;
    labels++;
    if (i === email.length) {
      // The top-level domain: letters (2-63), or an IDN "xn--" label.
      const tld = email.slice(labelStart, i);
      if (!tld.startsWith("xn--")) for (let j = labelStart; j < i; j++) if (!isLetter(email.charCodeAt(j))) return bad;
      if (len < 2) return bad;
    }
    labelStart = i + 1;
  }
  return labels < 2 ? bad : null;
}

const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isUnicodeSpace = (c: number) =>
  c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x1680 || c === 0x202f || c === 0x205f;

/** Trim ASCII white space only: what String.trim() also removes (NBSP, U+FEFF, ...) is part of the address and refused. */
function trimAscii(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isAsciiSpace(s.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** The address normalized (lower-cased), or why it is refused. */
export function normalizeEmail(raw: string | undefined): EmailCheck {
  const email = commonEmail(raw);
  return email !== undefined ? { ok: true, email } : checkEmail(raw);
}

/**
 * The normalized address, or undefined when it is refused (normalizeEmail says why): the per-row path, which
 * allocates nothing for a common address beyond its lower-case copy when it has capitals.
 */
export function validEmail(raw: string | undefined): string | undefined {
  const email = commonEmail(raw);
  if (email !== undefined) return email;
  const check = checkEmail(raw);
  return check.ok ? check.email : undefined;
}

/**
 * One pass that accepts only the common shape: no padding, printable ASCII, one @, dot-atom local part without
 * apostrophes, a domain of letter/digit/hyphen labels under a top-level domain of letters. It returns what
 * checkEmail would return for such an address, and undefined for anything else (checkEmail then decides and says
 * why), so it never changes a decision; test/runner/sync/email.test.ts compares the two on generated addresses.
 */
function commonEmail(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const n = raw.length;
  if (n > 254) return undefined;
  let upper = false;
  let at = -1;
  let prev = 64; // as if after an "@": a leading dot is refused
  let labelStart = 0;
  let tldLetters = true;
  let labels = 0;
  for (let i = 0; i < n; i++) {
    let c = raw.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      upper = true;
      c |= 32;
    }
    if (at < 0) {
      if (c === 64) {
        if (i === 0 || i > 64 || prev === 46) return undefined;
        at = i;
        labelStart = i + 1;
      } else if (c === 46) {
        if (prev === 46 || prev === 64) return undefined;
      } else if (c > 127 || c === APOSTROPHE || LOCAL_OK[c] !== 1) return undefined;
    } else if (c === 46) {
      // The end of a domain label: 1-63 characters, no hyphen at either end.
      if (i - labelStart < 1 || i - labelStart > 63 || prev === 45 || raw.charCodeAt(labelStart) === 45) return undefined;
      labels++;
      labelStart = i + 1;
      tldLetters = true;
    } else if ((c >= 97 && c <= 122) || c === 45 || (c >= 48 && c <= 57)) {
      if (c < 97) tldLetters = false;
    } else return undefined;
    prev = c;
  }
  const tld = n - labelStart;
  if (at < 0 || labels < 1 || !tldLetters || tld < 2 || tld > 63) return undefined;
  return upper ? raw.toLowerCase() : raw;
}

/** Every rule, with the reason a person can act on; the reference for commonEmail. */
export function checkEmail(raw: string | undefined): EmailCheck {
  const trimmed = trimAscii(raw ?? "");
  if (trimmed.length === 0) return fail("email is empty");
  let at = -1;
  let ats = 0;
  // Every character is checked BEFORE lower-casing: some non-ASCII characters lower-case into ASCII letters
  // (U+212A KELVIN SIGN into "k", U+0130 into "i" + a combining dot), which would turn one address into another's.
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    // Reasons name no character: the report groups rows by reason.
    if (isAsciiSpace(c) || isUnicodeSpace(c) || c === 0xfeff) return fail("email contains spaces");
    if (c < 0x21 || c > 0x7e) return fail("email contains non-ASCII characters (internationalized addresses are not accepted)");
    if (c === 64) {
      at = i;
      ats++;
    }
  }
  const email = trimmed.toLowerCase();
  if (email.length > 254) return fail("email is longer than 254 characters");
  if (at < 0) return fail("email has no @");
  if (email.charCodeAt(0) === 34) return fail("email has a quoted local part (not accepted)");
  if (ats > 1) return fail("email has more than one @");
  if (at === 0 || at > 64) return fail("email's local part (before @) must be 1-64 characters");
  for (let i = 0; i < at; i++) {
    const c = email.charCodeAt(i);
    if (c === APOSTROPHE) return fail(APOSTROPHE_REASON);
    const dot = c === 46;
    if (dot ? i === 0 || i === at - 1 || email.charCodeAt(i - 1) === 46 : !LOCAL_OK[c]) {
      return fail("email's local part (before @) has invalid characters or dots");
    }
  }
  const domainProblem = checkDomain(email, at + 1);
  return domainProblem ? fail(domainProblem) : { ok: true, email };
}
