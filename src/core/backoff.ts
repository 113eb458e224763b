/**
 * When creates may resume after failures (SPEC §5.3, §12): linear as in the Go system, or
 * exponential with a cap and a jitter that every replica computes alike.
 */

import { addMs } from "./instant.js";
import type { ResolvedPolicy } from "./policy.js";
import type { Backoff } from "./types/index.js";

/** A number in [0, 1) derived from the preset id and the failure count: the same on every replica. */
function jitterDraw(presetId: string, failedBuilds: number): number {
  let hash = 0x811c9dc5;
  const text = `${presetId}\u0000${failedBuilds}`;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  // One more mixing round so that neighbouring ids spread over the whole range.
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> 0;
  return hash / 0x1_0000_0000;
}

/** How long the preset waits after its last failed create, in ms. */
export function backoffDelayMs(presetId: string, failedBuilds: number, policy: ResolvedPolicy): number {
  if (policy.backoff.kind === "linear") return failedBuilds * policy.backoffIntervalMs;
  const { capMs, jitter } = policy.backoff;
  // 2^1023 is the largest finite power of two: a larger exponent would make a base of 0 give
  // 0 × Infinity = NaN (a wait until the end of time) instead of no wait at all.
  const grown = Math.min(capMs, policy.backoffIntervalMs * 2 ** Math.min(failedBuilds - 1, 1023));
  return Math.floor(grown * (1 - jitter * jitterDraw(presetId, failedBuilds)));
}

/** The last instant of the backoff (creates resume strictly after it), or `null` when there is none. */
export function backoffUntilMs(presetId: string, backoff: Backoff | null, policy: ResolvedPolicy): number | null {
  if (backoff === null || backoff.failedBuilds === 0) return null;
  return addMs(backoff.lastBuildAt.getTime(), backoffDelayMs(presetId, backoff.failedBuilds, policy));
}
