/**
 * prebuild-reconciler: keeps pools of ready-to-claim prebuilt workspaces at their desired size.
 *
 * The core is pure: hand it a snapshot and a clock, get back the actions to take, with reasons.
 */

// Input and output types (SPEC §2, §4–§6)
export type {
  Backoff,
  BackoffAction,
  BackoffRow,
  CancelPendingAction,
  Clock,
  CreateAction,
  CyclePlan,
  DeleteAction,
  GlobalSnapshot,
  InProgressBuilds,
  InProgressRow,
  InvalidPreset,
  PendingNonActiveRow,
  PrebuildSchedule,
  Preset,
  PresetPlan,
  PresetScheduling,
  PresetSnapshot,
  ReconcilePolicy,
  ReconciliationAction,
  ReconciliationActionType,
  ReconciliationState,
  RunningPrebuild,
} from "./core/types.js";

// Decisions for one preset
export { desiredInstances } from "./core/schedule.js";
export { calculateState } from "./core/state.js";
export { calculateActions, canSkipReconciliation } from "./core/actions.js";
export { nextChangeAt } from "./core/next-change.js";

// A whole cycle
export { planCycle } from "./core/cycle.js";

// Claims
export { selectClaimCandidate, findMatchingPreset, type ParameterizedPreset } from "./core/claim.js";

// Validation
export { validatePreset, validatePresetSnapshot, DEFAULT_BACKOFF_INTERVAL_MS } from "./core/validate.js";
export { SnapshotValidationError, PolicyValidationError, type ValidationIssue } from "./core/errors.js";
