// When ActiveCampaign refused each refused member (state flag REFUSED_BY_AC), as a UTC day number, for the refusal
// cool-down (config refusals.retryAfterDays). A small map beside the members, persisted as its own line kind in the
// snapshot and the journal: "@<email>\t<day>". An email never starts with "@", so the line cannot be read as a
// member's; a snapshot or journal written before this kind existed simply has none (every day unknown).

/** The line prefix of a refusal day, in the snapshot and in journal entries. */
export const REFUSAL_DAY_PREFIX = "@";

const MS_PER_DAY = 86_400_000;

/** The UTC day number (days since 1970-01-01) of a time in ms. */
export function dayNumber(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** "2026-12-01" for a day number. */
export function dayLabel(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export class RefusalDays {
  private readonly days = new Map<string, number>();

  get(email: string): number | undefined {
    return this.days.get(email);
  }
  set(email: string, day: number): void {
    this.days.set(email, day);
  }
  delete(email: string): void {
    this.days.delete(email);
  }
  get size(): number {
    return this.days.size;
  }

  /** One line per refusal day, for the snapshot and journal entries. */
  static line(email: string, day: number): string {
    return `${REFUSAL_DAY_PREFIX}${email}\t${day}`;
  }
  entries(): IterableIterator<[email: string, day: number]> {
    return this.days.entries();
  }
  *lines(): IterableIterator<string> {
    for (const [email, day] of this.days) yield RefusalDays.line(email, day);
  }

  /** Reads one "@email\tday" line (without its newline); false when it is not one. */
  readLine(line: string): boolean {
    if (!line.startsWith(REFUSAL_DAY_PREFIX)) return false;
    const tab = line.indexOf("\t");
    const day = Number(line.slice(tab + 1));
    if (tab > 1 && Number.isSafeInteger(day)) this.days.set(line.slice(1, tab), day);
    return true;
  }
}
