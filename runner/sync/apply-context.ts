// What every apply step works with: the run's dependencies, the prepared plan, the counts so far, the checkpointer
// that commits confirmed work, and the run's one bulk pipeline.
import type { BatchItem } from "./batcher.js";
import type { BulkPipeline } from "./bulk-pipeline.js";
import type { Checkpointer } from "./checkpointer.js";
import type { Applied, Prepared, SendMeta, SyncDeps } from "./types.js";

export interface ApplyContext {
  deps: SyncDeps;
  prepared: Prepared;
  applied: Applied;
  checkpoint: Checkpointer;
  /** Shared by changed members, the small-delta fallback and bulk unsubscribes (built once per run, in apply.ts). */
  pipeline: BulkPipeline<SendMeta>;
}

/** Records contacts ActiveCampaign did not take, for the report and rejected.csv. */
export function recordFailed(applied: Applied, items: BatchItem<SendMeta>[], reason: string, batchId?: string): void {
  for (const i of items) {
    applied.failed.push({ ...(i.meta.row !== undefined ? { row: i.meta.row } : {}), email: i.contact.email, reason, ...(batchId ? { batchId } : {}) });
  }
}
