// Keeping the API key out of everything the client keeps or reports: errors, events, rejection reasons. Every text
// that came from the server passes through here, because a server may echo the key back.
import type { AcResponse } from "./call.js";

/** Shorter keys would match ordinary text; a key that short cannot be redacted meaningfully. */
const MIN_REDACTABLE_KEY = 4;
const SHORT_MESSAGE_CHARS = 300;
const EXCERPT_CHARS = 200;
const TITLE_CHARS = 120;
/** A JSON error body larger than this is kept as an excerpt. */
const MAX_KEPT_BODY_CHARS = 2000;

export interface Redactor {
  /** The text with every occurrence of the key replaced by "***". */
  scrub(text: string): string;
  /** A server-provided message, scrubbed, on one line, cut to a readable length. */
  short(text: string): string;
  /** A JSON-able value with the key replaced wherever it appears (for things that came from the server). */
  scrubDeep<T>(value: T): T;
  /** A body for a message: an HTML page by its title, anything else flattened and cut. */
  excerpt(res: Pick<AcResponse, "text" | "body">): string;
  /** The body an AcRequestError carries: parsed JSON (or an excerpt when large or not JSON), scrubbed. */
  safeBody(res: AcResponse): unknown;
}

export function createRedactor(apiKey: string): Redactor {
  const scrub = (text: string): string => (apiKey.length >= MIN_REDACTABLE_KEY ? text.split(apiKey).join("***") : text);
  const cut = (flat: string, max: number): string => (flat.length > max ? `${flat.slice(0, max)}…` : flat);
  const excerpt = (res: Pick<AcResponse, "text" | "body">): string => {
    // Scrub before cutting, so a cut can never leave half a key behind.
    const text = scrub(res.text);
    if (res.body === "html") {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim();
      return `HTML page${title ? ` "${title.slice(0, TITLE_CHARS)}"` : ""}`;
    }
    return cut(text.replace(/\s+/g, " ").trim(), EXCERPT_CHARS);
  };
  return {
    scrub,
    short: (text) => cut(scrub(text).replace(/\s+/g, " ").trim(), SHORT_MESSAGE_CHARS),
    scrubDeep: <T,>(value: T): T => JSON.parse(scrub(JSON.stringify(value))) as T,
    excerpt,
    safeBody(res) {
      if (res.body !== "json") return res.text ? excerpt(res) : undefined;
      try {
        const s = JSON.stringify(res.json);
        return JSON.parse(scrub(s.length > MAX_KEPT_BODY_CHARS ? JSON.stringify(excerpt(res)) : s));
      } catch {
        return undefined;
      }
    },
  };
}
