// GET /contacts: search, list filters, `tagid` (contacts that carry the tag), `filters[updated_after|updated_before]`
// (the contact's udate) and paging.
// Switches: a restricted key sees only the contacts of its group's lists (REAL-ACCOUNT.md F5); `orders[id]` can be
// ignored when `listid` is given (F10, rows come in subscription order); pages can slow down as the list grows
// (contactsPageDelayMs); whether a list-status change touches the contact's udate is statusChangeTouchesContact.
import { canSee, idOf, ok, paging, type ApiContext, type ApiRequest, type Handler } from "./reply.js";
import { contactJson } from "./shapes.js";
import type { MemberQuery, Store } from "./store.js";

/** Members of a list in subscription order (how a list read comes when orders[id] is ignored). */
function unordered(store: Store, listId: number, q: MemberQuery): { ids: number[]; total: number } {
  const all: number[] = [];
  for (const [contact, midx] of store.lists.get(listId)!.m.byContact) {
    if (contact > q.idGreater && (q.status < 0 || store.mStatus.at(midx) === q.status)) all.push(contact);
  }
  return { ids: all.slice(q.offset, q.offset + q.limit), total: all.length };
}

/** A date filter → epoch seconds (undefined when absent or unreadable). */
function dateParam(v: string | null): number | undefined {
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function query(ctx: ApiContext, req: ApiRequest, q: MemberQuery, listId: number): { ids: number[]; total: number } {
  const store = ctx.store;
  const params = req.query;
  const email = params.get("email");
  const emailLike = params.get("email_like");
  const group = req.group;
  const after = dateParam(params.get("filters[updated_after]"));
  const before = dateParam(params.get("filters[updated_before]"));
  const dated = after !== undefined || before !== undefined;
  // tagid: "Filter contacts associated with the given tag" (the spec's list-all-contacts); an unknown tag has none.
  const tagParam = params.get("tagid");
  const tagged = tagParam !== null && tagParam !== "" ? (store.tags.get(idOf(tagParam) ?? -1)?.links ?? new Map<number, number>()) : undefined;
  // Filters combine: `status` filters the list status when `listid` is given (any list's status otherwise).
  const keep = (id: number): boolean => {
    if (id <= q.idGreater) return false;
    if (tagged && !tagged.has(id)) return false;
    if (dated) {
      const u = store.cUdate.at(id - 1);
      // Seconds resolution: `updated_after` keeps contacts updated in or after that second, `updated_before` before it.
      if ((after !== undefined && u < after) || (before !== undefined && u >= before)) return false;
    }
    if (group && ![...group.lists].some((l) => store.membership(l, id) !== undefined)) return false;
    if (listId !== 0) {
      const midx = store.membership(listId, id);
      if (midx === undefined) return false;
      if (q.status >= 0 && store.mStatus.at(midx) !== q.status) return false;
    } else if (q.status >= 0 && !store.contactMemberships(id).some((m) => store.mStatus.at(m) === q.status)) {
      return false;
    }
    return true;
  };
  const page = (all: number[]) => ({ ids: all.slice(q.offset, q.offset + q.limit), total: all.length });
  if (listId > 0 && !canSee(req, listId)) return { ids: [], total: 0 };
  if (email !== null) {
    const id = store.contactId(email);
    return page(id !== undefined && keep(id) ? [id] : []);
  }
  if (tagged) {
    const all = [...tagged.keys()].filter((id) => store.hasContact(id) && keep(id)).sort((a, b) => (q.desc ? b - a : a - b));
    return page(all);
  }
  if (listId > 0 && (group || dated)) {
    const list = store.lists.get(listId);
    const all = list ? [...list.m.byContact.keys()].filter(keep).sort((a, b) => (q.desc ? b - a : a - b)) : [];
    return page(all);
  }
  if (emailLike !== null || ((group || dated) && listId === 0)) {
    const needle = (emailLike ?? "").toLowerCase();
    const all: number[] = [];
    for (const [key, id] of store.byEmail) if (key.includes(needle) && keep(id)) all.push(id);
    all.sort((a, b) => (q.desc ? b - a : a - b));
    return page(all);
  }
  if (listId !== 0) {
    const list = store.lists.get(listId);
    if (!list) return { ids: [], total: 0 };
    if (ctx.rules.listOrderIgnored && params.get("orders[id]") !== null) return unordered(store, listId, q);
    return store.queryList(list, q);
  }
  return store.queryAll(q);
}

export const getContacts: Handler = (ctx, req) => {
  const q = req.query;
  const { limit, offset } = paging(q);
  const rawStatus = q.get("status");
  const status = rawStatus !== null && /^-?\d+$/.test(rawStatus.trim()) ? Number(rawStatus) : -1;
  const st = status >= 0 && status <= 3 ? status : -1;
  const idGreater = Number(q.get("id_greater") ?? 0);
  const ig = Number.isFinite(idGreater) && idGreater > 0 ? Math.floor(idGreater) : 0;
  const desc = (q.get("orders[id]") ?? "").toUpperCase() === "DESC";
  const listParam = q.get("listid");
  const listId = listParam !== null && listParam !== "" ? (idOf(listParam) ?? -1) : 0;
  const tagId = idOf(q.get("tagid") ?? "") ?? 0;
  const { ids, total } = query(ctx, req, { status: st, idGreater: ig, offset, limit, desc }, listId);
  const size = listId > 0 ? (ctx.store.lists.get(listId)?.m.byContact.size ?? 0) : ctx.store.liveContacts;
  const delayMs = (ctx.rules.contactsPageDelayMs * size) / 10_000 / ctx.rules.timeScale;
  return {
    ...ok({
      scoreValues: [],
      contacts: ids.map((id) => contactJson(ctx.store, id, ctx.api)),
      meta: {
        total: String(total),
        page_input: { segmentid: null, formid: 0, listid: listId > 0 ? listId : 0, tagid: tagId, limit, offset, search: null, sort: null, seriesid: 0, waitid: 0, status: st, forceQuery: 0, cacheid: "" },
      },
    }),
    ...(delayMs > 0 && { delayMs }),
  };
};
