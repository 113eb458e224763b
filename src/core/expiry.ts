/**
 * Which prebuilds are expired (SPEC §4): older than the TTL, strictly, or created strictly before
 * the preset's last invalidation.
 */

import { addMs } from "./instant.js";
import type { Preset, RunningPrebuild } from "./types.js";

/** The prebuilds of one preset split by expiry. */
export interface ExpirySplit {
  readonly unexpired: readonly RunningPrebuild[];
  readonly expired: readonly RunningPrebuild[];
  /** Of `expired`, how many were invalidated (the rest are past their TTL). */
  readonly invalidated: number;
}

function ttlMs(preset: Preset): number | null {
  const ttl = preset.ttlSeconds;
  return ttl === null || ttl === undefined || ttl === 0 ? null : ttl * 1000;
}

function isInvalidated(preset: Preset, prebuild: RunningPrebuild): boolean {
  const invalidatedAt = preset.lastInvalidatedAt;
  return invalidatedAt !== null && invalidatedAt !== undefined && prebuild.createdAt.getTime() < invalidatedAt.getTime();
}

/** Whether `prebuild` is expired at `nowMs` under `preset`'s TTL and invalidation. */
export function isExpired(preset: Preset, prebuild: RunningPrebuild, nowMs: number): boolean {
  const ttl = ttlMs(preset);
  return (ttl !== null && nowMs - prebuild.createdAt.getTime() > ttl) || isInvalidated(preset, prebuild);
}

const NONE: readonly RunningPrebuild[] = Object.freeze([]);

/** Splits a preset's running prebuilds into unexpired and expired ones, keeping their order. */
export function splitByExpiry(preset: Preset, running: readonly RunningPrebuild[], nowMs: number): ExpirySplit {
  // Most presets have nothing expired: then the input list itself is the unexpired list, and a
  // cycle over a million prebuilds allocates no second copy of it.
  if (!running.some((prebuild) => isExpired(preset, prebuild, nowMs))) return { unexpired: running, expired: NONE, invalidated: 0 };
  const unexpired: RunningPrebuild[] = [];
  const expired: RunningPrebuild[] = [];
  let invalidated = 0;
  for (const prebuild of running) {
    if (isInvalidated(preset, prebuild)) {
      expired.push(prebuild);
      invalidated += 1;
    } else if (isExpired(preset, prebuild, nowMs)) expired.push(prebuild);
    else unexpired.push(prebuild);
  }
  return { unexpired, expired, invalidated };
}

/**
 * The first instant after `nowMs` at which one of `unexpired` becomes expired by age
 * (the millisecond after its TTL runs out), or `null` when none ever does.
 */
export function nextExpiry(preset: Preset, unexpired: readonly RunningPrebuild[]): number | null {
  const ttl = ttlMs(preset);
  if (ttl === null || unexpired.length === 0) return null;
  let earliest = Infinity;
  // Saturating: a TTL of Number.MAX_SAFE_INTEGER seconds expires at the end of time, not at NaN.
  for (const prebuild of unexpired) earliest = Math.min(earliest, addMs(prebuild.createdAt.getTime(), ttl + 1));
  return earliest;
}
