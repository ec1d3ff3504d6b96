// /users/me, /lists and /lists/exclusions.
import { canSee, forbiddenList, idOf, meta, missingAttribute, notFound, ok, paging, emptyBadRequest, wrapped, type Handler } from "./reply.js";
import { listJson, userJson } from "./shapes.js";

export const usersMe: Handler = (ctx) => ok({ user: userJson(ctx.api) });

export const getLists: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  const name = req.query.get("filters[name]")?.toLowerCase();
  // A restricted key lists only the lists its group may see.
  let rows = [...ctx.store.lists.values()].filter((l) => canSee(req, l.id));
  if (name) rows = rows.filter((l) => l.name.toLowerCase().includes(name));
  const order = req.query.get("orders[name]")?.toUpperCase();
  if (order === "ASC" || order === "DESC") rows.sort((a, b) => a.name.localeCompare(b.name) * (order === "ASC" ? 1 : -1));
  return ok({ lists: rows.slice(offset, offset + limit).map((l) => listJson(l, ctx.api)), meta: meta(rows.length) });
};

export const getList: Handler = (ctx, req, [id]) => {
  const list = ctx.store.lists.get(idOf(id) ?? -1);
  if (list && !canSee(req, list.id)) return forbiddenList();
  return list ? ok({ list: listJson(list, ctx.api) }) : notFound("_List", id ?? "");
};

export const postList: Handler = (ctx, req) => {
  const l = wrapped(req, "list");
  if (!l) return emptyBadRequest();
  // Required by the API reference: name, stringid, sender_url, sender_reminder.
  for (const attr of ["name", "stringid", "sender_url", "sender_reminder"]) {
    if (typeof l[attr] !== "string" || (l[attr] as string).trim() === "") return missingAttribute(attr);
  }
  const list = ctx.store.createList({ name: l.name as string, stringid: l.stringid as string, senderUrl: l.sender_url as string, senderReminder: l.sender_reminder as string });
  return ok({ list: listJson(list, ctx.api) });
};

/** GET /lists/exclusions (lists.yml): the account's exclusion list, `filters[matchPhrase]` as "contains". */
export const getExclusions: Handler = (ctx, req) => {
  const { limit, offset } = paging(req.query);
  const phrase = req.query.get("filters[matchPhrase]")?.toLowerCase();
  const rows = ctx.account.exclusions.filter((x) => !phrase || x.matchPhrase.includes(phrase));
  return ok({
    exclusions: rows.slice(offset, offset + limit).map((x) => ({ id: String(x.id), matchPhrase: x.matchPhrase, matchType: x.matchType, channel: x.lists.length ? "several" : "allEmail", hidden: false, lists: x.lists.map(String) })),
    meta: { total: rows.length },
  });
};
