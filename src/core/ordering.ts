/** Deterministic orderings of prebuilds, independent of the input order and of the host's locale. */

import type { RunningPrebuild } from "./types/index.js";

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

/** Lists at most this long are sorted by insertion, in place in a fresh copy. */
const INSERTION_SORT_LIMIT = 16;

/**
 * A sorted copy of `items`. A preset holds a handful of prebuilds, and for a handful an insertion
 * sort into one fresh array does less work than the engine's sort, which also copies into scratch
 * storage: across 10k presets a cycle saves megabytes of short-lived garbage. Stable, like
 * `Array.prototype.sort`.
 */
export function sortedCopy<T>(items: readonly T[], compare: (left: T, right: T) => number): T[] {
  const length = items.length;
  if (length > INSERTION_SORT_LIMIT) return items.slice().sort(compare);
  const sorted = new Array<T>(length);
  for (let index = 0; index < length; index += 1) {
    const item = items[index] as T;
    let position = index;
    while (position > 0 && compare(sorted[position - 1] as T, item) > 0) {
      sorted[position] = sorted[position - 1] as T;
      position -= 1;
    }
    sorted[position] = item;
  }
  return sorted;
}
