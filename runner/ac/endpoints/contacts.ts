// Contacts one at a time: upsert by email, and look one up by email.
import * as S from "../schemas.js";
import type { AcClient, AcContact, SyncContactInput } from "../types.js";
import type { EndpointContext } from "./common.js";

export function contactEndpoints({ send }: EndpointContext): Pick<AcClient, "syncContact" | "findContactByEmail"> {
  return {
    syncContact(input: SyncContactInput) {
      const contact = {
        email: input.email,
        ...(input.firstName !== undefined && { firstName: input.firstName }),
        ...(input.lastName !== undefined && { lastName: input.lastName }),
        ...(input.phone !== undefined && { phone: input.phone }),
        ...(input.fieldValues?.length && { fieldValues: input.fieldValues.map((f) => ({ field: String(f.field), value: f.value })) }),
      };
      return send<AcContact>({
        method: "POST",
        template: "/contact/sync",
        path: "/contact/sync",
        body: { contact },
        ok: (json) => S.contactSyncResponse.parse(json).contact,
      });
    },

    findContactByEmail(email) {
      return send<AcContact | null>({
        method: "GET",
        template: "/contacts",
        path: `/contacts?email=${encodeURIComponent(email)}`,
        ok: (json) => {
          // The filter is a search, not an exact match: pick the contact whose email is this one.
          const wanted = email.trim().toLowerCase();
          return S.contactsResponse.parse(json).contacts.find((c) => c.email.trim().toLowerCase() === wanted) ?? null;
        },
      });
    },
  };
}
