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

/** Claims and misses per window at one instant. */
export interface DemandCounts {
  readonly claims: Readonly<Record<DemandWindow, number>>;
  readonly misses: Readonly<Record<DemandWindow, number>>;
}

function zeros(): Record<DemandWindow, number> {
  return { 5: 0, 10: 0, 30: 0, 60: 0, 120: 0 };
}

/**
 * The counts at `nowMs`: an event is in the window of W minutes when `at > now − W` (so an event a
 * few seconds in the future, stamped by another replica's clock, counts too).
 */
export function countDemand(events: readonly ClaimEvent[], nowMs: number): DemandCounts {
  const claims = zeros();
  const misses = zeros();
  for (const event of events) {
    const age = nowMs - event.at.getTime();
    const counts = event.outcome === "claimed" ? claims : misses;
    for (const window of DEMAND_WINDOWS) if (age < window * MINUTE_MS) counts[window] += 1;
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
