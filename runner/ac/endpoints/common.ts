// What every endpoint module gets from the client, and the few helpers they share.
import type { z } from "zod";
import type { Send } from "../paging.js";
import type { Redactor } from "../redact.js";
import { AcRequestError } from "../types.js";

export type { Send } from "../paging.js";

export interface EndpointContext {
  /** Sends one call through the retry loop. */
  send: Send;
  redact: Redactor;
}

/** An id for a path or body: a non-negative safe integer, else a RangeError naming what it is. */
export function wholeId(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number; got ${n}`);
  return String(n);
}

/** GET /contacts/{id}/<key>: one contact's list memberships ("contactLists") or tags ("contactTags"). */
export function contactChildren<K extends string, Item>(send: Send, key: K, schema: z.ZodType<{ [P in K]: Item[] }>) {
  return (contactId: number): Promise<Item[]> =>
    send<Item[]>({
      method: "GET",
      template: `/contacts/{id}/${key}`,
      path: `/contacts/${wholeId(contactId, "contact id")}/${key}`,
      ok: (json) => schema.parse(json)[key],
    });
}

export interface CreateCall<K extends string, Item> {
  /** The path, which is also its template (no ids in it). */
  path: string;
  body: unknown;
  /** The answer's key that holds the object ("contactList"). */
  key: K;
  schema: z.ZodType<{ [P in K]: Item }>;
  /** "read-back": a 422 (e.g. "already exists" after a create that was sent again) reads the object back. */
  unprocessable?: "read-back";
}

/**
 * POST that creates (or updates) one object and returns it. ActiveCampaign sometimes answers `{}` instead of the
 * object; then it is read back with `readBack`, and a missing one fails with "answered without <missing>".
 */
export async function createOrReadBack<K extends string, Item>(
  send: Send,
  create: CreateCall<K, Item>,
  readBack: () => Promise<Item | undefined>,
  missing: string,
): Promise<Item> {
  const { path, key, schema } = create;
  const result = await send<Item | undefined>({
    method: "POST",
    template: path,
    path,
    body: create.body,
    ok: (json) => {
      const r = schema.safeParse(json);
      if (r.success) return r.data[key];
      if (json && typeof json === "object" && !(key in json)) return undefined; // e.g. `{}`: read it back
      throw r.error;
    },
    ...(create.unprocessable === "read-back" && { onError: (res) => (res.status === 422 ? { value: undefined } : undefined) }),
  });
  if (result) return result;
  const found = await readBack();
  if (!found) throw new AcRequestError(`ActiveCampaign POST ${path} answered without ${missing}`, undefined, `POST ${path}`);
  return found;
}
