// The sandbox account's data, laid out to hold a million contacts in a few hundred MB:
// - contacts are rows of parallel arrays (id = index + 1; ids are never reused; a deleted contact keeps its row,
//   flagged, and leaves the email Map, its lists, fields and tags), found by lower-cased email through one Map;
// - list memberships are rows of parallel typed arrays (id = index + 1); each list keeps a Map contact → membership
//   and a position index sorted by contact id (with per-block status counts) so that `GET /contacts?listid=…`
//   pages with `id_greater`, `offset` and `status` cost O(log n + page), not a scan (members.ts);
// - custom field values and tag links are one Map per field / per tag (contact → value / contactTag id).
import { Grow } from "./grow.js";
import { BLOCK_SHIFT, ListMembers, countFrom, indexMembers, lowerBound, skipMatches } from "./members.js";

/** List status of a contact: 0 unconfirmed, 1 active, 2 unsubscribed, 3 bounced. */
export type ListStatus = 0 | 1 | 2 | 3;
/** Who ended an active membership: the API (a sync), the contact themselves, or a bounce (status 3). */
export type UnsubscribedBy = "api" | "contact" | "bounce";

const BY_NONE = 0;
const BY_API = 1;
const BY_CONTACT = 2;
const BY_BOUNCE = 3;

export class StoreError extends Error {
  constructor(
    readonly code: "duplicate" | "invalid" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export interface ListRow {
  id: number;
  name: string;
  stringid: string;
  senderUrl: string;
  senderReminder: string;
  cdate: number;
  udate: number;
  m: ListMembers;
}

export interface FieldRow {
  id: number;
  title: string;
  perstag: string;
  type: string;
  descript: string | null;
  defval: string | null;
  isrequired: boolean;
  visible: boolean;
  ordernum: number;
  cdate: number;
  udate: number;
  /** contact id → value */
  values: Map<number, string>;
  /** options of dropdown, radio, checkbox and listbox fields, in display order */
  options: FieldOption[];
  /** field-list relations (relid 0 = every list) */
  rels: FieldRel[];
}

export interface FieldOption {
  id: number;
  field: number;
  value: string;
  label: string;
  orderid: number;
  isdefault: boolean;
  cdate: number;
}

export interface FieldRel {
  id: number;
  field: number;
  /** list id; 0 = every list */
  relid: number;
  cdate: number;
}

export interface TagRow {
  id: number;
  tag: string;
  tagType: string;
  description: string;
  cdate: number;
  /** contact id → contactTag id */
  links: Map<number, number>;
}

export interface MemberQuery {
  /** -1 (any) or a list status */
  status: number;
  idGreater: number;
  offset: number;
  limit: number;
  desc: boolean;
}

/** Seconds since the epoch, for cdate/udate columns. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class Store {
  readonly lists = new Map<number, ListRow>();
  readonly fields = new Map<number, FieldRow>();
  readonly tags = new Map<number, TagRow>();
  private readonly tagByName = new Map<string, TagRow>();
  private readonly fieldByPerstag = new Map<string, FieldRow>();
  nextListId = 1;
  nextFieldId = 1;
  nextTagId = 1;
  nextOptionId = 1;
  nextRelId = 1;

  // contacts: id = index + 1
  emails: string[] = [];
  firsts: string[] = [];
  lasts: string[] = [];
  phones: string[] = [];
  byEmail = new Map<string, number>();
  cCdate = new Grow("u32");
  cUdate = new Grow("u32");
  /** 1 = deleted */
  cDeleted = new Grow("u8");
  deletedCount = 0;

  // list memberships: id = index + 1
  mContact = new Grow("i32");
  mList = new Grow("i32");
  mStatus = new Grow("u8");
  mBy = new Grow("u8");
  mSource = new Grow("u8");
  mSdate = new Grow("u32");
  mUdate = new Grow("u32");

  // contact tags: id = index + 1; tag 0 = deleted
  ctContact = new Grow("i32");
  ctTag = new Grow("i32");
  ctCdate = new Grow("u32");

  /** Bumped on every change (persistence saves when it moved). */
  version = 0;
  /** A list-status change also sets the contact's udate (statusChangeTouchesContact; undocumented). */
  touchContactOnStatus = false;
  /**
   * Lean contacts (leanContacts, for the 10,000,000-contact bench): a contact keeps its email, dates and list
   * memberships only; names, phones, field values and tag links are not stored, so ten million fit in a few GB.
   */
  lean = false;

  /** Contact rows, deleted ones included (the highest contact id). */
  get contactCount(): number {
    return this.emails.length;
  }

  /** Contacts that exist (what the plan's contact limit counts). */
  get liveContacts(): number {
    return this.emails.length - this.deletedCount;
  }

  clear(): void {
    this.lists.clear();
    this.fields.clear();
    this.tags.clear();
    this.tagByName.clear();
    this.fieldByPerstag.clear();
    this.nextListId = this.nextFieldId = this.nextTagId = this.nextOptionId = this.nextRelId = 1;
    this.deletedCount = 0;
    this.emails = [];
    this.firsts = [];
    this.lasts = [];
    this.phones = [];
    this.byEmail = new Map();
    for (const g of [this.cCdate, this.cUdate, this.cDeleted, this.mContact, this.mList, this.mStatus, this.mBy, this.mSource, this.mSdate, this.mUdate, this.ctContact, this.ctTag, this.ctCdate]) g.clear();
    this.version++;
  }

  // ---------------------------------------------------------------- lists

  createList(
    input: { id?: number; name: string; stringid?: string; senderUrl?: string; senderReminder?: string },
    now = nowSeconds(),
  ): ListRow {
    const id = this.claimId(input.id, this.lists, "list");
    const row: ListRow = {
      id,
      name: input.name,
      stringid: input.stringid ?? slug(input.name),
      senderUrl: input.senderUrl ?? "",
      senderReminder: input.senderReminder ?? "",
      cdate: now,
      udate: now,
      m: new ListMembers(),
    };
    this.lists.set(id, row);
    this.nextListId = Math.max(this.nextListId, id + 1);
    this.version++;
    return row;
  }

  // ---------------------------------------------------------------- fields

  createField(
    input: { id?: number; title: string; perstag?: string; type?: string; descript?: string | null; defval?: string | null; isrequired?: boolean; visible?: boolean; ordernum?: number },
    now = nowSeconds(),
  ): FieldRow {
    const title = input.title.trim();
    if (!title) throw new StoreError("invalid", "a field needs a title");
    const perstag = (input.perstag?.trim() || title).toUpperCase().replace(/[^A-Z0-9_]+/g, "_");
    for (const f of this.fields.values()) {
      if (f.title.toLowerCase() === title.toLowerCase()) throw new StoreError("duplicate", `There is already a field named '${title}' -- choose another name`);
    }
    if (this.fieldByPerstag.has(perstag)) throw new StoreError("duplicate", `There is already a field with the personalization tag '${perstag}'`);
    const id = this.claimId(input.id, this.fields, "field");
    const row: FieldRow = {
      id,
      title,
      perstag,
      type: input.type ?? "text",
      descript: input.descript ?? null,
      defval: input.defval ?? null,
      isrequired: input.isrequired ?? false,
      visible: input.visible ?? true,
      ordernum: input.ordernum ?? this.fields.size + 1,
      cdate: now,
      udate: now,
      values: new Map(),
      options: [],
      rels: [],
    };
    this.fields.set(id, row);
    this.fieldByPerstag.set(perstag, row);
    this.nextFieldId = Math.max(this.nextFieldId, id + 1);
    this.version++;
    return row;
  }

  /** Adds an option to a field (ids are account-wide). */
  addFieldOption(field: FieldRow, input: { id?: number; value: string; label?: string; orderid?: number; isdefault?: boolean }, now = nowSeconds()): FieldOption {
    const id = input.id ?? this.nextOptionId;
    const row: FieldOption = { id, field: field.id, value: input.value, label: input.label ?? input.value, orderid: input.orderid ?? field.options.length + 1, isdefault: input.isdefault ?? false, cdate: now };
    field.options.push(row);
    this.nextOptionId = Math.max(this.nextOptionId, id + 1);
    this.version++;
    return row;
  }

  /** Relates a field to a list (relid 0: every list). */
  addFieldRel(field: FieldRow, relid: number, now = nowSeconds(), id = this.nextRelId): FieldRel {
    const row: FieldRel = { id, field: field.id, relid, cdate: now };
    field.rels.push(row);
    this.nextRelId = Math.max(this.nextRelId, id + 1);
    this.version++;
    return row;
  }

  fieldByTag(perstag: string): FieldRow | undefined {
    return this.fieldByPerstag.get(perstag.toUpperCase());
  }

  setFieldValue(contactId: number, field: FieldRow, value: string): void {
    if (this.lean) return;
    field.values.set(contactId, value);
    this.version++;
  }

  // ---------------------------------------------------------------- tags

  tagNamed(name: string): TagRow | undefined {
    return this.tagByName.get(name.toLowerCase());
  }

  createTag(input: { id?: number; tag: string; tagType?: string; description?: string }, now = nowSeconds()): TagRow {
    const name = input.tag;
    if (this.tagByName.has(name.toLowerCase())) throw new StoreError("duplicate", `A tag named '${name}' already exists`);
    const id = this.claimId(input.id, this.tags, "tag");
    const row: TagRow = { id, tag: name, tagType: input.tagType ?? "contact", description: input.description ?? "", cdate: now, links: new Map() };
    this.tags.set(id, row);
    this.tagByName.set(name.toLowerCase(), row);
    this.nextTagId = Math.max(this.nextTagId, id + 1);
    this.version++;
    return row;
  }

  /** The tag of that name (case-insensitive), created when missing (what bulk import does with tag names). */
  ensureTag(name: string, now = nowSeconds()): TagRow {
    return this.tagNamed(name) ?? this.createTag({ tag: name }, now);
  }

  /** Links a tag to a contact; an existing link is returned as is. */
  addContactTag(contactId: number, tag: TagRow, now = nowSeconds()): { id: number; created: boolean } {
    if (this.lean) return { id: 0, created: false };
    const existing = tag.links.get(contactId);
    if (existing !== undefined) return { id: existing, created: false };
    this.ctContact.push(contactId);
    this.ctTag.push(tag.id);
    const id = this.ctCdate.push(now) + 1;
    tag.links.set(contactId, id);
    this.version++;
    return { id, created: true };
  }

  contactTagRow(id: number): { id: number; contact: number; tag: number; cdate: number } | undefined {
    if (!Number.isSafeInteger(id) || id < 1 || id > this.ctTag.length) return undefined;
    const tag = this.ctTag.at(id - 1);
    if (tag === 0) return undefined;
    return { id, contact: this.ctContact.at(id - 1), tag, cdate: this.ctCdate.at(id - 1) };
  }

  removeContactTag(id: number): boolean {
    const row = this.contactTagRow(id);
    if (!row) return false;
    this.tags.get(row.tag)?.links.delete(row.contact);
    this.ctTag.put(id - 1, 0);
    this.version++;
    return true;
  }

  /** contactTag ids of a contact, in tag id order. */
  contactTagIds(contactId: number): number[] {
    const out: number[] = [];
    for (const t of this.tags.values()) {
      const id = t.links.get(contactId);
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  // ---------------------------------------------------------------- contacts

  hasContact(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 1 && id <= this.emails.length && this.cDeleted.at(id - 1) === 0;
  }

  /**
   * Deletes a contact (DELETE /contacts/{id}, a privacy request): it leaves the email index, every list, field and
   * tag; its row stays flagged so ids are never reused. A later import of the same email creates a new contact.
   */
  deleteContact(id: number): boolean {
    if (!this.hasContact(id)) return false;
    const i = id - 1;
    this.cDeleted.put(i, 1);
    this.deletedCount++;
    this.byEmail.delete((this.emails[i] as string).toLowerCase());
    for (const l of this.lists.values()) {
      const midx = l.m.byContact.get(id);
      if (midx !== undefined) this.dropMember(l, id, midx);
    }
    for (const f of this.fields.values()) f.values.delete(id);
    for (const t of this.tags.values()) {
      const ct = t.links.get(id);
      if (ct === undefined) continue;
      t.links.delete(id);
      this.ctTag.put(ct - 1, 0);
    }
    this.version++;
    return true;
  }

  /** A deleted contact's row, restored from a data file (not indexed by email). */
  restoreDeletedContact(email: string, cdate: number, udate: number): number {
    this.emails.push(email);
    this.firsts.push("");
    this.lasts.push("");
    this.phones.push("");
    this.cCdate.push(cdate);
    this.cUdate.push(udate);
    this.cDeleted.push(1);
    this.deletedCount++;
    return this.emails.length;
  }

  /** Removes a membership from its list's indexes (its row stays, list 0, so membership ids are never reused). */
  private dropMember(l: ListRow, contactId: number, midx: number): void {
    l.m.byContact.delete(contactId);
    const kept = new Grow("i32", Math.max(256, l.m.pos.length));
    for (let p = 0; p < l.m.pos.length; p++) if (l.m.pos.at(p) !== midx) kept.push(l.m.pos.at(p));
    l.m.pos = kept;
    l.m.blocks = null;
    this.mList.put(midx, 0);
  }

  /** A membership row without a list (its contact was deleted), restored from a data file. */
  restoreDeadMembership(contact: number, sdate: number, udate: number): void {
    this.mContact.push(contact);
    this.mList.push(0);
    this.mStatus.push(0);
    this.mBy.push(BY_NONE);
    this.mSource.push(0);
    this.mSdate.push(sdate);
    this.mUdate.push(udate);
  }

  /** Case-insensitive exact email lookup. */
  contactId(email: string): number | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  createContact(email: string, first: string, last: string, phone: string, now = nowSeconds(), key = email.toLowerCase()): number {
    if (this.byEmail.has(key)) throw new StoreError("duplicate", "Email address already exists in the system");
    this.emails.push(email);
    // Lean: the name columns stay short (readers treat a missing entry as "").
    if (!this.lean) {
      this.firsts.push(first);
      this.lasts.push(last);
      this.phones.push(phone);
    }
    this.cCdate.push(now);
    this.cUdate.push(now);
    this.cDeleted.push(0);
    const id = this.emails.length;
    this.byEmail.set(key, id);
    this.version++;
    return id;
  }

  updateContact(id: number, patch: { first?: string; last?: string; phone?: string }, now = nowSeconds()): void {
    const i = id - 1;
    if (this.lean) patch = {};
    if (patch.first !== undefined) this.firsts[i] = patch.first;
    if (patch.last !== undefined) this.lasts[i] = patch.last;
    if (patch.phone !== undefined) this.phones[i] = patch.phone;
    this.cUdate.put(i, now);
    this.version++;
  }

  // ---------------------------------------------------------------- memberships

  membership(listId: number, contactId: number): number | undefined {
    return this.lists.get(listId)?.m.byContact.get(contactId);
  }

  /** Membership indexes of one contact, in list id order. */
  contactMemberships(contactId: number): number[] {
    const out: number[] = [];
    for (const l of this.lists.values()) {
      const midx = l.m.byContact.get(contactId);
      if (midx !== undefined) out.push(midx);
    }
    return out;
  }

  addMembership(list: ListRow, contactId: number, status: ListStatus, by: UnsubscribedBy | undefined, sourceid: number, now = nowSeconds()): number {
    const m = list.m;
    const midx = this.mContact.push(contactId);
    this.mList.push(list.id);
    this.mStatus.push(status);
    this.mBy.push(byFor(status, by));
    this.mSource.push(sourceid & 0xff);
    this.mSdate.push(now);
    this.mUdate.push(now);
    m.byContact.set(contactId, midx);
    const p = m.pos.push(midx);
    if (contactId < m.maxContact) {
      m.sorted = false;
      m.blocks = null;
    } else {
      m.maxContact = contactId;
      if (m.blocks) {
        const b = p >> BLOCK_SHIFT;
        if ((b + 1) * 4 > m.blocks.length) {
          const grown = new Int32Array(Math.max(m.blocks.length * 2, (b + 1) * 4));
          grown.set(m.blocks);
          m.blocks = grown;
        }
        m.blocks[b * 4 + status]!++;
      }
    }
    this.version++;
    return midx;
  }

  setMembershipStatus(midx: number, status: ListStatus, by: UnsubscribedBy | undefined, sourceid: number | undefined, now = nowSeconds()): void {
    const old = this.mStatus.at(midx);
    if (old !== status) {
      const list = this.lists.get(this.mList.at(midx));
      if (list?.m.blocks && list.m.sorted) {
        const p = lowerBound(this, list.m, this.mContact.at(midx) - 1);
        const b = p >> BLOCK_SHIFT;
        list.m.blocks[b * 4 + old]!--;
        list.m.blocks[b * 4 + status]!++;
      }
      this.mStatus.put(midx, status);
      if (this.touchContactOnStatus) this.cUdate.put(this.mContact.at(midx) - 1, now);
    }
    this.mBy.put(midx, byFor(status, by));
    if (sourceid !== undefined) this.mSource.put(midx, sourceid & 0xff);
    this.mUdate.put(midx, now);
    this.version++;
  }

  membershipRow(midx: number): { id: number; contact: number; list: number; status: ListStatus; unsubscribedBy?: UnsubscribedBy; sourceid: number; sdate: number; udate: number } {
    const by = this.mBy.at(midx);
    return {
      id: midx + 1,
      contact: this.mContact.at(midx),
      list: this.mList.at(midx),
      status: this.mStatus.at(midx) as ListStatus,
      ...(by !== BY_NONE && { unsubscribedBy: byName(by) as UnsubscribedBy }),
      sourceid: this.mSource.at(midx),
      sdate: this.mSdate.at(midx),
      udate: this.mUdate.at(midx),
    };
  }

  /** Members of a list in contact id order, filtered and paged; `total` counts every match (before offset/limit). */
  queryList(list: ListRow, q: MemberQuery): { ids: number[]; total: number } {
    const m = list.m;
    indexMembers(this, m);
    const pos = m.pos.data;
    const n = m.pos.length;
    const start = lowerBound(this, m, q.idGreater);
    const st = q.status;
    const total = st < 0 ? n - start : countFrom(this, m, start, st);
    const ids: number[] = [];
    if (!q.desc) {
      let p = skipMatches(this, m, start, q.offset, st);
      for (; p < n && ids.length < q.limit; p++) {
        const midx = pos[p] as number;
        if (st < 0 || this.mStatus.data[midx] === st) ids.push(this.mContact.data[midx] as number);
      }
    } else {
      let skipped = 0;
      for (let p = n - 1; p >= start && ids.length < q.limit; p--) {
        const midx = pos[p] as number;
        if (st >= 0 && this.mStatus.data[midx] !== st) continue;
        if (skipped < q.offset) skipped++;
        else ids.push(this.mContact.data[midx] as number);
      }
    }
    return { ids, total };
  }

  /** Every contact (no list filter), in id order; `status` keeps contacts with any list membership in that status. */
  queryAll(q: MemberQuery): { ids: number[]; total: number } {
    const n = this.emails.length;
    const first = Math.max(1, Math.floor(q.idGreater) + 1);
    if (q.status < 0 && this.deletedCount === 0) {
      const total = Math.max(0, n - first + 1);
      const ids: number[] = [];
      if (!q.desc) for (let id = first + q.offset; id <= n && ids.length < q.limit; id++) ids.push(id);
      else for (let id = n - q.offset; id >= first && ids.length < q.limit; id--) ids.push(id);
      return { ids, total };
    }
    // Status without a list, or deleted contacts to skip: a linear scan (the runner never asks this; kept simple).
    const matches: number[] = [];
    for (let id = first; id <= n; id++) {
      if (!this.hasContact(id)) continue;
      if (q.status < 0 || this.contactMemberships(id).some((midx) => this.mStatus.at(midx) === q.status)) matches.push(id);
    }
    if (q.desc) matches.reverse();
    return { ids: matches.slice(q.offset, q.offset + q.limit), total: matches.length };
  }

  // ---------------------------------------------------------------- ids

  private claimId(wanted: number | undefined, taken: Map<number, unknown>, what: string): number {
    if (wanted === undefined) {
      let id = what === "list" ? this.nextListId : what === "field" ? this.nextFieldId : this.nextTagId;
      while (taken.has(id)) id++;
      return id;
    }
    if (!Number.isSafeInteger(wanted) || wanted < 1) throw new StoreError("invalid", `${what} id must be a positive whole number; got ${wanted}`);
    if (taken.has(wanted)) throw new StoreError("duplicate", `${what} id ${wanted} already exists`);
    return wanted;
  }
}

/** The `by` code kept for a status: who unsubscribed (2; default the API) or bounced (3; always a bounce). */
function byFor(status: ListStatus, by: UnsubscribedBy | undefined): number {
  if (status === 3) return BY_BOUNCE;
  if (status !== 2) return BY_NONE;
  return by === "contact" ? BY_CONTACT : by === "bounce" ? BY_BOUNCE : BY_API;
}

export function byName(code: number): UnsubscribedBy | undefined {
  return code === BY_API ? "api" : code === BY_CONTACT ? "contact" : code === BY_BOUNCE ? "bounce" : undefined;
}

/** The stored code of a `by` name (data files). */
export function byCodeOf(by: UnsubscribedBy | undefined): number {
  return by === "contact" ? BY_CONTACT : by === "bounce" ? BY_BOUNCE : by === "api" ? BY_API : BY_NONE;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "list";
}
