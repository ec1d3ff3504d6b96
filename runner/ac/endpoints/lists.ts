// Lists and list memberships (contactLists): the list an export syncs into, who is on it with which status, and
// setting a contact's status on it.
import { NOT_FOUND_MESSAGE } from "../decide.js";
import { readChangedMembers, readListMembers } from "../member-read.js";
import * as S from "../schemas.js";
import type { AcClient, AcContactList, AcList } from "../types.js";
import { contactChildren, createOrReadBack, wholeId, type EndpointContext } from "./common.js";

type ListEndpoints = Pick<AcClient, "getList" | "countListContacts" | "listContactEmails" | "listChangedMembers" | "contactLists" | "setListStatus">;

/** The 403 body of a key whose user group does not have the list (FACTS.md §4). */
const NO_PERMISSION = /do not have permission/i;

export function listEndpoints({ send }: EndpointContext): ListEndpoints {
  const contactLists = contactChildren<"contactLists", AcContactList>(send, "contactLists", S.contactListsResponse);

  return {
    getList(listId) {
      return send<AcList | null | "forbidden">({
        method: "GET",
        template: "/lists/{id}",
        path: `/lists/${wholeId(listId, "list id")}`,
        ok: (json) => {
          const { list } = S.listResponse.parse(json);
          return { id: list.id, name: list.name };
        },
        onError: (res) => {
          const message = S.errorMessageOf(res.json) ?? "";
          if (res.status === 404 || (res.status === 403 && NOT_FOUND_MESSAGE.test(message))) return { value: null };
          return res.status === 403 && NO_PERMISSION.test(message) ? { value: "forbidden" as const } : undefined;
        },
      });
    },

    countListContacts(listId, status) {
      return send<number>({
        method: "GET",
        template: "/contacts",
        path: `/contacts?listid=${wholeId(listId, "list id")}${status === undefined ? "" : `&status=${status}`}&limit=1`,
        ok: (json) => {
          const r = S.contactsResponse.parse(json);
          return r.meta?.total ?? r.contacts.length;
        },
      });
    },

    async *listContactEmails(listId, status) {
      yield* await readListMembers(send, Number(wholeId(listId, "list id")), status);
    },

    listChangedMembers(listId, status, updatedAfter) {
      return readChangedMembers(send, Number(wholeId(listId, "list id")), status, updatedAfter);
    },

    contactLists,

    setListStatus(contactId, listId, status, sourceid) {
      const contactList = {
        list: Number(wholeId(listId, "list id")),
        contact: Number(wholeId(contactId, "contact id")),
        status,
        ...(sourceid !== undefined && { sourceid }),
      };
      return createOrReadBack<"contactList", AcContactList>(
        send,
        { path: "/contactLists", body: { contactList }, key: "contactList", schema: S.contactListResponse },
        async () => (await contactLists(contactId)).find((m) => m.list === listId),
        `a membership, and contact ${contactId} has none for list ${listId}`,
      );
    },
  };
}
