/** What to do for one preset (SPEC §5, §12): the decision rules. */

import { backoffUntilMs } from "./backoff.js";
import { presetConfigurationKey } from "./configuration.js";
import { addMs } from "./instant.js";
import { currentWindow } from "./memory.js";
import { oldestFirst, sortedCopy, surplusRank } from "./ordering.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy.js";
import {
  backoffReason,
  createReason,
  expiredReason,
  hardLimitedReason,
  inactiveCancelReason,
  inactiveDeleteReason,
  probeReason,
  surplusReason,
  type ProbeState,
  VALIDATION_FAILED_REASON,
} from "./reasons.js";
import { evaluate, inactiveBecause, type Evaluation } from "./state.js";
import type { BlockedBecause, Clock, PresetSnapshot, ReconcilePolicy, ReconciliationAction, RunningPrebuild } from "./types/index.js";
import { assertValidSnapshot, readClock } from "./validate/index.js";

function ids(prebuilds: readonly RunningPrebuild[], count = prebuilds.length): string[] {
  const result = new Array<string>(count);
  for (let index = 0; index < count; index += 1) result[index] = (prebuilds[index] as RunningPrebuild).id;
  return result;
}

/** Everything decided for one preset. */
export interface Decision {
  readonly actions: ReconciliationAction[];
  readonly blocked: BlockedBecause | null;
  readonly blockedReason: string | null;
  /** The slow-start window the decision used (1 without slow start). */
  readonly window: number;
  /** When a hard-limited preset may probe next, or `null`. */
  readonly probeAtMs: number | null;
  /** The last instant of a backoff that replaced a create, or `null`. */
  readonly backoffUntilMs: number | null;
}

function inactiveDecision(snapshot: PresetSnapshot, evaluation: Evaluation, because: string, policy: ResolvedPolicy): Decision {
  const actions: ReconciliationAction[] = [];
  if (snapshot.pendingNonActive > 0) {
    actions.push({ type: "cancelPending", count: snapshot.pendingNonActive, reason: inactiveCancelReason(snapshot.pendingNonActive, because) });
  }
  const all = sortedCopy(evaluation.split.expired.length === 0 ? evaluation.split.unexpired : [...evaluation.split.unexpired, ...evaluation.split.expired], oldestFirst);
  if (all.length > 0) actions.push({ type: "delete", workspaceIds: ids(all), reason: inactiveDeleteReason(all.length, because) });
  // An inactive preset creates nothing anyway, but its plan still says what would block it.
  const blocked = failedValidation(snapshot) ? "validationFailed" : snapshot.hardLimited ? "hardLimited" : null;
  const blockedReason = blocked === "validationFailed" ? VALIDATION_FAILED_REASON : blocked === "hardLimited" ? hardLimitedReason(policy.hardLimitRetryMs === null ? "off" : "inactive", snapshot) : null;
  return { actions, blocked, blockedReason, window: 1, probeAtMs: null, backoffUntilMs: null };
}

/** Whether the host recorded that this very configuration cannot build. */
export function failedValidation(snapshot: PresetSnapshot): boolean {
  const recorded = snapshot.recordedStatus;
  return recorded?.status === "validationFailed" && recorded.configurationKey === presetConfigurationKey(snapshot.preset);
}

/** Where a hard-limited, active preset stands with its probe: `hardLimitRetryMs` after its last failed create, one at a time. */
function probeState(snapshot: PresetSnapshot, evaluation: Evaluation, policy: ResolvedPolicy): ProbeState {
  if (policy.hardLimitRetryMs === null) return "off";
  if (snapshot.backoff === null) return "noLastFailure";
  if (evaluation.state.starting > 0) return "inFlight";
  const dueAtMs = addMs(snapshot.backoff.lastBuildAt.getTime(), policy.hardLimitRetryMs);
  return evaluation.nowMs >= dueAtMs ? "probing" : { dueAtMs };
}

function activeDecision(snapshot: PresetSnapshot, evaluation: Evaluation, policy: ResolvedPolicy): Decision {
  const actions: ReconciliationAction[] = [];
  const { split, state, nowMs } = evaluation;
  if (split.expired.length > 0) {
    actions.push({ type: "delete", workspaceIds: ids(sortedCopy(split.expired, oldestFirst)), reason: expiredReason(snapshot, evaluation) });
  }
  if (state.extraneous > 0) {
    actions.push({ type: "delete", workspaceIds: ids(sortedCopy(split.unexpired, surplusRank), state.extraneous), reason: surplusReason(snapshot, evaluation) });
  }
  const decided = { actions, blocked: null, blockedReason: null, window: 1, probeAtMs: null, backoffUntilMs: null };
  const toCreate = Math.max(state.desired - split.unexpired.length - state.starting, 0);
  if (failedValidation(snapshot)) return { ...decided, blocked: "validationFailed", blockedReason: VALIDATION_FAILED_REASON };
  if (snapshot.hardLimited) {
    const probe = probeState(snapshot, evaluation, policy);
    if (probe === "probing" && toCreate > 0) {
      actions.push({ type: "create", count: 1, probe: true, reason: probeReason(snapshot, evaluation, policy.hardLimitRetryMs ?? 0) });
      return { ...decided, blocked: "hardLimited", blockedReason: hardLimitedReason(probe, snapshot) };
    }
    // With nothing to create, a due probe waits until something is wanted.
    const shown = probe === "probing" ? "notNeeded" : probe;
    return { ...decided, blocked: "hardLimited", blockedReason: hardLimitedReason(shown, snapshot), probeAtMs: typeof probe === "object" ? probe.dueAtMs : null };
  }
  const window = policy.slowStart ? currentWindow(evaluation.memory, state.starting, (snapshot.backoff?.failedBuilds ?? 0) > 0) : 1;
  // A full pool keeps its slow-start window: only a failure sends it back to 1.
  if (toCreate === 0) return { ...decided, window };
  const until = backoffUntilMs(snapshot.preset.id, snapshot.backoff, policy);
  if (until !== null && nowMs <= until) {
    actions.push({ type: "backoff", until: new Date(until), reason: backoffReason(snapshot, evaluation, until, toCreate) });
    return { ...decided, backoffUntilMs: until };
  }
  const count = policy.slowStart ? Math.min(toCreate, Math.max(0, window - state.starting)) : toCreate;
  if (count > 0) {
    const cut = count < toCreate ? { requested: toCreate, limit: `slow start (at most ${window} in flight while builds keep succeeding)` } : null;
    actions.push({ type: "create", count, reason: createReason(snapshot, evaluation, count, cut) });
  }
  return { ...decided, window };
}

/** The decision for a validated, evaluated snapshot. */
export function decide(snapshot: PresetSnapshot, evaluation: Evaluation, policy: ResolvedPolicy): Decision {
  return evaluation.inactiveBecause === null ? activeDecision(snapshot, evaluation, policy) : inactiveDecision(snapshot, evaluation, evaluation.inactiveBecause, policy);
}

/** Whether a validated snapshot needs no reconciliation at all. */
export function canSkip(snapshot: PresetSnapshot, active: boolean): boolean {
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
export function calculateActions(snapshot: PresetSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): readonly ReconciliationAction[] {
  const resolved = resolvePolicy(policy);
  assertValidSnapshot(snapshot);
  const nowMs = readClock(clock);
  return decide(snapshot, evaluate(snapshot, nowMs, resolved), resolved).actions;
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
  assertValidSnapshot(snapshot);
  return canSkip(snapshot, inactiveBecause(snapshot.preset) === null);
}
