/**
 * The two reference points `planCycle` is measured against.
 *
 * - `groupByPreset`: the floor. One pass over every row list into a `Map` keyed by preset id, and
 *   nothing else: no validation, no state, no actions. No planner that groups can be faster.
 * - `naivePlan`: what the Go system does. For each preset, filter every row list by preset id to
 *   build its `PresetSnapshot`, then call `calculateActions` on it: O(presets × rows).
 */

import { calculateActions, type Clock, type GlobalSnapshot, type PresetSnapshot, type ReconciliationAction, type RunningPrebuild } from "../src/index.js";

/** The rows of one preset, as the bare group-by collects them. */
export interface Bucket {
  readonly running: RunningPrebuild[];
  readonly inProgress: GlobalSnapshot["inProgress"][number][];
  readonly pendingNonActive: GlobalSnapshot["pendingNonActive"][number][];
  backoff: GlobalSnapshot["backoffs"][number] | null;
  hardLimited: boolean;
  readonly claimEvents: NonNullable<GlobalSnapshot["claimEvents"]>[number][];
}

function bucketOf(map: Map<string, Bucket>, presetId: string): Bucket {
  let bucket = map.get(presetId);
  if (bucket === undefined) {
    bucket = { running: [], inProgress: [], pendingNonActive: [], backoff: null, hardLimited: false, claimEvents: [] };
    map.set(presetId, bucket);
  }
  return bucket;
}

/** One pass over every row, into a Map of per-preset buckets. */
export function groupByPreset(global: GlobalSnapshot): Map<string, Bucket> {
  const map = new Map<string, Bucket>();
  for (const preset of global.presets) bucketOf(map, preset.id);
  for (const row of global.running) bucketOf(map, row.presetId).running.push(row);
  for (const row of global.inProgress) bucketOf(map, row.presetId).inProgress.push(row);
  for (const row of global.pendingNonActive) bucketOf(map, row.presetId).pendingNonActive.push(row);
  for (const row of global.backoffs) bucketOf(map, row.presetId).backoff = row;
  for (const presetId of global.hardLimitedPresetIds) bucketOf(map, presetId).hardLimited = true;
  for (const row of global.claimEvents ?? []) bucketOf(map, row.presetId).claimEvents.push(row);
  return map;
}

/** The Go system's shape: filter every list per preset, then decide per preset. */
export function naivePlan(global: GlobalSnapshot, clock: Clock): { presetId: string; actions: readonly ReconciliationAction[] }[] {
  const plans: { presetId: string; actions: readonly ReconciliationAction[] }[] = [];
  for (const preset of global.presets) {
    const id = preset.id;
    const inProgress = { start: 0, stop: 0, delete: 0 };
    for (const row of global.inProgress.filter((entry) => entry.presetId === id)) inProgress[row.transition] += row.count;
    const backoff = global.backoffs.filter((entry) => entry.presetId === id)[0];
    const snapshot: PresetSnapshot = {
      preset,
      running: global.running.filter((row) => row.presetId === id),
      inProgress,
      pendingNonActive: global.pendingNonActive.filter((row) => row.presetId === id).reduce((sum, row) => sum + row.count, 0),
      backoff: backoff === undefined ? null : { failedBuilds: backoff.failedBuilds, lastBuildAt: backoff.lastBuildAt },
      hardLimited: global.hardLimitedPresetIds.filter((presetId) => presetId === id).length > 0,
    };
    plans.push({ presetId: id, actions: calculateActions(snapshot, clock) });
  }
  return plans;
}
