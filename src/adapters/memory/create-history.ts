/**
 * What the in-memory store remembers of a preset's finished creates, so that a snapshot derives
 * its backoff and hard limit without reading the whole build history: the latest few creates in
 * queue order, and the queue instants of the failed ones recent enough to count.
 */

/** A finished create (a system-user `start` build that succeeded or failed). */
export interface FinishedCreate {
  /** When it was queued, in epoch milliseconds. */
  readonly createdAtMs: number;
  /** Its position in the store's build list: breaks ties between creates queued at the same instant. */
  readonly sequence: number;
  /** Whether it failed. */
  readonly failed: boolean;
  /** When it was queued. */
  readonly createdAt: Date;
}

function before(left: FinishedCreate, right: FinishedCreate): boolean {
  return left.createdAtMs < right.createdAtMs || (left.createdAtMs === right.createdAtMs && left.sequence < right.sequence);
}

/**
 * The finished creates of one preset, as a snapshot needs them. Ordered by queue instant, then by
 * position in the build list (the order a stable sort of the whole list would give).
 */
export class CreateHistory {
  /** The smallest build-list position of any finished create: presets are reported in this order. */
  firstSequence = Number.POSITIVE_INFINITY;
  /** The last `keep` finished creates, oldest first. */
  private readonly tail: FinishedCreate[] = [];
  /** Queue instants of failed creates not yet older than the lookback, ascending. */
  private readonly failures: number[] = [];

  /** @param keep How many of the latest creates to keep: enough for the hard limit, and at least one. */
  constructor(private readonly keep: number) {}

  /** Adds a create that finished. `forgetBeforeMs`: failures queued earlier than this never count again. */
  add(create: FinishedCreate, forgetBeforeMs: number): void {
    if (create.sequence < this.firstSequence) this.firstSequence = create.sequence;
    const tail = this.tail;
    const first = tail[0];
    if (tail.length < this.keep || (first !== undefined && before(first, create))) {
      let index = tail.length;
      while (index > 0 && before(create, tail[index - 1] as FinishedCreate)) index -= 1;
      tail.splice(index, 0, create);
      if (tail.length > this.keep) tail.shift();
    }
    if (create.failed && create.createdAtMs >= forgetBeforeMs) {
      let index = this.failures.length;
      while (index > 0 && (this.failures[index - 1] as number) > create.createdAtMs) index -= 1;
      this.failures.splice(index, 0, create.createdAtMs);
    }
  }

  /** The latest finished create. */
  latest(): FinishedCreate | undefined {
    return this.tail.at(-1);
  }

  /** How many failed creates were queued at `sinceMs` or later; earlier ones are dropped for good. */
  failuresSince(sinceMs: number): number {
    let stale = 0;
    while (stale < this.failures.length && (this.failures[stale] as number) < sinceMs) stale += 1;
    if (stale > 0) this.failures.splice(0, stale);
    return this.failures.length;
  }

  /** The earliest queue instant of a failure still counted, or `null`. */
  oldestFailureMs(): number | null {
    return this.failures[0] ?? null;
  }

  /** Whether there are at least `limit` finished creates and the last `limit` of them all failed. */
  lastAllFailed(limit: number): boolean {
    if (limit <= 0 || this.tail.length < limit) return false;
    for (let index = this.tail.length - limit; index < this.tail.length; index += 1) if (this.tail[index]?.failed !== true) return false;
    return true;
  }
}
