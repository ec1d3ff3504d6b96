// Response shapes of the endpoints the client uses (FACTS.md §3-§7). IDs and counts arrive as strings and leave as
// numbers. Schemas are loose (unknown keys pass) and tolerant where the API is known to be sloppy (empty `{}` bodies,
// `status: false` on import/info, `Success` with a capital S on bulk 200).
import { z } from "zod";

/** "113" or 113 → 113 (a non-negative safe integer). */
export const num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    ctx.issues.push({ code: "custom", input: v, message: `expected a whole number; got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const optionalNum = z.union([num, z.null()]).optional().transform((v) => (v === null ? undefined : v));
const optionalText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === "" ? undefined : v));

const meta = z.looseObject({ total: num.optional() }).optional();

export const listResponse = z.looseObject({ list: z.looseObject({ id: num, name: z.string() }) });

/** Entries that parse; others are dropped (a sideload with an odd entry must not fail the preflight, F13). */
const lenientArray = <T extends z.ZodType>(item: T) =>
  z.array(z.unknown()).transform((items) => items.flatMap((x) => {
    const r = item.safeParse(x);
    return r.success ? [r.data as z.output<T>] : [];
  }));
/** Ids of a field's `options` / `relations` arrays ("12" or 12; objects with an id also seen in the wild). */
const idList = z
  .array(z.unknown())
  .transform((items) => items.flatMap((x) => {
    const r = num.safeParse(typeof x === "object" && x !== null ? (x as { id?: unknown }).id : x);
    return r.success ? [r.data] : [];
  }))
  .nullish()
  .catch(undefined);

const fieldRow = z.looseObject({
  id: num,
  title: z.string().nullish().transform((v) => v ?? ""),
  perstag: z.string().nullish(),
  type: z.string().nullish(),
  options: idList,
  relations: idList,
});
const text = z.union([z.string(), z.number()]).transform(String);
export const fieldOptionEntry = z
  .looseObject({ id: num.optional(), field: num, value: text, label: text.nullish() })
  .transform((o) => ({ ...(o.id !== undefined && { id: o.id }), field: o.field, value: o.value, label: o.label ?? o.value }));
/** A field-list relation; relid 0 is every list. */
export const fieldRelEntry = z.looseObject({ id: num.optional(), field: num, relid: num });
const sideloads = { fieldOptions: lenientArray(fieldOptionEntry).nullish().catch(undefined), fieldRels: lenientArray(fieldRelEntry).nullish().catch(undefined) };

export const fieldsResponse = z.looseObject({ fields: z.array(fieldRow).default([]), ...sideloads, meta });
/** GET /fields/{id}: the field with its options and relations sideloaded (fields.yml). */
export const fieldResponse = z.looseObject({ field: fieldRow, ...sideloads });
export const fieldOptionsResponse = z.looseObject({ fieldOptions: lenientArray(fieldOptionEntry).default([]) });
/** POST /fields: `{"field":{…}}` (the sandbox, AC's other create answers) or `{"fields":[…]}` (fields.yml's example). */
export const fieldCreatedResponse = z.looseObject({ field: fieldRow.optional(), fields: z.array(fieldRow).optional() });
export type FieldRow = z.output<typeof fieldRow>;

export const contact = z
  .looseObject({ id: num, email: z.string(), firstName: optionalText, lastName: optionalText, phone: optionalText })
  .transform((c) => ({
    id: c.id,
    email: c.email,
    ...(c.firstName !== undefined && { firstName: c.firstName }),
    ...(c.lastName !== undefined && { lastName: c.lastName }),
    ...(c.phone !== undefined && { phone: c.phone }),
  }));

export const contactSyncResponse = z.looseObject({ contact });
export const contactsResponse = z.looseObject({ contacts: z.array(contact).default([]), meta });

export const contactList = z
  .looseObject({ id: num, contact: num, list: num, status: num, sourceid: optionalNum })
  .transform((c) => ({
    id: c.id,
    contact: c.contact,
    list: c.list,
    status: c.status,
    ...(c.sourceid !== undefined && { sourceid: c.sourceid }),
  }));
export const contactListsResponse = z.looseObject({ contactLists: z.array(contactList).default([]) });
export const contactListResponse = z.looseObject({ contactList });

export const tagsResponse = z.looseObject({
  tags: z.array(z.looseObject({ id: num, tag: z.string() })).default([]),
  meta,
});

/** POST /tags: `{"tag":{…,"id":"16"}}` (FACTS.md §6). */
export const tagResponse = z.looseObject({ tag: z.looseObject({ id: num, tag: z.string() }).transform((t) => ({ id: t.id, tag: t.tag })) });

const contactTag = z
  .looseObject({ id: num, contact: num, tag: num })
  .transform((t) => ({ id: t.id, contact: t.contact, tag: t.tag }));
export const contactTagsResponse = z.looseObject({ contactTags: z.array(contactTag).default([]) });
export const contactTagResponse = z.looseObject({ contactTag });

const IMPORT_STATUSES = ["waiting", "claimed", "active", "completed", "failed", "interrupted"] as const;
export const importInfoResponse = z.looseObject({
  // Polled too early, the status is `false` (a boolean); an empty `{}` means the same: nothing to report yet.
  status: z.union([z.literal(false), z.enum(IMPORT_STATUSES)]).default(false),
  success: z.array(z.union([z.string(), z.number()]).transform(String)).nullish().transform((v) => v ?? []),
  failure: z.array(z.union([z.string(), z.number()]).transform(String)).nullish().transform((v) => v ?? []),
});

/** 200: `{"Success":1,"queued_contacts":1,"batchId":"…","message":"Contact import queued"}` */
export const bulkQueuedResponse = z.looseObject({ batchId: z.union([z.string().min(1), z.number()]).transform(String) });

/** 400: `{"success":0,"message":"…","failureReasons":[{"contact":230,"failureReason":"…"}]}` or strings. */
export const bulkFailureResponse = z.looseObject({
  success: z.unknown().optional(),
  message: z.string().optional(),
  failureReasons: z
    .array(
      z.union([
        z.string(),
        z
          .looseObject({ contact: z.union([num, z.null()]).optional(), failureReason: z.unknown().optional() })
          .transform((r) => ({
            ...(typeof r.contact === "number" && { contact: r.contact }),
            failureReason: typeof r.failureReason === "string" ? r.failureReason : JSON.stringify(r.failureReason ?? null),
          })),
      ]),
    )
    .optional(),
});

/** Best-effort human message from any of the API's error shapes (FACTS.md §7). */
export function errorMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const b = body as { message?: unknown; errors?: unknown; failureReasons?: unknown };
  if (Array.isArray(b.errors)) {
    const parts = b.errors
      .map((e) => {
        if (typeof e !== "object" || e === null) return String(e);
        const { title, detail, code } = e as { title?: unknown; detail?: unknown; code?: unknown };
        return [title, detail, code ? `(${String(code)})` : ""].filter((x) => typeof x === "string" && x).join(" ");
      })
      .filter(Boolean);
    if (parts.length) return parts.join("; ");
  }
  if (typeof b.message === "string" && b.message) return b.message;
  return undefined;
}
