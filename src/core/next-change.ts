/** When a preset's decision can next change with its snapshot unchanged (SPEC §6, §11, §12). */

import { decide, type Decision } from "./actions.js";
import { backoffUntilMs } from "./backoff.js";
import { nextDemandChange } from "./demand.js";
import { nextExpiry } from "./expiry.js";
import { LATEST_MS } from "./instant.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy.js";
import { nextScheduledTargetChange } from "./schedule.js";
import { evaluate, type Evaluation } from "./state.js";
import { readsClock, readsDemand } from "./target.js";
import { nextWallHour } from "./timezone.js";
import type { Clock, PresetSnapshot, ReconcilePolicy } from "./types/index.js";
import { assertValidSnapshot, readClock } from "./validate/index.js";

/** Schedule scans shared by the presets of one cycle that have the same schedules. */
export type ScheduleScans = Map<string, number | null>;

/**
 * Schedule scans remembered across cycles. A scan from `fromMs` found the first change at
 * `changeMs`; for any later instant before it, the count is the same as at `fromMs`, so the first
 * change is the same too. A steady control plane scans each distinct schedule once per change.
 */
const rememberedScans = new Map<string, { readonly fromMs: number; readonly changeMs: number }>();
const REMEMBERED_SCANS_LIMIT = 10_000;

function scheduleSignature(preset: PresetSnapshot["preset"]): string {
  const scheduling = preset.scheduling;
  if (scheduling === null || scheduling === undefined) return "";
  let signature = `${scheduling.timezone}\u0000${scheduling.leadTimeSeconds ?? 0}\u0000${preset.desiredInstances}`;
  for (const schedule of scheduling.schedules) signature += `\u0000${schedule.cron}\u0000${schedule.instances}`;
  return signature;
}

function scheduleChange(snapshot: PresetSnapshot, nowMs: number, scans: ScheduleScans | undefined): number | null {
  const { scheduling } = snapshot.preset;
  if (scheduling === null || scheduling === undefined || scheduling.schedules.length === 0) return null;
  const key = scheduleSignature(snapshot.preset);
  const remembered = rememberedScans.get(key);
  if (remembered !== undefined && remembered.fromMs <= nowMs && nowMs < remembered.changeMs) return remembered.changeMs;
  let change = scans?.get(key);
  if (change === undefined) {
    change = nextScheduledTargetChange(snapshot.preset, nowMs);
    scans?.set(key, change);
    if (change !== null) {
      if (rememberedScans.size >= REMEMBERED_SCANS_LIMIT) rememberedScans.clear();
      rememberedScans.set(key, { fromMs: nowMs, changeMs: change });
    }
  }
  return change;
}

/** The earlier of `earliest` and a candidate change after `nowMs`. */
function earlier(earliest: number | null, candidate: number | null, nowMs: number): number | null {
  if (candidate === null) return earliest;
  // A change past the end of the Date range (a backoff or expectation ending there, plus 1 ms)
  // is reported as that end: never later than the change, and never an Invalid Date.
  const bounded = Math.min(candidate, LATEST_MS);
  return bounded > nowMs && (earliest === null || bounded < earliest) ? bounded : earliest;
}

/** The next change of a validated, evaluated and decided snapshot, in epoch milliseconds, or `null`. */
export function nextChangeMs(snapshot: PresetSnapshot, evaluation: Evaluation, decision: Decision, policy: ResolvedPolicy, scans?: ScheduleScans): number | null {
  const { nowMs, settled, memory, target } = evaluation;
  let earliest: number | null = null;
  // A delete asked for that the store still shows is asked again once its expectation expires,
  // whether the preset is active or not.
  for (const expected of memory.expectedDeletes) if (settled.pendingDeletes.has(expected.workspaceId)) earliest = earlier(earliest, expected.expiresAt.getTime() + 1, nowMs);
  // An inactive preset deletes everything it has whatever the time: nothing else it decides can change.
  if (evaluation.inactiveBecause !== null) return earliest;
  earliest = earlier(earliest, scheduleChange(snapshot, nowMs, scans), nowMs);
  earliest = earlier(earliest, nextExpiry(snapshot.preset, evaluation.split.unexpired), nowMs);
  if (decision.blocked === null) {
    const until = backoffUntilMs(snapshot.preset.id, snapshot.backoff, policy);
    // Creates resume the millisecond after `until`.
    if (until !== null && nowMs <= until) earliest = earlier(earliest, until + 1, nowMs);
  }
  earliest = earlier(earliest, decision.probeAtMs, nowMs);
  if (target?.expression != null) {
    if (readsDemand(target.expression)) earliest = earlier(earliest, nextDemandChange(snapshot.claimEvents ?? [], nowMs), nowMs);
    if (readsClock(target.expression)) earliest = earlier(earliest, nextWallHour(snapshot.preset.scheduling?.timezone || "UTC", nowMs), nowMs);
  }
  // The largest peak of the stabilization window is the oldest one; surplus can go once it leaves.
  const peak = settled.desiredPeaks[0];
  if (peak !== undefined && peak.desired > evaluation.state.desired) earliest = earlier(earliest, peak.at.getTime() + policy.scaleDownStabilizationMs, nowMs);
  if (settled.pendingCreates > 0 && memory.expectedCreates !== null) earliest = earlier(earliest, memory.expectedCreates.expiresAt.getTime() + 1, nowMs);
  return earliest;
}

/**
 * The earliest instant after now at which {@link calculateActions} could decide differently with
 * the snapshot unchanged: the next schedule boundary where the desired count changes (lead time
 * included), the next expiry of a running prebuild, the end of a backoff, a hard-limit probe
 * coming due, a claim event leaving a demand window or a new hour (for expressions that read them),
 * a peak leaving the stabilization window, an expectation expiring. Never later than that first
 * change; it may be earlier. Schedules are looked at up to 8 days ahead (a schedule that changes
 * later gives now + 8 days). `null` when nothing is due, so a host can sleep until a snapshot changes.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @example
 * const wakeAt = nextChangeAt(snapshot, clock);
 * if (wakeAt !== null) setTimeout(reconcile, wakeAt.getTime() - Date.now());
 */
export function nextChangeAt(snapshot: PresetSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): Date | null {
  const resolved = resolvePolicy(policy);
  assertValidSnapshot(snapshot);
  const nowMs = readClock(clock);
  const evaluation = evaluate(snapshot, nowMs, resolved);
  const next = nextChangeMs(snapshot, evaluation, decide(snapshot, evaluation, resolved), resolved);
  return next === null ? null : new Date(next);
}
