import type { Clock } from "../../core/types/index.js";

/**
 * A clock that only moves when told to, for tests and simulations.
 *
 * @example
 * const clock = new ManualClock(new Date("2025-06-02T08:00:00Z"));
 * clock.advance(60_000);
 */
export class ManualClock implements Clock {
  private currentMs: number;

  constructor(start: Date) {
    if (Number.isNaN(start.getTime())) throw new RangeError("ManualClock needs a valid start Date");
    this.currentMs = start.getTime();
  }

  /** The current simulated instant. */
  now(): Date {
    return new Date(this.currentMs);
  }

  /** Moves time forward by `ms` (never backwards). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance needs a finite ms ≥ 0, got ${ms}`);
    this.currentMs += ms;
  }

  /** Jumps to `at`, which must not be earlier than now. */
  set(at: Date): void {
    if (Number.isNaN(at.getTime()) || at.getTime() < this.currentMs) throw new RangeError("ManualClock cannot go backwards");
    this.currentMs = at.getTime();
  }
}
