/** When a preset's decision can next change with its snapshot unchanged (SPEC §6). */

import { _nextExpiry } from "./expiry.js";
import { _nextScheduleChange } from "./schedule.js";
import { _evaluate } from "./state.js";
import { _planCycleDetailed } from "./cycle.js";
import type { Clock, GlobalSnapshot, PresetSnapshot, ReconcilePolicy } from "./types.js";
import { _assertValidSnapshot, _readClock, _resolvePolicy, type ResolvedPolicy } from "./validate.js";

function scheduleChange(snapshot: PresetSnapshot, nowMs: number, scans: Map<string, number | null> | undefined): number | null {
  const { scheduling, desiredInstances } = snapshot.preset;
  if (scans === undefined || scheduling === null || scheduling === undefined) return _nextScheduleChange(snapshot.preset, nowMs);
  const key = JSON.stringify([scheduling.timezone, desiredInstances, scheduling.schedules.map((schedule) => [schedule.cron, schedule.instances])]);
  let change = scans.get(key);
  if (change === undefined) {
    change = _nextScheduleChange(snapshot.preset, nowMs);
    scans.set(key, change);
  }
  return change;
}

/** The next change of a validated snapshot, in epoch milliseconds, or `null`. */
export function _nextChangeMs(
  snapshot: PresetSnapshot,
  nowMs: number,
  policy: ResolvedPolicy,
  scheduleScans?: Map<string, number | null>,
): number | null {
  const evaluation = _evaluate(snapshot, nowMs);
  // An inactive preset deletes everything it has whatever the time: nothing it decides can change.
  if (evaluation.inactiveBecause !== null) return null;
  const candidates: number[] = [];
  const schedule = scheduleChange(snapshot, nowMs, scheduleScans);
  if (schedule !== null) candidates.push(schedule);
  const expiry = _nextExpiry(snapshot.preset, evaluation.split.unexpired);
  if (expiry !== null) candidates.push(expiry);
  const backoff = snapshot.backoff;
  if (backoff !== null && backoff.failedBuilds > 0 && !snapshot.hardLimited) {
    const until = backoff.lastBuildAt.getTime() + backoff.failedBuilds * policy.backoffIntervalMs;
    // Creates resume the millisecond after `until`.
    if (nowMs <= until) candidates.push(until + 1);
  }
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/**
 * The earliest instant after now at which {@link calculateActions} could decide differently with
 * the snapshot unchanged: the next schedule boundary where the desired count changes, the next
 * expiry of a running prebuild, or the end of a backoff. Never later than that first change; it
 * may be earlier. Schedules are looked at up to 8 days ahead (a schedule that changes later gives
 * now + 8 days). `null` when nothing is due, so a host can sleep until a snapshot changes.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @example
 * const wakeAt = nextChangeAt(snapshot, clock);
 * if (wakeAt !== null) setTimeout(reconcile, wakeAt.getTime() - Date.now());
 */
export function nextChangeAt(snapshot: PresetSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): Date | null {
  const resolved = _resolvePolicy(policy);
  _assertValidSnapshot(snapshot);
  const next = _nextChangeMs(snapshot, _readClock(clock), resolved);
  return next === null ? null : new Date(next);
}

/**
 * The earliest next change over many validated snapshots that share one "now". Presets with the
 * same zone, schedules and base count share one schedule scan.
 */
export function _earliestChangeMs(snapshots: readonly PresetSnapshot[], nowMs: number, policy: ResolvedPolicy): number | null {
  let earliest: number | null = null;
  const scheduleScans = new Map<string, number | null>();
  for (const snapshot of snapshots) {
    const next = _nextChangeMs(snapshot, nowMs, policy, scheduleScans);
    if (next !== null && (earliest === null || next < earliest)) earliest = next;
  }
  return earliest;
}

/**
 * {@link nextChangeAt} over a whole cycle: the earliest instant at which the plan of any valid
 * preset could change with the snapshot unchanged, or `null` when nothing is due. A host loop can
 * sleep until then (or until its own interval, whichever comes first).
 *
 * @throws {SnapshotValidationError} when the snapshot as a whole is unusable (see {@link planCycle}).
 * @example
 * const wakeAt = nextCycleChangeAt(snapshot, clock);
 * const sleepMs = Math.min(intervalMs, wakeAt === null ? intervalMs : wakeAt.getTime() - Date.now());
 */
export function nextCycleChangeAt(global: GlobalSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): Date | null {
  const resolved = _resolvePolicy(policy);
  const nowMs = _readClock(clock);
  const next = _earliestChangeMs(_planCycleDetailed(global, nowMs, resolved).snapshots, nowMs, resolved);
  return next === null ? null : new Date(next);
}
