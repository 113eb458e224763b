/** What to do for one preset (SPEC §5): the decision rules and their reasons. */

import { _oldestFirst, _surplusRank } from "./ordering.js";
import { _evaluate, _inactiveBecause, type Evaluation } from "./state.js";
import { describeInstant } from "./timezone.js";
import type {
  BackoffAction,
  CancelPendingAction,
  Clock,
  CreateAction,
  DeleteAction,
  PresetSnapshot,
  ReconcilePolicy,
  ReconciliationAction,
  RunningPrebuild,
} from "./types.js";
import { _assertValidSnapshot, _readClock, _resolvePolicy, type ResolvedPolicy } from "./validate.js";

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function ids(prebuilds: readonly RunningPrebuild[]): string[] {
  return prebuilds.map((prebuild) => prebuild.id);
}

/** "desired 3 (schedule `* 8-18 * * 1-5` in Europe/Berlin)" */
function desiredPhrase(snapshot: PresetSnapshot, evaluation: Evaluation): string {
  const schedule = evaluation.scheduled?.schedule ?? null;
  const timezone = snapshot.preset.scheduling?.timezone;
  const source = schedule === null || timezone === undefined ? "base count" : `schedule \`${schedule.cron}\` in ${timezone}`;
  return `desired ${evaluation.state.desired} (${source})`;
}

/** The budget cut applied to a create by `planCycle`. */
export interface BudgetCut {
  /** What the preset needed. */
  readonly requested: number;
  /** The cycle's whole budget. */
  readonly budget: number;
}

/** The reason of a create of `count`, optionally cut down from what was needed by the cycle budget. */
export function _createReason(snapshot: PresetSnapshot, evaluation: Evaluation, count: number, cut: BudgetCut | null): string {
  const { state } = evaluation;
  const head = `${desiredPhrase(snapshot, evaluation)}, ${evaluation.split.unexpired.length} running, ${state.starting} starting`;
  if (cut === null) return `${head}: create ${count}`;
  return `${head}: create ${count} of the ${cut.requested} needed, cut by the cycle budget of ${plural(cut.budget, "create")}`;
}

function inactiveActions(snapshot: PresetSnapshot, evaluation: Evaluation, because: string): ReconciliationAction[] {
  const actions: ReconciliationAction[] = [];
  if (snapshot.pendingNonActive > 0) {
    const cancel: CancelPendingAction = {
      type: "cancelPending",
      count: snapshot.pendingNonActive,
      reason:
        snapshot.pendingNonActive === 1
          ? `preset is inactive (${because}): cancel its 1 queued create job and delete its workspace`
          : `preset is inactive (${because}): cancel its ${snapshot.pendingNonActive} queued create jobs and delete their workspaces`,
    };
    actions.push(cancel);
  }
  if (snapshot.running.length > 0) {
    const all = [...snapshot.running].sort(_oldestFirst);
    const remove: DeleteAction = {
      type: "delete",
      workspaceIds: ids(all),
      reason:
        all.length === 1
          ? `preset is inactive (${because}): delete its 1 running prebuild`
          : `preset is inactive (${because}): delete all ${all.length} running prebuilds, oldest first`,
    };
    actions.push(remove);
  }
  return actions;
}

function expiredReason(snapshot: PresetSnapshot, evaluation: Evaluation): string {
  const { expired, invalidated } = evaluation.split;
  const causes: string[] = [];
  const byAge = expired.length - invalidated;
  if (byAge > 0) causes.push(`${byAge} older than the TTL of ${snapshot.preset.ttlSeconds ?? 0} s`);
  const invalidatedAt = snapshot.preset.lastInvalidatedAt;
  if (invalidated > 0 && invalidatedAt) causes.push(`${invalidated} created before the invalidation at ${invalidatedAt.toISOString()}`);
  return `${plural(expired.length, "prebuild")} expired (${causes.join(", ")}): delete ${expired.length}, oldest first`;
}

function backoffUntil(snapshot: PresetSnapshot, policy: ResolvedPolicy): number | null {
  const backoff = snapshot.backoff;
  if (backoff === null || backoff.failedBuilds === 0) return null;
  return backoff.lastBuildAt.getTime() + backoff.failedBuilds * policy.backoffIntervalMs;
}

function describeUntil(snapshot: PresetSnapshot, until: Date): string {
  const timezone = snapshot.preset.scheduling?.timezone;
  return timezone === undefined ? until.toISOString() : `${until.toISOString()} (${describeInstant(until, timezone)} in ${timezone})`;
}

function activeActions(snapshot: PresetSnapshot, evaluation: Evaluation, policy: ResolvedPolicy): ReconciliationAction[] {
  const actions: ReconciliationAction[] = [];
  const { split, state } = evaluation;
  if (split.expired.length > 0) {
    const remove: DeleteAction = {
      type: "delete",
      workspaceIds: ids([...split.expired].sort(_oldestFirst)),
      reason: expiredReason(snapshot, evaluation),
    };
    actions.push(remove);
  }
  if (state.extraneous > 0) {
    const surplus = [...split.unexpired].sort(_surplusRank).slice(0, state.extraneous);
    const remove: DeleteAction = {
      type: "delete",
      workspaceIds: ids(surplus),
      reason: `${desiredPhrase(snapshot, evaluation)}, ${split.unexpired.length} unexpired running: delete ${state.extraneous} surplus, not-ready first, then oldest`,
    };
    actions.push(remove);
  }
  const toCreate = Math.max(state.desired - split.unexpired.length - state.starting, 0);
  if (toCreate === 0 || snapshot.hardLimited) return actions;
  const until = backoffUntil(snapshot, policy);
  if (until !== null && evaluation.nowMs <= until) {
    const failed = snapshot.backoff?.failedBuilds ?? 0;
    const untilDate = new Date(until);
    const backoff: BackoffAction = {
      type: "backoff",
      until: untilDate,
      reason:
        `${desiredPhrase(snapshot, evaluation)}, ${split.unexpired.length} running, ${state.starting} starting, ` +
        `but ${plural(failed, "recent create")} failed: back off until ${describeUntil(snapshot, untilDate)} instead of creating ${toCreate}`,
    };
    actions.push(backoff);
    return actions;
  }
  const create: CreateAction = { type: "create", count: toCreate, reason: _createReason(snapshot, evaluation, toCreate, null) };
  actions.push(create);
  return actions;
}

/** The actions of a validated snapshot, already evaluated. */
export function _actionsOf(snapshot: PresetSnapshot, evaluation: Evaluation, policy: ResolvedPolicy): ReconciliationAction[] {
  return evaluation.inactiveBecause === null
    ? activeActions(snapshot, evaluation, policy)
    : inactiveActions(snapshot, evaluation, evaluation.inactiveBecause);
}

/** Whether a validated snapshot needs no reconciliation at all. */
export function _canSkip(snapshot: PresetSnapshot, active: boolean): boolean {
  return !active && snapshot.running.length === 0 && snapshot.pendingNonActive === 0 && snapshot.backoff === null;
}

/**
 * The actions that bring one preset to its desired state now, in the order of SPEC §5:
 * `cancelPending`, `delete` of expired prebuilds, `delete` of surplus prebuilds, then `create` or
 * `backoff`. Each carries a one-sentence reason. Pure: no I/O, no real time, input untouched.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid; `issues` name every bad field.
 * @throws {PolicyValidationError} when the policy is invalid.
 * @example
 * const actions = calculateActions(snapshot, { now: () => new Date("2025-06-02T08:00:00Z") });
 * for (const action of actions) console.log(action.type, action.reason);
 */
export function calculateActions(
  snapshot: PresetSnapshot,
  clock: Clock,
  policy?: Partial<ReconcilePolicy>,
): readonly ReconciliationAction[] {
  const resolved = _resolvePolicy(policy);
  _assertValidSnapshot(snapshot);
  const nowMs = _readClock(clock);
  return _actionsOf(snapshot, _evaluate(snapshot, nowMs), resolved);
}

/**
 * True exactly when the preset is inactive and has no running prebuilds (expired included), no
 * pending non-active creates and no backoff: then {@link calculateActions} is empty, and a cycle
 * can leave the preset out without spending a worker or a database connection on it.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @example
 * const due = snapshots.filter((snapshot) => !canSkipReconciliation(snapshot));
 */
export function canSkipReconciliation(snapshot: PresetSnapshot, clock?: Clock): boolean {
  // The clock is accepted for symmetry with the other functions: skipping never depends on time.
  void clock;
  _assertValidSnapshot(snapshot);
  return _canSkip(snapshot, _inactiveBecause(snapshot.preset) === null);
}
