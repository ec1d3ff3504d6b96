// inspect.seed(): sets an account up in one call (lists, typed fields with options and relations, tags, the exclusion
// list, account bounces, contacts with their list statuses). Everything is checked first, so a bad seed changes nothing.
import { isValidEmail } from "./bulk.js";
import { InspectorError, type SeedData, type SeedResult } from "./inspect.js";
import type { SandboxCore } from "./server.js";
import { nowSeconds, type ListStatus } from "./store.js";

/** Seeds lists, fields (with options and relations), tags, exclusions, bounces and contacts; a bad seed changes nothing. */
export function seedAccount(core: SandboxCore, data: SeedData): SeedResult {
  const store = core.store;
  const now = nowSeconds();
  const result: SeedResult = { lists: [], fields: [], tags: [], created: 0, updated: 0 };
  for (const l of data.lists ?? []) result.lists.push(store.createList(typeof l === "string" ? { name: l } : l, now).id);
  for (const f of data.fields ?? []) {
    const { options, lists, ...rest } = f;
    const row = store.createField({ ...rest, type: f.type ?? "text" }, now);
    for (const o of options ?? []) store.addFieldOption(row, typeof o === "string" ? { value: o } : o, now);
    for (const l of lists ?? []) store.addFieldRel(row, l, now);
    result.fields.push(row.id);
  }
  for (const x of data.exclusions ?? []) core.account.addExclusion(typeof x === "string" ? { matchPhrase: x } : x);
  for (const e of data.bounced ?? []) core.account.bounced.add(e.toLowerCase());
  for (const t of data.tags ?? []) result.tags.push(typeof t === "string" ? store.ensureTag(t, now).id : store.createTag(t, now).id);
  const contacts = data.contacts ?? [];
  // Check everything first, so a bad seed changes nothing.
  contacts.forEach((c, i) => {
    if (typeof c.email !== "string" || !isValidEmail(c.email)) throw new InspectorError(`contacts[${i}].email is not a valid email: ${JSON.stringify(c.email)}`);
    if (c.updatedAt !== undefined && !Number.isFinite(Date.parse(c.updatedAt))) throw new InspectorError(`contacts[${i}].updatedAt must be an ISO 8601 date-time; got ${JSON.stringify(c.updatedAt)}`);
    for (const tag of Object.keys(c.fields ?? {})) if (!store.fieldByTag(tag)) throw new InspectorError(`contacts[${i}].fields: no custom field with personalization tag ${tag}`);
    for (const [listId, m] of Object.entries(c.lists ?? {})) {
      if (!store.lists.has(Number(listId))) throw new InspectorError(`contacts[${i}].lists: no list with id ${listId}`);
      const status = typeof m === "number" ? m : m?.status;
      if (status !== 0 && status !== 1 && status !== 2 && status !== 3) throw new InspectorError(`contacts[${i}].lists[${listId}].status must be 0, 1, 2 or 3`);
    }
  });
  for (const c of contacts) {
    const key = c.email.toLowerCase();
    const at = c.updatedAt === undefined ? now : Math.floor(Date.parse(c.updatedAt) / 1000);
    let id = store.byEmail.get(key);
    if (id === undefined) {
      id = store.createContact(c.email, c.firstName ?? "", c.lastName ?? "", c.phone ?? "", at, key);
      result.created++;
    } else {
      store.updateContact(id, { first: c.firstName, last: c.lastName, phone: c.phone }, at);
      result.updated++;
    }
    if (c.fields) for (const [tag, value] of Object.entries(c.fields)) store.setFieldValue(id, store.fieldByTag(tag)!, String(value));
    if (c.tags) for (const name of c.tags) store.addContactTag(id, store.ensureTag(name, now), now);
    if (c.lists) {
      for (const [listId, m] of Object.entries(c.lists)) {
        const list = store.lists.get(Number(listId))!;
        const status = (typeof m === "number" ? m : m.status) as ListStatus;
        const by = typeof m === "number" ? undefined : m.by;
        const midx = list.m.byContact.get(id);
        if (midx === undefined) store.addMembership(list, id, status, by, 0, at);
        else store.setMembershipStatus(midx, status, by, undefined, at);
      }
    }
  }
  return result;
}
