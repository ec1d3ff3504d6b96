// One member as a bulk-import contact, in the bulk API's own field names: with the export's tags and custom field
// values, and subscribed to the export's list unless `subscribe` is false (a member already on it: bulk-consent.ts).
import type { BulkContact } from "../ac/types.js";
import type { ExportConfig } from "../config.js";
import type { Member } from "./member.js";

export function toBulkContact(m: Member, config: ExportConfig, fieldIds: Map<string, number>, subscribe = true): BulkContact {
  const c: BulkContact = { email: m.email, ...(subscribe && { subscribe: [{ listid: config.listId }] }) };
  if (m.firstName) c.first_name = m.firstName;
  if (m.lastName) c.last_name = m.lastName;
  if (m.phone) c.phone = m.phone;
  const fields = Object.entries(m.fields).map(([tag, value]) => ({ id: fieldIds.get(tag)!, value }));
  if (fields.length) c.fields = fields;
  if (config.mappings.tags?.length) c.tags = [...config.mappings.tags];
  if (config.excludeAutomations) c.exclude_automations = true;
  return c;
}
