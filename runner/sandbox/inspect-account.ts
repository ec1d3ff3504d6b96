// Inspector operations for the real-account model (issues #10-#12): status flips and armed hooks, deletion,
// exclusions and account bounces, restricted keys, automation and re-activation counts, the background tenant and
// the data-dependent failure pattern. Mixed into the SandboxInspector (inspect.ts).
import { randomBytes } from "node:crypto";
import type { Activation, AutomationCounts, Exclusion, StatusHook } from "./account.js";
import type { SandboxCore } from "./server.js";
import type { ListStatus, UnsubscribedBy } from "./store.js";
import type { TenantStats } from "./tenant.js";

export interface HookInput {
  /** "METHOD /template" of the API request that fires it, e.g. "POST /contactLists", "POST /import/bulk_import" */
  on: string;
  email: string;
  listId: number;
  status: ListStatus;
  by?: UnsubscribedBy;
  /** how many matching requests fire it (default 1) */
  times?: number;
}

export interface AccountInspector {
  /** Sets a contact's status on a list now (creating the membership if needed): a person unsubscribing mid-run. */
  setStatus(email: string, listId: number, status: ListStatus, by?: UnsubscribedBy): void;
  /** Arms a hook: the next `times` requests to `on` first set this status (between a plan and its writes). */
  armHook(hook: HookInput): StatusHook;
  hooks(): StatusHook[];
  /** Deletes a contact (as a privacy request would); false when there is none. */
  deleteContact(email: string): boolean;
  /** Adds an exclusion-list entry ("exact" address or an address that ends with the phrase). */
  exclude(entry: { matchPhrase: string; matchType?: "exact" | "end"; lists?: number[] }): Exclusion;
  /** Marks an email bounced account-wide (imports skip it; contact/sync answers 422 email_excluded). */
  bounce(email: string): void;
  /** Adds a restricted key whose user group sees only `lists`; returns the key. */
  addRestrictedKey(lists: number[], apiKey?: string): { apiKey: string };
  /** Automation triggers that would have fired (subscribe, tag) or were suppressed, by write path. */
  automations(): Record<string, AutomationCounts>;
  /** Every inactive membership (0, 2 or 3) a write made active, with its path and sourceid. */
  reactivations(): Activation[];
  /** Contacts a write skipped (exclusion, bounce, contact limit, unsubscribe-only of a missing contact). */
  skips(): Array<{ email: string; reason: string; path: string }>;
  tenant(): TenantStats;
  /** Starts, changes or (0) stops the background tenant. */
  setTenant(requestsPerSecond: number): TenantStats;
  /** Bulk imports containing this text (or /regex/flags) end `failed`; null/"" turns it off. */
  setFailPattern(pattern: string | null): void;
}

export function accountInspector(core: SandboxCore, fail: (message: string, status?: number) => never): AccountInspector {
  const { store, account } = core;
  const contactOf = (email: string) => store.contactId(email) ?? fail(`no contact with email ${email}`, 404);
  const listOf = (listId: number) => store.lists.get(Number(listId)) ?? fail(`no list with id ${listId}`, 404);
  const statusOf = (s: unknown): ListStatus => (s === 0 || s === 1 || s === 2 || s === 3 ? s : fail(`status must be 0, 1, 2 or 3; got ${JSON.stringify(s)}`));
  const byOf = (b: unknown): UnsubscribedBy | undefined =>
    b === undefined || b === null ? undefined : b === "api" || b === "contact" || b === "bounce" ? b : fail(`by must be "api", "contact" or "bounce"; got ${JSON.stringify(b)}`);
  return {
    setStatus: (email, listId, status, by) => {
      const list = listOf(listId);
      const id = contactOf(email);
      const st = statusOf(status);
      const midx = list.m.byContact.get(id);
      if (midx === undefined) store.addMembership(list, id, st, byOf(by), 0);
      else store.setMembershipStatus(midx, st, byOf(by), undefined);
    },
    armHook: (h) => {
      if (typeof h.on !== "string" || !/^(GET|POST|PUT|DELETE) \//.test(h.on)) fail(`on must be "METHOD /template", e.g. "POST /contactLists"; got ${JSON.stringify(h.on)}`);
      listOf(h.listId);
      const by = byOf(h.by);
      const hook: StatusHook = { on: h.on, email: h.email, listId: Number(h.listId), status: statusOf(h.status), ...(by && { by }), times: h.times ?? 1, fired: 0 };
      account.hooks.push(hook);
      return hook;
    },
    hooks: () => account.hooks.map((h) => ({ ...h })),
    deleteContact: (email) => {
      const id = store.contactId(email);
      return id !== undefined && store.deleteContact(id);
    },
    exclude: (entry) => {
      if (typeof entry.matchPhrase !== "string" || entry.matchPhrase.trim() === "") fail("matchPhrase must be a non-empty string");
      if (entry.matchType !== undefined && entry.matchType !== "exact" && entry.matchType !== "end") fail(`matchType must be "exact" or "end"; got ${JSON.stringify(entry.matchType)}`);
      return account.addExclusion(entry);
    },
    bounce: (email) => {
      if (typeof email !== "string" || !email.includes("@")) fail(`email must be an address; got ${JSON.stringify(email)}`);
      account.bounced.add(email.toLowerCase());
    },
    addRestrictedKey: (lists, apiKey) => {
      if (!Array.isArray(lists) || lists.some((l) => !Number.isSafeInteger(l) || l < 1)) fail(`lists must be list ids; got ${JSON.stringify(lists)}`);
      const key = apiKey ?? randomBytes(36).toString("hex");
      if (typeof key !== "string" || key === "" || /\s/.test(key) || key === core.opts.apiKey) fail("apiKey must be a non-empty string without whitespace, other than the main key");
      core.addGroup(key, lists);
      return { apiKey: key };
    },
    automations: () => account.automationView(),
    reactivations: () => account.reactivations.map((a) => ({ ...a })),
    skips: () => account.skips.map((s) => ({ ...s })),
    tenant: () => ({ ...core.tenant.stats }),
    setTenant: (rps) => {
      if (typeof rps !== "number" || !Number.isFinite(rps) || rps < 0) fail(`requestsPerSecond must be a number ≥ 0; got ${JSON.stringify(rps)}`);
      core.tenant.set(rps);
      return { ...core.tenant.stats };
    },
    setFailPattern: (pattern) => {
      try {
        account.setFailPattern(pattern);
      } catch (e) {
        fail(`pattern is not a valid regular expression: ${(e as Error).message}`);
      }
    },
  };
}
