// Masks what looks like a secret wherever it stands in a string, whether or not it is the key this run was given:
// an error quoting what the runner read may carry another key (a colleague's, a mixed-up variable) into a report.
//   - ActiveCampaign API keys: long runs of hex digits. AC documents no format (FACTS.md shows only the placeholder
//     "123abc-def-ghi"); keys seen in the wild are 64-72 hex digits, so any run of 32 or more is masked.
//   - Azure SAS tokens: the value of `sig=` (the signature; the other parameters are not secret).
//   - Azure storage account keys and connection strings: the value of `AccountKey=` / `SharedAccessSignature=`.
//   - Any value after `Api-Token:` or `AC_API_KEY=`.
//   - The exact secrets passed in (e.g. the AC_API_KEY of this run), also URL-encoded.

export const MASK = "***";
const MIN_HEX_RUN = 32;

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isWord = (c: number) => isHex(c) || (c >= 103 && c <= 122) || (c >= 71 && c <= 90) || c === 95;

/** Mask every run of MIN_HEX_RUN or more hex digits that is not part of a longer word. A scan, no regexp. */
function maskHexRuns(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; ) {
    if (!isHex(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && isHex(text.charCodeAt(j))) j++;
    if (j - i >= MIN_HEX_RUN) {
      out += text.slice(from, i) + MASK;
      from = j;
    }
    i = j;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Characters of a base64 (or URL-encoded base64) value: a SAS signature or an account key. */
const isBase64 = (c: number) => isWord(c) || c === 43 || c === 47 || c === 61 || c === 37 || c === 45;

/** Labels whose value (up to a delimiter) is secret. Matched case-insensitively. */
const LABELS = ["sig=", "accountkey=", "sharedaccesssignature=", "api-token:", "ac_api_key="];
const VALUE_END = new Set([" ", "\t", "\r", "\n", "&", ";", ",", '"', "'", "<", ">", ")", "]", "}", "`"]);

function maskLabelled(text: string): string {
  const lower = text.toLowerCase();
  if (!LABELS.some((l) => lower.includes(l))) return text;
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const label = LABELS.find((l) => lower.startsWith(l, i));
    if (!label) continue;
    // "sig=" must not be the tail of another parameter name ("xsig=").
    if (i > 0 && isWord(text.charCodeAt(i - 1)) && label === "sig=") continue;
    let start = i + label.length;
    while (start < text.length && (text[start] === " " || text[start] === "\t")) start++;
    let end = start;
    const base64 = label === "sig=" || label === "accountkey=";
    while (end < text.length && (base64 ? isBase64(text.charCodeAt(end)) : !VALUE_END.has(text[end]!))) end++;
    if (end === start) continue;
    out += text.slice(from, start) + MASK;
    from = end;
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** `text` with every secret-looking value and every one of `known` (4+ characters) replaced by `***`. */
export function maskSecrets(text: string, known: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of known) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(MASK);
  }
  return maskLabelled(maskHexRuns(out));
}
