/**
 * prebuild-reconciler: keeps pools of ready-to-claim prebuilt workspaces at their desired size.
 *
 * The core is pure: hand it a snapshot and a clock, get back the actions to take, with reasons.
 */

// Input and output types (SPEC §2, §4–§6)
export type {
  Backoff,
  BackoffAction,
  BackoffPolicy,
  BackoffRow,
  BlockedBecause,
  CancelPendingAction,
  ClaimEvent,
  Clock,
  CreateAction,
  CyclePlan,
  DeleteAction,
  DesiredSample,
  ExpectedCreates,
  ExpectedDelete,
  GlobalSnapshot,
  InProgressBuilds,
  InProgressRow,
  InvalidPreset,
  PendingNonActiveRow,
  PrebuildSchedule,
  Preset,
  PresetMemory,
  PresetMemoryRow,
  PresetPlan,
  PresetScheduling,
  PresetSnapshot,
  PresetStatusRecord,
  PresetStatusTransition,
  ReconcilePolicy,
  ReconciliationAction,
  ReconciliationActionType,
  ReconciliationState,
  RunningPrebuild,
} from "./core/types/index.js";

// Decisions for one preset
export { desiredInstances } from "./core/schedule.js";
export { calculateState, isPresetActive } from "./core/state.js";
export { calculateActions, canSkipReconciliation } from "./core/actions.js";
export { nextChangeAt } from "./core/next-change.js";
export { describeAction } from "./core/describe.js";
export { presetConfigurationKey } from "./core/configuration.js";

// A whole cycle, and what the runtime keeps between cycles
export { planCycle, nextCycleChangeAt } from "./core/cycle.js";
export { afterExecution, forgetExpectations, EMPTY_MEMORY, type ExecutionOutcome } from "./core/memory.js";

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
  PresetBuildTotals,
  PresetStatus,
  PresetStatusChange,
  RecordedPresetStatus,
  ReconciliationLease,
  Store,
  StoreClaimRequest,
  StoreClaimResult,
  StorePreset,
  StoreSnapshot,
} from "./ports/store.js";
export type { FencedCallContext, PortCallContext } from "./ports/call.js";
export { PermanentBuildError, isPermanentBuildError, type Provisioner } from "./ports/provisioner.js";
export { silentNotifier, type Notifier, type ResourceReplacement } from "./ports/notifier.js";
export { noopMetrics, type CounterName, type GaugeName, type HistogramName, type Metrics, type PresetLabels } from "./ports/metrics.js";
export { jsonLineLogger, silentLogger, type LogFields, type Logger } from "./ports/logger.js";
export { noopTracer, type Span, type SpanAttributes, type Tracer } from "./ports/tracer.js";

// The reconciler
export {
  Reconciler,
  type AgentReinitialization,
  type ClaimRequest,
  type ClaimResult,
  type ReconcilerOptions,
  type ReconcilerTimeouts,
  type StartOptions,
} from "./runtime/reconciler.js";
export { DEFAULT_TIMEOUTS, type ResolvedTimeouts } from "./runtime/options.js";
export { DEFAULT_MIN_INTERVAL_MS } from "./runtime/loop.js";
export { PortTimeoutError, CycleInterruptedError, type InterruptionCause } from "./runtime/errors.js";
export type { ReconcilerHealth } from "./runtime/health.js";
export { DEFAULT_METRICS_REFRESH_MS } from "./runtime/metrics-refresh.js";
export { healthHandler, type HealthBody, type HealthHandler, type HealthHandlerOptions, type HealthSource } from "./adapters/http/health.js";
export type { CycleFailure, ReconcileStats } from "./runtime/stats.js";

// Validation
export { validatePreset, validatePresetSnapshot } from "./core/validate/index.js";
export {
  validatePolicy,
  DEFAULT_BACKOFF_INTERVAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_EXPECTATION_TTL_MS,
  DEFAULT_MAX_EXPRESSION_TARGET,
} from "./core/policy.js";
export { ArgumentValidationError, SnapshotValidationError, PolicyValidationError, type ValidationIssue } from "./core/errors.js";
