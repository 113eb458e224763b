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
  ClaimEvent,
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
export { nextChangeAt, nextCycleChangeAt } from "./core/next-change.js";
export { describeAction } from "./core/describe.js";

// A whole cycle
export { planCycle } from "./core/cycle.js";

// Claims
export { selectClaimCandidate, findMatchingPreset, type ParameterizedPreset } from "./core/claim.js";

// Pure helpers for the shell: memberships, lifecycle at claim, who may delete
export { membershipActions, type MembershipAction, type MembershipStatusRow } from "./core/membership.js";
export {
  claimedLifecycle,
  UNCLAIMED_LIFECYCLE,
  type LifecycleRequest,
  type LifecycleSettings,
  type TemplateLifecycleDefaults,
} from "./core/lifecycle.js";
export { canDeleteWorkspace, type OwnedWorkspace, type WorkspacePermission } from "./core/authorization.js";

// Ports the host implements
export { systemClock } from "./ports/clock.js";
export type {
  Claimant,
  ClaimedWorkspace,
  LockOutcome,
  OrganizationPrebuildStatus,
  PauseState,
  PresetStatus,
  PresetStatusChange,
  RecordedPresetStatus,
  ReconciliationLease,
  Store,
  StoreClaimRequest,
  StoreClaimResult,
  StoreSnapshot,
} from "./ports/store.js";
export type { FencedCallContext, PortCallContext } from "./ports/call.js";
export { PermanentBuildError, isPermanentBuildError, type Provisioner } from "./ports/provisioner.js";
export { silentNotifier, type Notifier, type ResourceReplacement } from "./ports/notifier.js";
export { noopMetrics, type CounterName, type GaugeName, type HistogramName, type Metrics, type PresetLabels } from "./ports/metrics.js";
export { jsonLineLogger, silentLogger, type LogFields, type Logger } from "./ports/logger.js";

// The reconciler
export {
  Reconciler,
  type AgentReinitialization,
  type ClaimRequest,
  type ClaimResult,
  type ReconcilerOptions,
  type StartOptions,
} from "./runtime/reconciler.js";
export type { CycleFailure, ReconcileStats } from "./runtime/stats.js";

// Validation
export { validatePreset, validatePresetSnapshot, DEFAULT_BACKOFF_INTERVAL_MS } from "./core/validate.js";
export { SnapshotValidationError, PolicyValidationError, type ValidationIssue } from "./core/errors.js";
