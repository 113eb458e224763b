/**
 * A whole reconciliation cycle (SPEC §6): group the global snapshot by preset in one pass,
 * validate, skip what needs nothing, plan the rest, share the create budget fairly, and say what
 * the runtime must record and when it must plan again.
 */

import { canSkip, decide, failedValidation, type Decision } from "./actions.js";
import { allocateBudget, type BudgetRequest } from "./budget.js";
import { SnapshotValidationError } from "./errors.js";
import { groupSnapshot, snapshotOf, type Group } from "./grouping.js";
import { nextMemory } from "./memory.js";
import { nextChangeMs, type ScheduleScans } from "./next-change.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy.js";
import { createReason, plural, type CreateCut } from "./reasons.js";
import { evaluate, inactiveBecause, type Evaluation } from "./state.js";
import type {
  Clock,
  CyclePlan,
  GlobalSnapshot,
  InvalidPreset,
  PresetMemory,
  PresetPlan,
  PresetSnapshot,
  PresetStatus,
  PresetStatusTransition,
  ReconcilePolicy,
  ReconciliationAction,
} from "./types/index.js";
import { readClock } from "./validate/index.js";

interface Planned {
  readonly snapshot: PresetSnapshot;
  readonly evaluation: Evaluation;
  readonly decision: Decision;
  /** When the decision could next change; a create limit never changes it. */
  readonly nextChangeMs: number | null;
  actions: ReconciliationAction[];
  blockedReason: string | null;
}

/**
 * The limit on creates this cycle, and how a cut names it. Builds in flight count whichever preset
 * they belong to: the planned ones (expected creates included) and `startingElsewhere`, those of
 * presets left out of the plan.
 */
function createLimit(planned: readonly Planned[], startingElsewhere: number, policy: ResolvedPolicy): { readonly budget: number; readonly limit: string } | null {
  let budget: number | null = policy.maxCreatesPerCycle;
  let limit = budget === null ? "" : `the cycle budget of ${plural(budget, "create")}`;
  if (policy.maxCreatesInFlight !== null) {
    let inFlight = startingElsewhere;
    for (const plan of planned) inFlight += plan.evaluation.state.starting;
    const room = Math.max(0, policy.maxCreatesInFlight - inFlight);
    if (budget === null || room < budget) {
      budget = room;
      limit = `the limit of ${plural(policy.maxCreatesInFlight, "create")} in flight (${inFlight} in flight now)`;
    }
  }
  return budget === null ? null : { budget, limit };
}

/** Cuts creates to the cycle's limits, sharing them by the largest missing fraction first. */
function applyCreateLimit(planned: Planned[], startingElsewhere: number, policy: ResolvedPolicy): void {
  const limit = createLimit(planned, startingElsewhere, policy);
  if (limit === null) return;
  const requests: BudgetRequest[] = [];
  const owners: { plan: Planned; index: number }[] = [];
  for (const plan of planned) {
    const index = plan.actions.findIndex((action) => action.type === "create");
    const create = plan.actions[index];
    if (create?.type !== "create") continue;
    requests.push({ presetId: plan.snapshot.preset.id, requested: create.count, desired: Math.max(plan.evaluation.state.desired, create.count) });
    owners.push({ plan, index });
  }
  const grants = allocateBudget(requests, limit.budget);
  owners.forEach(({ plan, index }, position) => {
    const granted = grants[position] ?? 0;
    const create = plan.actions[index];
    if (create?.type !== "create" || granted === create.count) return;
    if (granted === 0) {
      plan.actions.splice(index, 1);
      if (create.probe === true) plan.blockedReason = `the last creates all failed (hard limit): a probe is due, but ${limit.limit} leaves no room this cycle`;
      return;
    }
    const cut: CreateCut = { requested: create.count, limit: limit.limit };
    plan.actions[index] = { type: "create", count: granted, reason: createReason(plan.snapshot, plan.evaluation, granted, cut) };
  });
}

/** The status to record for a preset now, given what the snapshot shows. */
function statusNow(group: Group, snapshot: PresetSnapshot): PresetStatus {
  if (failedValidation(snapshot)) return "validationFailed";
  return group.hardLimited ? "hardLimited" : "normal";
}

/** The memory to keep after a preset's plan (what it asked for in `actions`, after any cut). */
export function memoryAfter(snapshot: PresetSnapshot, evaluation: Evaluation, decision: Decision, actions: readonly ReconciliationAction[], nowMs: number, policy: ResolvedPolicy): PresetMemory {
  let created = 0;
  const deleted: string[] = [];
  for (const action of actions) {
    if (action.type === "create") created += action.count;
    else if (action.type === "delete") deleted.push(...action.workspaceIds);
  }
  return nextMemory(
    {
      memory: evaluation.memory,
      settled: evaluation.settled,
      nowMs,
      starting: snapshot.inProgress.start,
      running: snapshot.running,
      desired: evaluation.state.desired,
      created,
      deleted,
      window: decision.window,
    },
    policy,
  );
}

function planOf(plan: Planned, nowMs: number, policy: ResolvedPolicy): PresetPlan {
  const { snapshot, evaluation, decision, actions, blockedReason, nextChangeMs: next } = plan;
  return {
    presetId: snapshot.preset.id,
    preset: snapshot.preset,
    state: evaluation.state,
    actions,
    blocked: decision.blocked,
    blockedReason,
    nextChangeAt: next === null ? null : new Date(next),
    memory: memoryAfter(snapshot, evaluation, decision, actions, nowMs, policy),
  };
}

/** Plans a cycle at `nowMs` with a resolved policy. */
export function planAt(global: GlobalSnapshot, nowMs: number, policy: ResolvedPolicy): CyclePlan {
  const grouping = groupSnapshot(global);
  const invalid: InvalidPreset[] = [...grouping.unnamed];
  const planned: Planned[] = [];
  const statusChanges: PresetStatusTransition[] = [];
  let startingElsewhere = 0;
  const scans: ScheduleScans = new Map();
  // Without a create limit a preset's plan is final as soon as it is decided: it is finished then,
  // while its rows are still in the caches, instead of in a second pass over every preset.
  const limited = policy.maxCreatesPerCycle !== null || policy.maxCreatesInFlight !== null;
  const presets: PresetPlan[] = [];
  for (const group of grouping.groups.values()) {
    const preset = group.preset;
    if (preset === null) continue;
    if (!group.valid) {
      invalid.push({ presetId: group.presetId, error: new SnapshotValidationError(group.issues.issues, group.presetId) });
      continue;
    }
    const snapshot = snapshotOf(group, preset);
    try {
      const status = statusNow(group, snapshot);
      const recorded = group.recordedStatus?.status ?? "normal";
      // A validationFailed status is recorded by the runtime when a create fails permanently, never from a snapshot.
      if (status !== recorded && status !== "validationFailed") statusChanges.push({ presetId: preset.id, preset, from: recorded, to: status });
      if (canSkip(snapshot, inactiveBecause(preset) === null)) {
        startingElsewhere += snapshot.inProgress.start;
        continue;
      }
      const evaluation = evaluate(snapshot, nowMs, policy);
      const decision = decide(snapshot, evaluation, policy);
      const plan: Planned = { snapshot, evaluation, decision, nextChangeMs: nextChangeMs(snapshot, evaluation, decision, policy, scans), actions: decision.actions, blockedReason: decision.blockedReason };
      if (limited) planned.push(plan);
      else presets.push(planOf(plan, nowMs, policy));
    } catch (error) {
      // Validation lets through only what the rules can plan; this is the last line for anything
      // unforeseen, so that one preset never takes the others down with it.
      const message = `could not be planned: ${error instanceof Error ? error.message : "unknown error"}`;
      invalid.push({ presetId: group.presetId, error: new SnapshotValidationError([{ path: `presets[${group.index}]`, message }], group.presetId) });
    }
  }
  for (const group of grouping.unknown.values()) {
    invalid.push({ presetId: group.presetId, error: new SnapshotValidationError(group.issues.issues, group.presetId) });
  }
  if (limited) {
    applyCreateLimit(planned, startingElsewhere, policy);
    for (const plan of planned) presets.push(planOf(plan, nowMs, policy));
  }
  let nextChangeAt: Date | null = null;
  for (const plan of presets) if (plan.nextChangeAt !== null && (nextChangeAt === null || plan.nextChangeAt < nextChangeAt)) nextChangeAt = plan.nextChangeAt;
  return { presets, presetsTotal: global.presets.length, presetsReconciled: presets.length, invalid, nextChangeAt, statusChanges };
}

/**
 * Plans one reconciliation cycle over every preset: groups the global snapshot by preset in one
 * pass (O(presets + rows)), reports invalid presets and rows naming unknown presets in `invalid`
 * without stopping the others, leaves out presets that {@link canSkipReconciliation}, shares
 * `policy.maxCreatesPerCycle` and `policy.maxCreatesInFlight` fairly between the presets that need
 * creates, and says which recorded statuses must change and when to plan again.
 *
 * @throws {SnapshotValidationError} only when the snapshot as a whole is unusable (not an object, or
 *   a list missing); the problems of one preset, or of a row that names no preset, land in `invalid`.
 * @throws {PolicyValidationError} when the policy is invalid.
 * @example
 * const plan = planCycle(await store.loadSnapshot(), clock, { maxCreatesPerCycle: 20 });
 * for (const preset of plan.presets) for (const action of preset.actions) console.log(preset.presetId, action.reason);
 * for (const { presetId, error } of plan.invalid) console.error(presetId, error.issues);
 */
export function planCycle(global: GlobalSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): CyclePlan {
  const resolved = resolvePolicy(policy);
  return planAt(global, readClock(clock), resolved);
}

/**
 * {@link nextChangeAt} over a whole cycle: the earliest instant at which the plan of any valid
 * preset could change with the snapshot unchanged, or `null` when nothing is due; the same as
 * `planCycle(…).nextChangeAt`. A host loop can sleep until then (or until its own interval,
 * whichever comes first).
 *
 * @throws {SnapshotValidationError} when the snapshot as a whole is unusable (see {@link planCycle}).
 * @example
 * const wakeAt = nextCycleChangeAt(snapshot, clock);
 * const sleepMs = Math.min(intervalMs, wakeAt === null ? intervalMs : wakeAt.getTime() - Date.now());
 */
export function nextCycleChangeAt(global: GlobalSnapshot, clock: Clock, policy?: Partial<ReconcilePolicy>): Date | null {
  return planAt(global, readClock(clock), resolvePolicy(policy)).nextChangeAt;
}
