/** The state of one preset at one instant (SPEC §4, §11, §12). */

import { splitByExpiry, type ExpirySplit } from "./expiry.js";
import { EMPTY_MEMORY, settleMemory, stabilizedTarget, type SettledMemory } from "./memory.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy.js";
import { scheduledCount, type ScheduledCount } from "./schedule.js";
import { expressionTarget, targetFromSchedule, type TargetResult } from "./target.js";
import type { Clock, Preset, PresetMemory, PresetSnapshot, ReconcilePolicy, ReconciliationState, RunningPrebuild } from "./types/index.js";
import { assertValidSnapshot, readClock } from "./validate/index.js";

/** Why a preset is inactive, or `null` when it is active. */
export function inactiveBecause(preset: Preset): string | null {
  if (preset.templateDeleted) return "its template was deleted";
  if (preset.templateDeprecated) return "its template is deprecated";
  if (!preset.usingActiveVersion) return "its template version is no longer the active one";
  return null;
}

/**
 * Whether a preset is active (SPEC §1): it uses its template's active version and the template is
 * neither deleted nor deprecated. Only active presets want prebuilds.
 *
 * @example
 * const active = presets.filter(isPresetActive);
 */
export function isPresetActive(preset: Preset): boolean {
  return inactiveBecause(preset) === null;
}

/** Everything derived from a validated snapshot at one instant, shared by state, actions and the next change. */
export interface Evaluation {
  readonly nowMs: number;
  readonly inactiveBecause: string | null;
  readonly memory: PresetMemory;
  readonly settled: SettledMemory;
  /** Running prebuilds split by expiry, without those the runtime already asked to delete. */
  readonly split: ExpirySplit;
  /** The scheduled count and its source; `null` for an inactive preset, which wants 0. */
  readonly scheduled: ScheduledCount | null;
  /** The desired count and where it came from; `null` for an inactive preset. */
  readonly target: TargetResult | null;
  /** What surplus is measured against: the desired count, or a larger one still inside the stabilization window. */
  readonly keepAtLeast: number;
  readonly state: ReconciliationState;
}

function countReady(prebuilds: readonly RunningPrebuild[]): number {
  let ready = 0;
  for (const prebuild of prebuilds) if (prebuild.ready) ready += 1;
  return ready;
}

function withoutPendingDeletes(running: readonly RunningPrebuild[], pending: ReadonlySet<string>): readonly RunningPrebuild[] {
  return pending.size === 0 ? running : running.filter((prebuild) => !pending.has(prebuild.id));
}

/** Evaluates a snapshot that has already been validated. */
export function evaluate(snapshot: PresetSnapshot, nowMs: number, policy: ResolvedPolicy): Evaluation {
  const { preset, inProgress } = snapshot;
  const because = inactiveBecause(preset);
  const memory = snapshot.memory ?? EMPTY_MEMORY;
  const settled = settleMemory(memory, inProgress.start, snapshot.running, snapshot.backoff, nowMs, policy);
  const split = splitByExpiry(preset, withoutPendingDeletes(snapshot.running, settled.pendingDeletes), nowMs);
  const unexpired = split.unexpired.length;
  const starting = inProgress.start + settled.pendingCreates;
  const deleting = inProgress.delete + settled.pendingDeletes.size;
  const eligible = because === null ? countReady(split.unexpired) : 0;
  const scheduled = because === null ? scheduledCount(preset, nowMs) : null;
  const scheduledTarget = scheduled?.count ?? 0;
  const source = preset.desiredInstancesExpression;
  let target: TargetResult | null = null;
  if (because === null) {
    // The figures an expression reads are gathered only for a preset that has one.
    target =
      source === null || source === undefined
        ? targetFromSchedule(scheduledTarget)
        : expressionTarget(source, preset, { scheduledTarget, running: unexpired, eligible, starting, stopping: inProgress.stop, deleting, expired: split.expired.length }, snapshot.claimEvents ?? [], nowMs, policy);
  }
  const desired = target?.desired ?? 0;
  const keepAtLeast = stabilizedTarget(settled.desiredPeaks, desired);
  const state: ReconciliationState = {
    actual: unexpired + split.expired.length,
    desired,
    eligible,
    extraneous: because === null ? Math.max(unexpired - keepAtLeast, 0) : 0,
    expired: split.expired.length,
    starting,
    stopping: inProgress.stop,
    deleting,
    scheduledTarget,
    targetSource: target?.source ?? "scheduled",
    expressionError: target?.error ?? null,
  };
  return { nowMs, inactiveBecause: because, memory, settled, split, scheduled, target, keepAtLeast, state };
}

/**
 * The state of one preset now: how many prebuilds it has, wants (and why), could hand out, has too
 * many of, and has expired, plus the builds in flight.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @throws {PolicyValidationError} when the policy is invalid.
 * @example
 * const state = calculateState(snapshot, { now: () => new Date() });
 * console.log(`${state.eligible} of ${state.desired} ready`);
 */
export function calculateState(snapshot: PresetSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): ReconciliationState {
  const resolved = resolvePolicy(policy);
  assertValidSnapshot(snapshot);
  return evaluate(snapshot, readClock(clock), resolved).state;
}
