// Stops a run whose imports keep failing (REAL-ACCOUNT.md F7). One systematic value problem (a date column in the
// wrong format, emoji AC chokes on) fails every batch; retrying and bisecting each would cost about two imports per
// contact, the last level at 20 single-contact imports a minute: a run that never ends. A bad row or two bisects
// cheaply and is interleaved with completed imports, so the breaker trips on a run of consecutive failed imports, or
// on a failure rate that only a systematic problem reaches. Then the run stops (exit 1, IMPORTS_FAILING) naming what
// the failures share; what AC confirmed stays committed.
import type { BulkContact } from "../ac/types.js";
import { AcExportError } from "../errors.js";
import { FailureProfile } from "./failure-profile.js";

/** Failed imports in a row (in the order they ended) that stop the run. */
export const TRIP_CONSECUTIVE = 8;
/** Or: at least this many failed imports making up more than half of those that ended. */
export const TRIP_FAILED = 16;

export class ImportsFailingError extends AcExportError {
  constructor(message: string) {
    super("IMPORTS_FAILING", message);
  }
}

export class CircuitBreaker {
  private consecutive = 0;
  private failed = 0;
  private ended = 0;
  private readonly statuses = new Map<string, number>();
  private readonly profile: FailureProfile;
  private tripped: ImportsFailingError | undefined;

  constructor(fieldName: (id: number) => string = (id) => `id ${id}`) {
    this.profile = new FailureProfile(fieldName);
  }

  completed(contacts: BulkContact[]): void {
    this.consecutive = 0;
    this.ended++;
    if (this.failed > 0 || this.ended <= 8) this.profile.addCompleted(contacts);
  }

  /** An import ended failed (`status`: "failed", "interrupted", or "rejected: …"). Returns the error once it trips. */
  failure(contacts: BulkContact[], status: string): ImportsFailingError | undefined {
    this.consecutive++;
    this.failed++;
    this.ended++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.profile.addFailed(contacts);
    if (this.tripped) return this.tripped;
    if (this.consecutive < TRIP_CONSECUTIVE && !(this.failed >= TRIP_FAILED && this.failed * 2 > this.ended)) return undefined;
    this.tripped = new ImportsFailingError(this.message());
    return this.tripped;
  }

  private message(): string {
    // AC's reasons may quote an address: never a customer's data in an error.
    const how = [...this.statuses].map(([s, n]) => `${n}× ${s.startsWith("rejected") ? s.replace(/[^\s'"‘’]+@[^\s'"‘’]+/g, "<email>") : `"${s}"`}`).join(", ");
    const shared = this.profile.shared();
    const what = shared.length
      ? `what the failed imports' contacts share (ActiveCampaign gives no reason for a failed import): ${shared.join("; ")}`
      : "their contacts share no field value shape that the completed imports lack";
    return (
      `bulk imports keep failing: ${this.failed} of the ${this.ended} imports that ended failed (${how}), ${this.consecutive} in a row at the end; ` +
      `the run stopped instead of splitting every batch down to single contacts. ${what}. ` +
      `Contacts of the failed imports were not committed and will be sent again by the next run: fix the data (or the field's type in ActiveCampaign) first.`
    );
  }
}
