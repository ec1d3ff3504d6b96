// Tags and a contact's tags (contactTags).
import { PAGE_LIMIT } from "../../config/ac-limits.js";
import { pageByOffset } from "../paging.js";
import * as S from "../schemas.js";
import type { AcClient, AcContactTag, AcTag } from "../types.js";
import { contactChildren, createOrReadBack, wholeId, type EndpointContext } from "./common.js";

type TagEndpoints = Pick<AcClient, "findTag" | "createTag" | "contactTags" | "countTaggedContacts" | "taggedContacts" | "addContactTag" | "removeContactTag">;

export function tagEndpoints({ send }: EndpointContext): TagEndpoints {
  const contactTags = contactChildren<"contactTags", AcContactTag>(send, "contactTags", S.contactTagsResponse);

  async function findTag(name: string): Promise<AcTag | null> {
    // The search matches parts of names: keep paging until the exact name (case-insensitive) turns up.
    const wanted = name.trim().toLowerCase();
    const found = await pageByOffset<AcTag>(send, {
      template: "/tags",
      pathFor: (offset) => `/tags?search=${encodeURIComponent(name)}&limit=${PAGE_LIMIT}&offset=${offset}`,
      schema: S.tagsResponse.transform((r) => ({ items: r.tags.map((t) => ({ id: t.id, tag: t.tag })), total: r.meta?.total })),
      stop: (page) => page.some((t) => t.tag.trim().toLowerCase() === wanted),
    });
    return found.find((t) => t.tag.trim().toLowerCase() === wanted) ?? null;
  }

  return {
    findTag,

    createTag(name) {
      // A create whose answer was lost and was sent again meets the tag it made (AC's answer to a second tag of one
      // name is undocumented; the sandbox says 422): a 422 reads the tag back, and so does an answer without it.
      return createOrReadBack<"tag", AcTag>(
        send,
        { path: "/tags", body: { tag: { tag: name, tagType: "contact", description: "" } }, key: "tag", schema: S.tagResponse, unprocessable: "read-back" },
        async () => (await findTag(name)) ?? undefined,
        `the tag ${JSON.stringify(name)}`,
      );
    },

    contactTags,

    // Who carries a tag, in bulk (the `tagid` filter of GET /contacts, documented in the spec's list-all-contacts):
    // for removing the export's tags from leavers without one lookup each (leavers.ts).
    countTaggedContacts(tagId) {
      return send<number>({
        method: "GET",
        template: "/contacts",
        path: `/contacts?tagid=${wholeId(tagId, "tag id")}&limit=1`,
        ok: (json) => {
          const r = S.contactsResponse.parse(json);
          return r.meta?.total ?? r.contacts.length;
        },
      });
    },

    taggedContacts(tagId) {
      const id = wholeId(tagId, "tag id");
      return pageByOffset<{ id: number; email: string }>(send, {
        template: "/contacts",
        pathFor: (offset) => `/contacts?tagid=${id}&limit=${PAGE_LIMIT}&offset=${offset}`,
        schema: S.contactsResponse.transform((r) => ({ items: r.contacts.map((c) => ({ id: c.id, email: c.email })), total: r.meta?.total })),
      });
    },

    addContactTag(contactId, tagId) {
      return createOrReadBack<"contactTag", AcContactTag>(
        send,
        {
          path: "/contactTags",
          body: { contactTag: { contact: wholeId(contactId, "contact id"), tag: wholeId(tagId, "tag id") } },
          key: "contactTag",
          schema: S.contactTagResponse,
        },
        async () => (await contactTags(contactId)).find((t) => t.tag === tagId),
        `a contactTag, and contact ${contactId} does not have tag ${tagId}`,
      );
    },

    async removeContactTag(contactTagId) {
      await send<void>({
        method: "DELETE",
        template: "/contactTags/{id}",
        path: `/contactTags/${wholeId(contactTagId, "contactTag id")}`,
        // Already gone (e.g. a retry after a reset that the server did process): the goal is reached.
        onError: (res) => (res.status === 404 ? { value: undefined } : undefined),
      });
    },
  };
}
