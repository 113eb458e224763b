/** Deterministic orderings of prebuilds, independent of the input order and of the host's locale. */

import type { RunningPrebuild } from "./types.js";

/** Plain code-unit comparison: the same everywhere, unlike `localeCompare`. */
export function compareIds(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Oldest first, then smallest id. */
export function oldestFirst(left: RunningPrebuild, right: RunningPrebuild): number {
  return left.createdAt.getTime() - right.createdAt.getTime() || compareIds(left.id, right.id);
}

/** The order in which surplus prebuilds go (SPEC §5.2): not-ready first, then oldest, then smallest id. */
export function surplusRank(left: RunningPrebuild, right: RunningPrebuild): number {
  return Number(left.ready) - Number(right.ready) || oldestFirst(left, right);
}
