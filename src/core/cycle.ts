/**
 * A whole reconciliation cycle (SPEC §6): group the global snapshot by preset in one pass,
 * validate, skip what needs nothing, plan the rest, and share the create budget fairly.
 */

import { _actionsOf, _canSkip, _createReason } from "./actions.js";
import { _allocateBudget, type BudgetRequest } from "./budget.js";
import { SnapshotValidationError, type ValidationIssue } from "./errors.js";
import { _evaluate, _inactiveBecause, type Evaluation } from "./state.js";
import type {
  Backoff,
  Clock,
  CyclePlan,
  GlobalSnapshot,
  InvalidPreset,
  Preset,
  PresetPlan,
  PresetSnapshot,
  ReconcilePolicy,
  ReconciliationAction,
  RunningPrebuild,
} from "./types.js";
import {
  _checkArray,
  _checkBackoff,
  _checkCount,
  _checkId,
  _checkObject,
  _checkPreset,
  _isRecord,
  _isValidPreset,
  _checkRunning,
  _readClock,
  _resolvePolicy,
  type ResolvedPolicy,
} from "./validate.js";

/** The rows of one preset, gathered in the single pass over the global snapshot. */
interface Group {
  readonly presetId: string;
  preset: Preset | null;
  readonly issues: ValidationIssue[];
  readonly running: RunningPrebuild[];
  readonly inProgress: { start: number; stop: number; delete: number };
  pendingNonActive: number;
  backoff: Backoff | null;
  backoffPath: string | null;
  hardLimited: boolean;
}

function newGroup(presetId: string): Group {
  return {
    presetId,
    preset: null,
    issues: [],
    running: [],
    inProgress: { start: 0, stop: 0, delete: 0 },
    pendingNonActive: 0,
    backoff: null,
    backoffPath: null,
    hardLimited: false,
  };
}

const TRANSITIONS = new Set(["start", "stop", "delete"]);
const LISTS = ["presets", "running", "inProgress", "pendingNonActive", "backoffs", "hardLimitedPresetIds"] as const;

/** Groups every row under its preset, recording each problem under the preset it concerns. */
class Grouping {
  readonly groups = new Map<string, Group>();
  /** Groups for ids that no preset has, in the order they were first named. */
  readonly unknown = new Map<string, Group>();
  /** Presets without a usable id, reported under their path. */
  readonly unnamed: InvalidPreset[] = [];

  addPreset(preset: Preset, index: number): void {
    if (_isValidPreset(preset) && !this.groups.has(preset.id)) {
      const group = newGroup(preset.id);
      group.preset = preset;
      this.groups.set(preset.id, group);
      return;
    }
    const path = `presets[${index}]`;
    const issues: ValidationIssue[] = [];
    _checkPreset(preset, path, issues);
    const id: unknown = typeof preset === "object" && preset !== null ? preset.id : undefined;
    if (typeof id !== "string" || id === "") {
      this.unnamed.push({ presetId: path, error: new SnapshotValidationError(issues, path) });
      return;
    }
    const existing = this.groups.get(id);
    if (existing !== undefined) {
      existing.issues.push({ path: `${path}.id`, message: `duplicate preset id "${id}"` });
      return;
    }
    const group = newGroup(id);
    group.preset = preset;
    group.issues.push(...issues);
    this.groups.set(id, group);
  }

  /** The group a row belongs to; an unknown preset id gets a group of its own and an issue. */
  groupOf(presetId: unknown, path: string, rowIssues: ValidationIssue[]): Group | null {
    if (typeof presetId !== "string" || presetId === "") return null;
    const known = this.groups.get(presetId);
    if (known !== undefined) return known;
    let unknown = this.unknown.get(presetId);
    if (unknown === undefined) {
      unknown = newGroup(presetId);
      this.unknown.set(presetId, unknown);
    }
    rowIssues.push({ path, message: `names preset "${presetId}", which is not in presets` });
    return unknown;
  }

  /** Files a row's issues under its group; a row that names no preset is reported under its own path. */
  file(group: Group | null, issues: readonly ValidationIssue[], rowPath: string): void {
    if (issues.length === 0) return;
    if (group !== null) group.issues.push(...issues);
    else this.unnamed.push({ presetId: rowPath, error: new SnapshotValidationError(issues, rowPath) });
  }
}

/** The checks of `_checkRunning`, as one allocation-free predicate for the common case. */
function isValidRunningRow(row: unknown): row is RunningPrebuild {
  if (typeof row !== "object" || row === null) return false;
  const { id, presetId, createdAt, ready } = row as Record<string, unknown>;
  return typeof id === "string" && id !== "" && typeof presetId === "string" && presetId !== "" && createdAt instanceof Date && !Number.isNaN(createdAt.getTime()) && typeof ready === "boolean";
}

function groupSnapshot(global: GlobalSnapshot): Grouping {
  const shape: ValidationIssue[] = [];
  if (_checkObject(global, "snapshot", shape)) {
    for (const list of LISTS) _checkArray(global[list], list, shape);
  }
  if (shape.length > 0) throw new SnapshotValidationError(shape);

  const grouping = new Grouping();
  global.presets.forEach((preset, index) => grouping.addPreset(preset, index));

  // Rows are validated without building a single path string; only a row that fails a check, or
  // repeats an id, takes the slow path that names the field.
  // Ids seen so far: one hash operation per row (add, then compare sizes); where a repeated id was
  // first seen is looked up only when one repeats, which valid input never does.
  const seen = new Set<string>();
  // Where each id was first seen, indexed only when an id repeats (valid input never pays for it),
  // and then only over the rows not indexed yet: each row is indexed at most once.
  const rows = global.running;
  const firstIndexById = new Map<string, number>();
  let indexed = 0;
  const firstIndexOf = (id: string, before: number): number => {
    for (; indexed < before; indexed += 1) {
      const candidate: unknown = rows[indexed];
      if (_isRecord(candidate) && typeof candidate["id"] === "string" && !firstIndexById.has(candidate["id"])) firstIndexById.set(candidate["id"], indexed);
    }
    return firstIndexById.get(id) ?? -1;
  };
  for (let index = 0; index < rows.length; index += 1) {
    const row: unknown = rows[index];
    if (isValidRunningRow(row)) {
      const group = grouping.groups.get(row.presetId);
      const size = seen.size;
      if (group !== undefined && seen.add(row.id).size > size) {
        group.running.push(row);
        continue;
      }
    }
    const path = `running[${index}]`;
    const issues: ValidationIssue[] = [];
    _checkRunning(row, path, issues);
    const group = grouping.groupOf(_isRecord(row) ? row["presetId"] : undefined, `${path}.presetId`, issues);
    if (_isRecord(row) && typeof row["id"] === "string") {
      const firstIndex = firstIndexOf(row["id"], index);
      seen.add(row["id"]);
      if (firstIndex !== -1) {
        const firstRow: unknown = rows[firstIndex];
        const firstPresetId = _isRecord(firstRow) ? firstRow["presetId"] : undefined;
        const firstGroup = typeof firstPresetId === "string" ? (grouping.groups.get(firstPresetId) ?? grouping.unknown.get(firstPresetId) ?? null) : null;
        const message = `duplicate prebuild id "${row["id"]}", also at running[${firstIndex}]`;
        issues.push({ path: `${path}.id`, message });
        if (firstGroup !== group) grouping.file(firstGroup, [{ path: `running[${firstIndex}].id`, message: `duplicate prebuild id "${row["id"]}", also at ${path}` }], `running[${firstIndex}]`);
      }
    }
    grouping.file(group, issues, path);
    if (issues.length === 0 && group !== null) group.running.push(row as RunningPrebuild);
  }

  global.inProgress.forEach((row: unknown, index) => {
    const path = `inProgress[${index}]`;
    const issues: ValidationIssue[] = [];
    if (_checkObject(row, path, issues)) {
      _checkId(row["presetId"], `${path}.presetId`, issues);
      if (typeof row["transition"] !== "string" || !TRANSITIONS.has(row["transition"])) {
        issues.push({ path: `${path}.transition`, message: `must be "start", "stop" or "delete", got ${JSON.stringify(row["transition"]) ?? "nothing"}` });
      }
      _checkCount(row["count"], `${path}.count`, issues);
    }
    const group = grouping.groupOf(_isRecord(row) ? row["presetId"] : undefined, `${path}.presetId`, issues);
    grouping.file(group, issues, path);
    if (issues.length === 0 && group !== null && _isRecord(row)) {
      group.inProgress[row["transition"] as "start" | "stop" | "delete"] += row["count"] as number;
    }
  });

  global.pendingNonActive.forEach((row: unknown, index) => {
    const path = `pendingNonActive[${index}]`;
    const issues: ValidationIssue[] = [];
    if (_checkObject(row, path, issues)) {
      _checkId(row["presetId"], `${path}.presetId`, issues);
      _checkCount(row["count"], `${path}.count`, issues);
    }
    const group = grouping.groupOf(_isRecord(row) ? row["presetId"] : undefined, `${path}.presetId`, issues);
    grouping.file(group, issues, path);
    if (issues.length === 0 && group !== null && _isRecord(row)) group.pendingNonActive += row["count"] as number;
  });

  global.backoffs.forEach((row: unknown, index) => {
    const path = `backoffs[${index}]`;
    const issues: ValidationIssue[] = [];
    if (_checkObject(row, path, issues)) {
      _checkId(row["presetId"], `${path}.presetId`, issues);
      _checkBackoff(row, path, issues);
    }
    const group = grouping.groupOf(_isRecord(row) ? row["presetId"] : undefined, `${path}.presetId`, issues);
    if (group !== null && group.backoffPath !== null) {
      issues.push({ path, message: `second backoff row for preset "${group.presetId}", the first is ${group.backoffPath}` });
    }
    if (group !== null && group.backoffPath === null) group.backoffPath = path;
    grouping.file(group, issues, path);
    if (issues.length === 0 && group !== null && _isRecord(row)) {
      group.backoff = { failedBuilds: row["failedBuilds"] as number, lastBuildAt: row["lastBuildAt"] as Date };
    }
  });

  global.hardLimitedPresetIds.forEach((presetId: unknown, index) => {
    const path = `hardLimitedPresetIds[${index}]`;
    const issues: ValidationIssue[] = [];
    _checkId(presetId, path, issues);
    const group = grouping.groupOf(presetId, path, issues);
    grouping.file(group, issues, path);
    if (issues.length === 0 && group !== null) group.hardLimited = true;
  });

  return grouping;
}

function snapshotOf(group: Group, preset: Preset): PresetSnapshot {
  return {
    preset,
    running: group.running,
    inProgress: group.inProgress,
    pendingNonActive: group.pendingNonActive,
    backoff: group.backoff,
    hardLimited: group.hardLimited,
  };
}

interface Planned {
  readonly snapshot: PresetSnapshot;
  readonly evaluation: Evaluation;
  readonly actions: ReconciliationAction[];
}

function applyBudget(planned: Planned[], budget: number): void {
  const requests: BudgetRequest[] = [];
  const owners: { plan: Planned; index: number }[] = [];
  for (const plan of planned) {
    const index = plan.actions.findIndex((action) => action.type === "create");
    const create = plan.actions[index];
    if (create?.type !== "create") continue;
    requests.push({ presetId: plan.snapshot.preset.id, requested: create.count, desired: plan.evaluation.state.desired });
    owners.push({ plan, index });
  }
  const grants = _allocateBudget(requests, budget);
  owners.forEach(({ plan, index }, position) => {
    const granted = grants[position] ?? 0;
    const requested = requests[position]?.requested ?? 0;
    if (granted === requested) return;
    if (granted === 0) {
      plan.actions.splice(index, 1);
      return;
    }
    plan.actions[index] = {
      type: "create",
      count: granted,
      reason: _createReason(plan.snapshot, plan.evaluation, granted, { requested, budget }),
    };
  });
}

/** A cycle plan together with the per-preset snapshots of the presets it planned, in the same order. */
export interface DetailedCyclePlan {
  readonly plan: CyclePlan;
  readonly snapshots: readonly PresetSnapshot[];
}

/** Plans a cycle and keeps the grouped snapshots, for the runtime (which also needs them). */
export function _planCycleDetailed(global: GlobalSnapshot, nowMs: number, policy: ResolvedPolicy): DetailedCyclePlan {
  const grouping = groupSnapshot(global);
  const invalid: InvalidPreset[] = [...grouping.unnamed];
  const planned: Planned[] = [];
  for (const group of grouping.groups.values()) {
    const preset = group.preset;
    if (preset === null) continue;
    if (group.issues.length > 0) {
      invalid.push({ presetId: group.presetId, error: new SnapshotValidationError(group.issues, group.presetId) });
      continue;
    }
    const snapshot = snapshotOf(group, preset);
    if (_canSkip(snapshot, _inactiveBecause(preset) === null)) continue;
    const evaluation = _evaluate(snapshot, nowMs);
    planned.push({ snapshot, evaluation, actions: _actionsOf(snapshot, evaluation, policy) });
  }
  for (const group of grouping.unknown.values()) {
    invalid.push({ presetId: group.presetId, error: new SnapshotValidationError(group.issues, group.presetId) });
  }
  if (policy.maxCreatesPerCycle !== null) applyBudget(planned, policy.maxCreatesPerCycle);
  const presets: PresetPlan[] = planned.map(({ snapshot, evaluation, actions }) => ({
    presetId: snapshot.preset.id,
    state: evaluation.state,
    actions,
    blocked: snapshot.hardLimited ? "hardLimited" : null,
  }));
  return {
    plan: { presets, presetsTotal: global.presets.length, presetsReconciled: presets.length, invalid },
    snapshots: planned.map((entry) => entry.snapshot),
  };
}

/**
 * Plans one reconciliation cycle over every preset: groups the global snapshot by preset in one
 * pass (O(presets + rows)), reports invalid presets and rows naming unknown presets in `invalid`
 * without stopping the others, leaves out presets that {@link canSkipReconciliation}, and shares
 * `policy.maxCreatesPerCycle` fairly between the presets that need creates.
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
  const resolved = _resolvePolicy(policy);
  return _planCycleDetailed(global, _readClock(clock), resolved).plan;
}
