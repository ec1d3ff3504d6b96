// JSON shapes of the API v3 resources as ActiveCampaign returns them (OpenAPI examples, FACTS.md §1): resource-named
// wrappers, ids and counts as strings, dates as ISO strings with an offset, `links` to sub-resources.
import { type FieldOption, type FieldRel, type FieldRow, type ListRow, type Store, type TagRow } from "./store.js";

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Seconds since the epoch → "2024-05-01T10:00:00-00:00" (ActiveCampaign sends the account's offset; ours is UTC). */
export function isoDate(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}-00:00`;
}

/** Seconds → "2024-05-01 10:00:00" (the *_timestamp columns). */
export function sqlDate(sec: number): string {
  return isoDate(sec).slice(0, 19).replace("T", " ");
}

export function dayOf(sec: number): string {
  return isoDate(sec).slice(0, 10);
}

const CONTACT_LINKS = [
  "bounceLogs",
  "contactAutomations",
  "contactData",
  "contactGoals",
  "contactLists",
  "contactLogs",
  "contactTags",
  "contactDeals",
  "deals",
  "fieldValues",
  "geoIps",
  "notes",
  "organization",
  "plusAppend",
  "trackingLogs",
  "scoreValues",
  "accountContacts",
  "automationEntryCounts",
] as const;

export function contactJson(store: Store, id: number, api: string): Record<string, unknown> {
  const i = id - 1;
  const email = store.emails[i] as string;
  const cdate = store.cCdate.at(i);
  const udate = store.cUdate.at(i);
  const at = email.indexOf("@");
  const links: Record<string, string> = {};
  for (const l of CONTACT_LINKS) links[l] = `${api}/contacts/${id}/${l}`;
  return {
    cdate: isoDate(cdate),
    email,
    phone: store.phones[i] ?? "",
    firstName: store.firsts[i] ?? "",
    lastName: store.lasts[i] ?? "",
    orgid: "0",
    orgname: "",
    segmentio_id: "",
    bounced_hard: "0",
    bounced_soft: "0",
    bounced_date: null,
    ip: "0",
    ua: null,
    hash: (id * 2654435761 >>> 0).toString(16).padStart(8, "0").repeat(4),
    socialdata_lastcheck: null,
    email_local: email.slice(0, at),
    email_domain: email.slice(at + 1),
    sentcnt: "0",
    rating_tstamp: null,
    gravatar: "0",
    deleted: "0",
    anonymized: "0",
    adate: null,
    udate: isoDate(udate),
    edate: null,
    deleted_at: null,
    created_utc_timestamp: sqlDate(cdate),
    updated_utc_timestamp: sqlDate(udate),
    created_timestamp: sqlDate(cdate),
    updated_timestamp: sqlDate(udate),
    created_by: null,
    updated_by: null,
    email_empty: false,
    mpp_tracking: "0",
    scoreValues: [],
    accountContacts: [],
    links,
    id: String(id),
    organization: null,
  };
}

export function listJson(l: ListRow, api: string): Record<string, unknown> {
  return {
    stringid: l.stringid,
    userid: "1",
    name: l.name,
    cdate: isoDate(l.cdate),
    p_use_tracking: "1",
    p_use_analytics_read: "0",
    p_use_analytics_link: "0",
    p_use_twitter: "0",
    p_use_facebook: "0",
    p_embed_image: "1",
    p_use_captcha: "1",
    send_last_broadcast: "0",
    private: "0",
    analytics_domains: null,
    analytics_source: "",
    analytics_ua: "",
    twitter_token: "",
    twitter_token_secret: "",
    facebook_session: null,
    carboncopy: null,
    subscription_notify: null,
    unsubscription_notify: null,
    require_name: "0",
    get_unsubscribe_reason: "0",
    to_name: "Subscriber",
    optinoptout: "1",
    sender_name: "",
    sender_addr1: "",
    sender_addr2: "",
    sender_city: "",
    sender_state: "",
    sender_zip: "",
    sender_country: "",
    sender_phone: "",
    sender_url: l.senderUrl,
    sender_reminder: l.senderReminder,
    fulladdress: "",
    optinmessageid: "0",
    optoutconf: "0",
    deletestamp: null,
    udate: isoDate(l.udate),
    links: {
      contactGoalLists: `${api}/lists/${l.id}/contactGoalLists`,
      user: `${api}/lists/${l.id}/user`,
      addressLists: `${api}/lists/${l.id}/addressLists`,
    },
    id: String(l.id),
    user: "1",
  };
}

export function fieldJson(f: FieldRow, api: string): Record<string, unknown> {
  return {
    title: f.title,
    descript: f.descript,
    type: f.type,
    isrequired: f.isrequired ? "1" : "0",
    perstag: f.perstag,
    defval: f.defval,
    show_in_list: "0",
    rows: "0",
    cols: "0",
    visible: f.visible ? "1" : "0",
    service: "",
    ordernum: String(f.ordernum),
    cdate: isoDate(f.cdate),
    udate: isoDate(f.udate),
    options: f.options.map((o) => String(o.id)),
    relations: f.rels.map((r) => String(r.id)),
    links: { options: `${api}/fields/${f.id}/options`, relations: `${api}/fields/${f.id}/relations` },
    id: String(f.id),
  };
}

/** A field option as POST /fieldOption/bulk answers it (fields.yml). */
export function fieldOptionJson(o: FieldOption, api: string): Record<string, unknown> {
  return {
    orderid: o.orderid,
    value: o.value,
    label: o.label,
    isdefault: o.isdefault ? 1 : 0,
    field: String(o.field),
    cdate: isoDate(o.cdate),
    udate: isoDate(o.cdate),
    links: { field: `${api}/fieldOptions/${o.id}/field` },
    id: String(o.id),
  };
}

/** A field-list relation as GET /fields/{id} sideloads it (relid 0 = every list). */
export function fieldRelJson(r: FieldRel): Record<string, unknown> {
  return { field: String(r.field), relid: String(r.relid), dorder: "0", cdate: isoDate(r.cdate), links: [], id: String(r.id) };
}

export function tagJson(t: TagRow, api: string): Record<string, unknown> {
  return {
    tagType: t.tagType,
    tag: t.tag,
    description: t.description,
    cdate: isoDate(t.cdate),
    links: { contactGoalTags: `${api}/tags/${t.id}/contactGoalTags` },
    id: String(t.id),
  };
}

export function contactTagJson(row: { id: number; contact: number; tag: number; cdate: number }, api: string): Record<string, unknown> {
  return {
    contact: String(row.contact),
    tag: String(row.tag),
    cdate: isoDate(row.cdate),
    created_timestamp: sqlDate(row.cdate),
    updated_timestamp: sqlDate(row.cdate),
    created_by: null,
    updated_by: null,
    links: { tag: `${api}/contactTags/${row.id}/tag`, contact: `${api}/contactTags/${row.id}/contact` },
    id: String(row.id),
  };
}

/**
 * One membership. `statusAsNumber`: POST /contactLists answers `"status": 1` (a number) while GET
 * /contacts/{id}/contactLists answers `"status": "1"` (a string), as in the OpenAPI examples.
 */
export function contactListJson(store: Store, midx: number, api: string, statusAsNumber: boolean): Record<string, unknown> {
  const m = store.membershipRow(midx);
  const i = m.contact - 1;
  const id = m.id;
  const links: Record<string, string> = {};
  for (const l of ["automation", "list", "contact", "form", "autosyncLog", "campaign", "unsubscribeAutomation", "message"]) {
    links[l] = `${api}/contactLists/${id}/${l}`;
  }
  return {
    contact: String(m.contact),
    list: String(m.list),
    form: null,
    seriesid: "0",
    sdate: isoDate(m.sdate),
    udate: isoDate(m.udate),
    status: statusAsNumber ? m.status : String(m.status),
    responder: "1",
    sync: "0",
    unsubreason: m.status === 2 ? (m.unsubscribedBy === "contact" ? "Unsubscribed by the contact" : "") : null,
    campaign: null,
    message: null,
    first_name: store.firsts[i] ?? "",
    last_name: store.lasts[i] ?? "",
    ip4Sub: "0",
    sourceid: String(m.sourceid),
    autosyncLog: null,
    ip4_last: "0",
    ip4Unsub: "0",
    created_timestamp: sqlDate(m.sdate),
    updated_timestamp: sqlDate(m.udate),
    created_by: null,
    updated_by: null,
    unsubscribeAutomation: null,
    links,
    id: String(id),
    automation: null,
  };
}

/** fieldValues entries for a contact (ids are derived: contact id * 1000 + field id; the sandbox keeps no row ids). */
export function fieldValuesJson(store: Store, contactId: number, api: string, only?: Set<number>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const cdate = isoDate(store.cCdate.at(contactId - 1));
  const udate = isoDate(store.cUdate.at(contactId - 1));
  for (const f of store.fields.values()) {
    if (only && !only.has(f.id)) continue;
    const value = f.values.get(contactId);
    if (value === undefined) continue;
    const id = contactId * 1000 + f.id;
    out.push({
      contact: String(contactId),
      field: String(f.id),
      value,
      cdate,
      udate,
      created_by: null,
      updated_by: null,
      links: { owner: `${api}/fieldValues/${id}/owner`, field: `${api}/fieldValues/${id}/field` },
      id: String(id),
      owner: String(contactId),
    });
  }
  return out;
}

export function userJson(api: string): Record<string, unknown> {
  return {
    username: "sandbox",
    firstName: "Sandbox",
    lastName: "User",
    email: "sandbox@example.invalid",
    phone: "",
    signature: null,
    lang: "english",
    localZoneid: "UTC",
    mfaEnabled: "0",
    cdate: "2024-01-01T00:00:00-00:00",
    udate: "2024-01-01T00:00:00-00:00",
    links: { lists: `${api}/users/1/lists`, userGroup: `${api}/users/1/userGroup`, dealGroupTotals: `${api}/users/1/dealGroupTotals`, dealGroupUsers: `${api}/users/1/dealGroupUsers`, configs: `${api}/users/1/configs`, dealConnection: `${api}/users/1/dealConnection`, userConversationsPermission: `${api}/users/1/userConversationsPermission`, seatUser: `${api}/users/1/seatUser` },
    id: "1",
  };
}

/** A Cloudflare-style "504 Gateway time-out" page, as proxies in front of the API answer (FACTS.md §7). */
export function cloudflare504(host: string, seq: number): string {
  const ray = ((seq * 2654435761) >>> 0).toString(16).padStart(8, "0");
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>${host} | 504: Gateway time-out</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">Gateway time-out</span>
        <span class="code-label">Error code 504</span>
      </h1>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing/" target="_blank">cloudflare.com</a> for more information.</div>
    </header>
    <div class="cf-error-footer">
      <p><span>Cloudflare Ray ID: <strong>${ray}a0000000</strong></span> &bull; <span>Performance &amp; security by Cloudflare</span></p>
    </div>
  </div>
</div>
</body>
</html>
`;
}

export const HTML_503 = `<html>
<head><title>503 Service Temporarily Unavailable</title></head>
<body>
<center><h1>503 Service Temporarily Unavailable</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;
