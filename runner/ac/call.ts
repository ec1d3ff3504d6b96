// What one API call is, as the layers pass it down: the endpoints describe calls, the retry loop sends them through
// the transport and asks the decision (decide.ts) what each answer means.
import type { SlotKind } from "./rate-budget.js";

export type Method = "GET" | "POST" | "DELETE";

/** How a body read as: JSON, nothing, an HTML page (a proxy or gateway), or something unreadable (cut short). */
export type BodyKind = "json" | "empty" | "html" | "invalid";

/** One HTTP answer, body read in full and classified (transport.ts). */
export interface AcResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON, when the body is JSON. */
  json: unknown;
  body: BodyKind;
}

export interface Call<T> {
  method: Method;
  /** Path template for stats, events and errors: "/contacts/{id}/contactLists". */
  template: string;
  /** Real path under the base URL, with query string. */
  path: string;
  body?: unknown;
  slot?: SlotKind;
  /** 2xx: the result. Absent: any 2xx body is fine and the result is undefined. */
  ok?: (json: unknown) => T;
  /** Non-2xx statuses a call turns into a result (e.g. 404 → null). Return undefined for the default handling. */
  onError?: (res: AcResponse) => { value: T } | undefined;
}

/** "METHOD /template": how stats, events and errors name an endpoint (never the real path, which may hold an email). */
export function endpointOf(call: Pick<Call<unknown>, "method" | "template">): string {
  return `${call.method} ${call.template}`;
}

/** Bulk imports count against the bulk rate limit and may be queued by a request whose answer was lost. */
export function isBulk(call: Pick<Call<unknown>, "slot">): boolean {
  return call.slot === "bulk" || call.slot === "bulk-single";
}
