// Account-level state beside the contact store: the exclusion list, account-level bounces, user groups (restricted
// API keys), the automations that would have fired, every activation of an inactive membership, and the status hooks
// tests arm to change a contact's status at a chosen moment of a run.
import type { ListStatus, UnsubscribedBy } from "./store.js";

/** An exclusion-list entry (GET /lists/exclusions): `exact` address, or an address that ends with the phrase. */
export interface Exclusion {
  id: number;
  matchPhrase: string;
  matchType: "exact" | "end";
  /** list ids it applies to; empty = every list */
  lists: number[];
}

/** A user group: its key sees only these lists and their contacts. */
export interface UserGroup {
  name: string;
  lists: Set<number>;
}

/** Where a write came from, for automation and activation counts. */
export type WritePath = "bulk" | "contactLists" | "contactTags" | "contact/sync" | "contacts";

export interface AutomationCounts {
  /** list-subscribe triggers that fired (a membership became active) */
  subscribe: number;
  /** tag-added triggers that fired (a tag link was created) */
  tag: number;
  /** triggers a bulk import suppressed with exclude_automations */
  suppressed: number;
}

/** A membership that became active (1) from unsubscribed, unconfirmed or bounced, or was created active. */
export interface Activation {
  email: string;
  contactId: number;
  listId: number;
  /** status before; null = no membership before */
  from: ListStatus | null;
  unsubscribedBy?: UnsubscribedBy;
  sourceid: number;
  path: WritePath;
}

/** Armed by a test: when a request to `on` arrives, set the contact's status first (then the request runs). */
export interface StatusHook {
  on: string;
  email: string;
  listId: number;
  status: ListStatus;
  by?: UnsubscribedBy;
  /** how many more matching requests fire it (default 1) */
  times: number;
  fired: number;
}

export class Account {
  exclusions: Exclusion[] = [];
  /** lower-cased emails that bounced account-wide (imports skip them) */
  bounced = new Set<string>();
  /** Api-Token → group (the main key is not here: it sees everything) */
  groups = new Map<string, UserGroup>();
  automations = new Map<WritePath, AutomationCounts>();
  /** re-activations of an inactive membership (from 0, 2 or 3), the ones consent tests care about */
  reactivations: Activation[] = [];
  hooks: StatusHook[] = [];
  /** contacts an import or a write skipped, with why */
  skips: Array<{ email: string; reason: string; path: WritePath }> = [];
  private nextExclusionId = 1;
  /** pattern that makes a bulk import end `failed` when any contact of it contains it (data-dependent fault) */
  failPattern: RegExp | undefined;
  failPatternSource = "";

  clear(): void {
    this.exclusions = [];
    this.bounced.clear();
    this.automations.clear();
    this.reactivations = [];
    this.hooks = [];
    this.skips = [];
    this.nextExclusionId = 1;
  }

  addExclusion(input: { matchPhrase: string; matchType?: "exact" | "end"; lists?: number[] }): Exclusion {
    const row: Exclusion = { id: this.nextExclusionId++, matchPhrase: input.matchPhrase.toLowerCase(), matchType: input.matchType ?? "exact", lists: input.lists ?? [] };
    this.exclusions.push(row);
    return row;
  }

  /** The exclusion that applies to this email: an account-wide one, or one of a list in `listIds`. */
  excluded(email: string, listIds: readonly number[] = []): Exclusion | undefined {
    const e = email.toLowerCase();
    return this.exclusions.find(
      (x) => (x.matchType === "exact" ? e === x.matchPhrase : e.endsWith(x.matchPhrase)) && (x.lists.length === 0 || x.lists.some((l) => listIds.includes(l))),
    );
  }

  /** Why a write skips this email (exclusion list or account-level bounce), or undefined; `listIds`: the lists it subscribes to. */
  skipReason(email: string, listIds: readonly number[] = []): "excluded" | "bounced" | undefined {
    if (this.excluded(email, listIds)) return "excluded";
    if (this.bounced.has(email.toLowerCase())) return "bounced";
    return undefined;
  }

  count(path: WritePath, what: keyof AutomationCounts, n = 1): void {
    let c = this.automations.get(path);
    if (!c) this.automations.set(path, (c = { subscribe: 0, tag: 0, suppressed: 0 }));
    c[what] += n;
  }

  automationView(): Record<string, AutomationCounts> {
    return Object.fromEntries([...this.automations].map(([k, v]) => [k, { ...v }]));
  }

  setFailPattern(pattern: string | null | undefined): void {
    if (!pattern) {
      this.failPattern = undefined;
      this.failPatternSource = "";
      return;
    }
    const re = /^\/(.*)\/([a-z]*)$/.exec(pattern);
    this.failPattern = re ? new RegExp(re[1] as string, re[2]) : new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.failPatternSource = pattern;
  }

  /** Hooks due for a request to `endpoint` ("METHOD /template"); each is consumed once per firing. */
  dueHooks(endpoint: string): StatusHook[] {
    const due = this.hooks.filter((h) => h.on === endpoint && h.times > 0);
    for (const h of due) {
      h.times--;
      h.fired++;
    }
    return due;
  }
}
