// What the sync engine's steps share: its dependencies (given by the command), what preparing found, and what
// applying did. The steps themselves live one per file (prepare.ts, send-changed.ts, small-delta.ts, …).
import type { ExportConfig, Location } from "../config.js";
import type { AcClient } from "../ac/types.js";
import type { OpenedSegment, OpenSegmentOptions, SegmentPin, SegmentRun } from "../segment/types.js";
import type { StateStore } from "../state/types.js";
import type { ConsentCache } from "./consent-cache.js";
import type { EventSink } from "./events.js";
import type { RejectedRow, SyncPlan } from "./plan.js";
import type { SyncState } from "./state.js";
import type { FieldsReport } from "./field-preflight.js";
import type { ValueMapping } from "./value-mapping.js";

export type SyncMode = "run" | "plan";

export interface SyncDeps {
  config: ExportConfig;
  client: AcClient;
  store: StateStore;
  segmentLocation: Location;
  openSegment(location: Location, options: OpenSegmentOptions): Promise<OpenedSegment>;
  events: EventSink;
  signal?: AbortSignal;
  /** Deltas up to this size go through contact/sync + contactLists instead of bulk import (default SMALL_DELTA_MAX). */
  smallDeltaMax?: number;
  /** A time-scaled sandbox (AC_TIME_SCALE): import polling waits are this many times shorter. */
  timeScale?: number;
  /** An operator's one-run override of the removal cap (--allow-removals / AC_EXPORT_ALLOW_REMOVALS). */
  allowRemovals?: number;
  /** The clock, ms since the epoch (the day of a refusal, the refusal cool-down); tests inject one. @default Date.now */
  now?: () => number;
}

export interface FailedRow {
  row?: number;
  email: string;
  reason: string;
  batchId?: string;
}

/** The result of the prepare step: the plan and what it was computed from. Nothing written yet. */
export interface Prepared {
  plan: SyncPlan;
  state: SyncState;
  ignoredState: string[];
  listName: string;
  fieldIds: Map<string, number>;
  /** The list's unsubscribed, unconfirmed and bounced members (the cache beside the state, refreshed at preflight). */
  consent: ConsentCache;
  /** How each mapped field's values are converted (the field preflight's types and options; runner/values). */
  values: ValueMapping;
  /** Tag name (lower case) → id of the export's tags (created at preflight by a run when missing). */
  tagIds: Map<string, number>;
  /** Fields, types, conversions, creations and warnings of the field preflight, for the report and plan text. */
  fields?: FieldsReport;
  segmentResolved: string;
  /** Folder sources: which run was read and why (for the report). */
  segmentRun?: SegmentRun;
  /** Folder sources: the exact parts pass 1 read; pass 2 reads these again, never a newer run. */
  segmentPin?: SegmentPin;
}

/** What applying the plan did, counted as ActiveCampaign confirmed it. */
export interface Applied {
  added: number;
  updated: number;
  resubscribed: number;
  left: number;
  failed: FailedRow[];
  /** Members who unsubscribed themselves, found while applying (ActiveCampaign kept them unsubscribed). */
  consentKept: RejectedRow[];
  /**
   * Contacts new to this export in completed imports that ActiveCampaign listed neither as created (`success`) nor
   * as failed: it may have skipped them silently (REAL-ACCOUNT.md F3), or they existed in the account already.
   */
  notConfirmed: number;
  batchesSent: number;
  contactsSent: number;
}

/** One state upsert: email, fingerprint of what AC confirmed, state flags (UNSUBSCRIBED_BY_SYNC). */
export type Upsert = [email: string, fingerprint: number, flags: number];

/** What the bulk pipeline carries with each contact, to commit it once confirmed. */
export interface SendMeta {
  row?: number;
  fingerprint: number;
  flags: number;
}
