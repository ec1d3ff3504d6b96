// Reading a whole collection by offset (small collections: fields, tags). Large lists are read by id instead
// (orders[id]=ASC + id_greater, FACTS.md §4: offsets shift while contacts join or leave), checked against meta.total:
// see member-read.ts.
import type { z } from "zod";
import { PAGE_LIMIT } from "../config/ac-limits.js";
import type { Call } from "./call.js";

/** Sends one call through the retry loop. */
export type Send = <T>(call: Call<T>) => Promise<T>;

/** Safety stops against a server that pages forever; far beyond any real account. */
export const MAX_OFFSET_PAGES = 1000;

export interface OffsetPaging<Item> {
  template: string;
  /** The path of the page that starts at `offset` (asking for PAGE_LIMIT items). */
  pathFor: (offset: number) => string;
  schema: z.ZodType<{ items: Item[]; total: number | undefined }>;
  /** Stop early once a page holds what the caller looks for. */
  stop?: (page: Item[]) => boolean;
}

/**
 * Every item, by offset. Items seen before are dropped (a page that shifted under us repeats some); a page with
 * nothing new, a short page or reaching `meta.total` ends the walk.
 */
export async function pageByOffset<Item>(send: Send, paging: OffsetPaging<Item>): Promise<Item[]> {
  const { template, pathFor, schema, stop } = paging;
  const all: Item[] = [];
  const seen = new Set<string>();
  for (let page = 0, offset = 0; page < MAX_OFFSET_PAGES; page++, offset += PAGE_LIMIT) {
    const { items, total } = await send({ method: "GET", template, path: pathFor(offset), ok: (json) => schema.parse(json) });
    let fresh = 0;
    for (const item of items) {
      const key = JSON.stringify(item);
      if (!seen.has(key)) {
        seen.add(key);
        all.push(item);
        fresh++;
      }
    }
    if (stop?.(items)) break;
    if (items.length === 0 || fresh === 0 || (total !== undefined ? all.length >= total : items.length < PAGE_LIMIT)) break;
  }
  return all;
}
