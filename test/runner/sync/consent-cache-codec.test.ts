// The consent cache's stored form: what a run writes the next one reads back exactly; a cache for another list or
// host, or an unreadable one, is an empty cache (everything read in full), never an error.
import { describe, expect, it } from "vitest";
import { ConsentCache, isoSeconds } from "../../../runner/sync/consent-cache.js";
import type { AcClient } from "../../../runner/ac/types.js";

/** A client that answers a full read of each status from `lists`, and counts what it was asked. */
function fakeClient(lists: Record<number, string[]>) {
  const asked: string[] = [];
  const client = {
    async *listContactEmails(_list: number, status: number) {
      asked.push(`full ${status}`);
      yield* lists[status] ?? [];
    },
    async countListContacts(_list: number, status?: number) {
      asked.push(`count ${status}`);
      return (lists[status!] ?? []).length;
    },
    async listChangedMembers(_list: number, status: number, since: string) {
      asked.push(`changed ${status} ${since}`);
      return [];
    },
  } as unknown as AcClient;
  return { client, asked };
}

describe("ConsentCache encode / decode", () => {
  it("round-trips members and refresh times, also when a status was never read", async () => {
    const { client } = fakeClient({ 2: ["A@x.io", "b@x.io"], 0: ["c@x.io"], 3: [] });
    const cache = new ConsentCache("acme.api-us1.com", 12);
    await cache.refresh(client, 1_000_000, 3_600_000);
    const back = ConsentCache.decode(cache.encode(), "acme.api-us1.com", 12);
    expect(back.ignored).toBeUndefined();
    expect([...back.cache.members].sort()).toEqual([["a@x.io", 2], ["b@x.io", 2], ["c@x.io", 0]]);
    // A stored cache with only status 2 is read (the others are read in full next time).
    const partial = Buffer.from(JSON.stringify({ v: 1, hostname: "acme.api-us1.com", listId: 12, statuses: { 2: { refreshedAt: 1, fullReadAt: 1, emails: ["d@x.io"] } } }));
    expect([...ConsentCache.decode(partial, "acme.api-us1.com", 12).cache.members]).toEqual([["d@x.io", 2]]);
  });

  it("a second refresh within fullReadEveryHours asks for counts and changes since the last refresh minus 26 hours", async () => {
    const { client, asked } = fakeClient({ 2: ["a@x.io"], 0: [], 3: [] });
    const cache = new ConsentCache("h.api-us1.com", 1);
    const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
    await cache.refresh(client, t0, 168 * 3_600_000);
    asked.length = 0;
    const report = await cache.refresh(client, t0 + 3_600_000, 168 * 3_600_000);
    expect(report).toEqual({ full: [], incremental: [2, 0, 3], changed: 0 });
    expect(asked).toEqual(["count 2", "changed 2 2026-11-30T10:00:00+00:00", "count 0", "changed 0 2026-11-30T10:00:00+00:00", "count 3", "changed 3 2026-11-30T10:00:00+00:00"]);
    expect(isoSeconds(t0)).toBe("2026-12-01T12:00:00+00:00");
  });

  it("is empty for another list or host, and for unreadable bytes (with a warning)", () => {
    const cache = new ConsentCache("acme.api-us1.com", 12);
    cache.members.set("a@x.io", 2);
    expect(ConsentCache.decode(cache.encode(), "acme.api-us1.com", 13).cache.members.size).toBe(0);
    expect(ConsentCache.decode(cache.encode(), "other.api-us1.com", 12).cache.members.size).toBe(0);
    expect(ConsentCache.decode(null, "acme.api-us1.com", 12)).toEqual({ cache: expect.any(ConsentCache) });
    for (const bad of ["{", '{"v":2}', JSON.stringify({ v: 1, hostname: "acme.api-us1.com", listId: 12, statuses: { 2: { refreshedAt: 1, fullReadAt: 1, emails: [7] } } })]) {
      const r = ConsentCache.decode(Buffer.from(bad), "acme.api-us1.com", 12);
      expect(r.cache.members.size).toBe(0);
      expect(r.ignored).toBe("the stored consent cache is unreadable; reading the list's inactive members in full");
    }
  });
});
