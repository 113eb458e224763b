/**
 * Which prebuilds are expired (SPEC §4): older than the TTL, strictly, or created strictly before
 * the preset's last invalidation.
 */

import { addMs } from "./instant.js";
import type { Preset, RunningPrebuild } from "./types/index.js";

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

/**
 * A prebuild created strictly before this instant is expired at `nowMs`: the later of the
 * invalidation and `now − TTL` (`now − createdAt > TTL` is `createdAt < now − TTL`). Worked out
 * once per preset, so that each prebuild costs one comparison.
 */
function expiredBefore(preset: Preset, nowMs: number): number {
  const ttl = ttlMs(preset);
  const invalidatedAt = preset.lastInvalidatedAt?.getTime() ?? -Infinity;
  return ttl === null ? invalidatedAt : Math.max(invalidatedAt, nowMs - ttl);
}

/** Whether `prebuild` is expired at `nowMs` under `preset`'s TTL and invalidation. */
export function isExpired(preset: Preset, prebuild: RunningPrebuild, nowMs: number): boolean {
  return prebuild.createdAt.getTime() < expiredBefore(preset, nowMs);
}

const NONE: readonly RunningPrebuild[] = Object.freeze([]);

/** Splits a preset's running prebuilds into unexpired and expired ones, keeping their order. */
export function splitByExpiry(preset: Preset, running: readonly RunningPrebuild[], nowMs: number): ExpirySplit {
  const cutoff = expiredBefore(preset, nowMs);
  let anyExpired = false;
  for (let index = 0; index < running.length && !anyExpired; index += 1) anyExpired = (running[index] as RunningPrebuild).createdAt.getTime() < cutoff;
  // Most presets have nothing expired: then the input list itself is the unexpired list, and a
  // cycle over a million prebuilds allocates no second copy of it.
  if (!anyExpired) return { unexpired: running, expired: NONE, invalidated: 0 };
  const invalidatedAt = preset.lastInvalidatedAt?.getTime() ?? -Infinity;
  const unexpired: RunningPrebuild[] = [];
  const expired: RunningPrebuild[] = [];
  let invalidated = 0;
  for (const prebuild of running) {
    const createdAt = prebuild.createdAt.getTime();
    if (createdAt >= cutoff) unexpired.push(prebuild);
    else {
      expired.push(prebuild);
      if (createdAt < invalidatedAt) invalidated += 1;
    }
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
  let oldest = Infinity;
  for (const prebuild of unexpired) oldest = Math.min(oldest, prebuild.createdAt.getTime());
  // Saturating: a TTL of Number.MAX_SAFE_INTEGER seconds expires at the end of time, not at NaN.
  return addMs(oldest, ttl + 1);
}
