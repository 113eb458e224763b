/**
 * Instant arithmetic that saturates at the ends of the `Date` range (±8.64e15 ms) instead of
 * producing an Invalid Date: a valid far-future input (a backoff in the year 275760, a TTL of
 * `Number.MAX_SAFE_INTEGER` seconds) must give a valid, if distant, answer.
 */

/** The largest epoch millisecond a `Date` can hold. */
export const LATEST_MS = 8.64e15;
/** The smallest epoch millisecond a `Date` can hold. */
export const EARLIEST_MS = -8.64e15;

/** `epochMs + deltaMs`, held within the `Date` range. */
export function addMs(epochMs: number, deltaMs: number): number {
  const sum = epochMs + deltaMs;
  if (Number.isNaN(sum)) return LATEST_MS;
  return Math.min(LATEST_MS, Math.max(EARLIEST_MS, sum));
}

/** An ISO rendering that never throws (the range is saturated, so this is for safety only). */
export function isoOf(epochMs: number): string {
  return new Date(Math.min(LATEST_MS, Math.max(EARLIEST_MS, epochMs))).toISOString();
}
