/** The state of one preset at one instant (SPEC §4). */

import { _splitByExpiry, type ExpirySplit } from "./expiry.js";
import { _scheduledCount, type ScheduledCount } from "./schedule.js";
import type { Clock, Preset, PresetSnapshot, ReconcilePolicy, ReconciliationState } from "./types.js";
import { _assertValidSnapshot, _readClock, _resolvePolicy } from "./validate.js";

/** Why a preset is inactive, or `null` when it is active. */
export function _inactiveBecause(preset: Preset): string | null {
  if (preset.templateDeleted) return "its template was deleted";
  if (preset.templateDeprecated) return "its template is deprecated";
  if (!preset.usingActiveVersion) return "its template version is no longer the active one";
  return null;
}

/** Everything derived from a validated snapshot at one instant, shared by state and actions. */
export interface Evaluation {
  readonly nowMs: number;
  readonly inactiveBecause: string | null;
  readonly split: ExpirySplit;
  /** The scheduled count and its source; `null` for an inactive preset, which wants 0. */
  readonly scheduled: ScheduledCount | null;
  readonly state: ReconciliationState;
}

/** Evaluates a snapshot that has already been validated. */
export function _evaluate(snapshot: PresetSnapshot, nowMs: number): Evaluation {
  const { preset, inProgress } = snapshot;
  const inactiveBecause = _inactiveBecause(preset);
  const split = _splitByExpiry(preset, snapshot.running, nowMs);
  const scheduled = inactiveBecause === null ? _scheduledCount(preset, nowMs) : null;
  const desired = scheduled?.count ?? 0;
  const unexpiredCount = split.unexpired.length;
  const state: ReconciliationState = {
    actual: unexpiredCount + split.expired.length,
    desired,
    eligible: inactiveBecause === null ? split.unexpired.reduce((count, prebuild) => count + (prebuild.ready ? 1 : 0), 0) : 0,
    extraneous: inactiveBecause === null ? Math.max(unexpiredCount - desired, 0) : 0,
    expired: split.expired.length,
    starting: inProgress.start,
    stopping: inProgress.stop,
    deleting: inProgress.delete,
  };
  return { nowMs, inactiveBecause, split, scheduled, state };
}

/**
 * The state of one preset now: how many prebuilds it has, wants, could hand out, has too many of,
 * and has expired, plus the builds in flight.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @throws {PolicyValidationError} when the policy is invalid.
 * @example
 * const state = calculateState(snapshot, { now: () => new Date() });
 * console.log(`${state.eligible} of ${state.desired} ready`);
 */
export function calculateState(snapshot: PresetSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): ReconciliationState {
  _resolvePolicy(policy);
  _assertValidSnapshot(snapshot);
  return _evaluate(snapshot, _readClock(clock)).state;
}
