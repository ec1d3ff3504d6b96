// Packs contacts into batches (Batcher) and hands each full batch to the bulk pipeline; `finish` sends the last
// batch and waits until every batch is confirmed or failed.
import type { BulkContact } from "../ac/types.js";
import { Batcher } from "./batcher.js";
import type { BulkPipeline } from "./bulk-pipeline.js";

export class BatchSender<T> {
  private readonly batcher = new Batcher<T>();

  constructor(private readonly pipeline: BulkPipeline<T>) {}

  /** Adds a contact; waits (backpressure) only when a full batch has to queue for the pipeline. */
  async add(contact: BulkContact, meta: T): Promise<void> {
    const full = this.batcher.add(contact, meta);
    if (full) await this.pipeline.submit(full);
  }

  async finish(): Promise<void> {
    const last = this.batcher.flush();
    if (last) await this.pipeline.submit(last);
    await this.pipeline.drain();
  }
}
