// Optional persistence (--data FILE): the account is loaded from the file at start and written back (atomically:
// temporary file + rename) every few seconds while it changes and when the sandbox stops. Rows are arrays, not
// objects, so a million contacts stay around 100 bytes each on disk. Ids are preserved.
import { createWriteStream } from "node:fs";
import { readFile, rename, unlink } from "node:fs/promises";
import { once } from "node:events";
import type { Batch, BatchQueue, ParsedContact } from "./bulk.js";
import type { Account } from "./account.js";
import type { FaultInjector } from "./faults.js";
import { byName, type ListStatus, type Store } from "./store.js";

const FORMAT = "activecampaign-sandbox";
const VERSION = 1;

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataFileError";
  }
}

interface SavedBatch {
  id: string;
  wallAt: number;
  wallDone?: number;
  count: number;
  excludeAutomations: number;
  topExclude?: boolean;
  ending: Batch["ending"];
  done: boolean;
  remainingMs?: number;
  success: number[];
  failure: string[];
  contacts?: ParsedContact[];
}

export async function saveData(file: string, store: Store, batches: BatchQueue, account?: Account): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const out = createWriteStream(tmp, { encoding: "utf8" });
  let buffered: string[] = [];
  let size = 0;
  const write = async (s: string) => {
    buffered.push(s);
    size += s.length;
    if (size > 1 << 20) await flush();
  };
  const flush = async () => {
    if (!buffered.length) return;
    const chunk = buffered.join("");
    buffered = [];
    size = 0;
    if (!out.write(chunk)) await once(out, "drain");
  };
  const rows = async (name: string, n: number, row: (i: number) => unknown, first = false) => {
    await write(`${first ? "" : ",\n"}"${name}":[`);
    for (let i = 0; i < n; i++) await write(`${i ? ",\n" : "\n"}${JSON.stringify(row(i))}`);
    await write("]");
  };
  try {
    await write(`{"format":"${FORMAT}","version":${VERSION},"savedAt":${JSON.stringify(new Date().toISOString())},\n`);
    await write(`"next":${JSON.stringify({ list: store.nextListId, field: store.nextFieldId, tag: store.nextTagId })},\n`);
    const lists = [...store.lists.values()];
    await rows("lists", lists.length, (i) => {
      const l = lists[i]!;
      return [l.id, l.name, l.stringid, l.senderUrl, l.senderReminder, l.cdate, l.udate];
    }, true);
    const fields = [...store.fields.values()];
    await rows("fields", fields.length, (i) => {
      const f = fields[i]!;
      return [f.id, f.title, f.perstag, f.type, f.descript, f.defval, f.isrequired, f.visible, f.ordernum, f.cdate, f.udate];
    });
    const options = fields.flatMap((f) => f.options.map((o) => [o.id, o.field, o.value, o.label, o.orderid, o.isdefault, o.cdate]));
    await rows("fieldOptions", options.length, (i) => options[i]);
    const rels = fields.flatMap((f) => f.rels.map((r) => [r.id, r.field, r.relid, r.cdate]));
    await rows("fieldRels", rels.length, (i) => rels[i]);
    const exclusions = account?.exclusions ?? [];
    await rows("exclusions", exclusions.length, (i) => exclusions[i]);
    const bounced = [...(account?.bounced ?? [])];
    await rows("bounced", bounced.length, (i) => bounced[i]);
    const tags = [...store.tags.values()];
    await rows("tags", tags.length, (i) => {
      const t = tags[i]!;
      return [t.id, t.tag, t.tagType, t.description, t.cdate];
    });
    await rows("contacts", store.contactCount, (i) => [store.emails[i], store.firsts[i], store.lasts[i], store.phones[i], store.cCdate.at(i), store.cUdate.at(i), ...(store.cDeleted.at(i) ? [1] : [])]);
    const values: Array<[number, number, string]> = [];
    for (const f of fields) for (const [cid, v] of f.values) values.push([f.id, cid, v]);
    await rows("fieldValues", values.length, (i) => values[i]);
    await rows("memberships", store.mContact.length, (i) => [
      store.mContact.at(i),
      store.mList.at(i),
      store.mStatus.at(i),
      store.mBy.at(i),
      store.mSource.at(i),
      store.mSdate.at(i),
      store.mUdate.at(i),
    ]);
    await rows("contactTags", store.ctContact.length, (i) => [store.ctContact.at(i), store.ctTag.at(i), store.ctCdate.at(i)]);
    const now = performance.now();
    const all = batches.all();
    await rows("batches", all.length, (i): SavedBatch => {
      const b = all[i]!;
      return {
        id: b.id,
        wallAt: b.wallAt,
        ...(b.wallDone !== undefined && { wallDone: b.wallDone }),
        count: b.count,
        excludeAutomations: b.excludeAutomations,
        topExclude: b.topExclude,
        ending: b.ending,
        done: b.done,
        ...(!b.done && { remainingMs: Math.max(0, b.doneAt - now), contacts: b.contacts ?? [] }),
        success: b.success,
        failure: b.failure,
      };
    });
    await write("}\n");
    await flush();
    out.end();
    await once(out, "close");
    await rename(tmp, file);
  } catch (e) {
    out.destroy();
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Loads a data file into an empty store. A missing file is not an error (returns false: a new account). */
export async function loadData(file: string, store: Store, batches: BatchQueue, faults: FaultInjector, account?: Account): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new DataFileError(`cannot read --data ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new DataFileError(`--data ${JSON.stringify(file)} is not valid JSON (${(e as Error).message}); move it away to start empty`);
  }
  if (d.format !== FORMAT || d.version !== VERSION) {
    throw new DataFileError(`--data ${JSON.stringify(file)} is not a sandbox data file (format ${FORMAT} version ${VERSION})`);
  }
  const arr = (k: string) => (Array.isArray(d[k]) ? (d[k] as unknown[][]) : []);
  for (const [id, name, stringid, senderUrl, senderReminder, cdate, udate] of arr("lists") as Array<[number, string, string, string, string, number, number]>) {
    const l = store.createList({ id, name, stringid, senderUrl, senderReminder }, cdate);
    l.udate = udate;
  }
  for (const [id, title, perstag, type, descript, defval, isrequired, visible, ordernum, cdate, udate] of arr("fields") as Array<
    [number, string, string, string, string | null, string | null, boolean, boolean, number, number, number]
  >) {
    const f = store.createField({ id, title, perstag, type, descript, defval, isrequired, visible, ordernum }, cdate);
    f.udate = udate;
  }
  for (const [id, field, value, label, orderid, isdefault, cdate] of arr("fieldOptions") as Array<[number, number, string, string, number, boolean, number]>) {
    const f = store.fields.get(field);
    if (f) store.addFieldOption(f, { id, value, label, orderid, isdefault }, cdate);
  }
  for (const [id, field, relid, cdate] of arr("fieldRels") as Array<[number, number, number, number]>) {
    const f = store.fields.get(field);
    if (f) store.addFieldRel(f, relid, cdate, id);
  }
  for (const x of arr("exclusions") as unknown as Array<{ matchPhrase: string; matchType: "exact" | "end"; lists: number[] }>) account?.addExclusion(x);
  for (const email of arr("bounced") as unknown as string[]) account?.bounced.add(email);
  for (const [id, tag, tagType, description, cdate] of arr("tags") as Array<[number, string, string, string, number]>) {
    store.createTag({ id, tag, tagType, description }, cdate);
  }
  for (const [email, first, last, phone, cdate, udate, deleted] of arr("contacts") as Array<[string, string, string, string, number, number, number?]>) {
    if (deleted) {
      store.restoreDeletedContact(email, cdate, udate);
      continue;
    }
    const id = store.createContact(email, first, last, phone, cdate);
    store.cUdate.put(id - 1, udate);
  }
  for (const [fieldId, cid, value] of arr("fieldValues") as Array<[number, number, string]>) {
    const f = store.fields.get(fieldId);
    if (f) store.setFieldValue(cid, f, value);
  }
  for (const [contact, listId, status, by, sourceid, sdate, udate] of arr("memberships") as Array<[number, number, number, number, number, number, number]>) {
    if (listId === 0) {
      store.restoreDeadMembership(contact, sdate, udate);
      continue;
    }
    const list = store.lists.get(listId);
    if (!list) throw new DataFileError(`--data ${JSON.stringify(file)}: a membership names list ${listId}, which is not in the file`);
    const midx = store.addMembership(list, contact, status as ListStatus, byName(by), sourceid, sdate);
    store.mUdate.put(midx, udate);
  }
  for (const [contact, tagId, cdate] of arr("contactTags") as Array<[number, number, number]>) {
    const tag = store.tags.get(tagId);
    if (tag && !tag.links.has(contact)) {
      store.addContactTag(contact, tag, cdate);
    } else {
      // a removed link (tag 0): keep its id taken
      store.ctContact.push(contact);
      store.ctTag.push(0);
      store.ctCdate.push(cdate);
    }
  }
  const now = performance.now();
  for (const b of (Array.isArray(d.batches) ? d.batches : []) as SavedBatch[]) {
    if (b.done) {
      batches.adopt({ ...b, topExclude: b.topExclude ?? false, seq: 0, at: 0, falseUntil: 0, doneAt: 0, contacts: null, done: true });
    } else {
      batches.enqueue(b.contacts ?? [], b.excludeAutomations, faults, now, {
        id: b.id,
        wallAt: b.wallAt,
        ending: b.ending,
        falseUntil: now,
        doneAt: now + (b.remainingMs ?? 0),
        success: [],
        failure: [],
      }, b.topExclude ?? false);
    }
  }
  return true;
}
