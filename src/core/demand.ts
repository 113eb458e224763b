/**
 * Recent demand of a preset's pool (SPEC §11): claims and misses counted in rolling windows, and
 * the instant the next event leaves a window.
 */

import type { ClaimEvent } from "./types/index.js";

/** The windows, in minutes. */
export const DEMAND_WINDOWS = [5, 10, 30, 60, 120] as const;
/** One window length. */
export type DemandWindow = (typeof DEMAND_WINDOWS)[number];

const MINUTE_MS = 60_000;

/** Claims and misses per window at one instant, each list in {@link DEMAND_WINDOWS} order. */
export interface DemandCounts {
  readonly claims: readonly number[];
  readonly misses: readonly number[];
}

/** No events: nothing in any window. Shared, so that the presets without events allocate nothing. */
export const NO_DEMAND: DemandCounts = Object.freeze({ claims: Object.freeze([0, 0, 0, 0, 0]), misses: Object.freeze([0, 0, 0, 0, 0]) });

/**
 * The counts at `nowMs`: an event is in the window of W minutes when `at > now − W` (so an event a
 * few seconds in the future, stamped by another replica's clock, counts too).
 */
export function countDemand(events: readonly ClaimEvent[], nowMs: number): DemandCounts {
  if (events.length === 0) return NO_DEMAND;
  // Plain lists of small integers, indexed by window: an object keyed by 5, 10, 30, 60 and 120
  // would be a sparse array of 121 slots.
  const claims = [0, 0, 0, 0, 0];
  const misses = [0, 0, 0, 0, 0];
  for (const event of events) {
    const age = nowMs - event.at.getTime();
    const counts = event.outcome === "claimed" ? claims : misses;
    for (let window = 0; window < DEMAND_WINDOWS.length; window += 1) if (age < (DEMAND_WINDOWS[window] as DemandWindow) * MINUTE_MS) (counts[window] as number) += 1;
  }
  return { claims, misses };
}

/** The first instant after `nowMs` at which an event leaves one of the windows, or `null`. */
export function nextDemandChange(events: readonly ClaimEvent[], nowMs: number): number | null {
  let earliest: number | null = null;
  for (const event of events) {
    const at = event.at.getTime();
    for (const window of DEMAND_WINDOWS) {
      // The event is in the window while now − at < W: it leaves at at + W.
      const leaves = at + window * MINUTE_MS;
      if (leaves > nowMs) {
        if (earliest === null || leaves < earliest) earliest = leaves;
        break;
      }
    }
  }
  return earliest;
}
