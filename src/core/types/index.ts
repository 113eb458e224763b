/**
 * The input and output types of the reconciliation core (SPEC §2, §4–§6), one file per idea.
 *
 * Every input is readonly: the core never mutates what it is given.
 * Times are `Date` instances; counts are non-negative integers.
 */

export type { Clock, PrebuildSchedule, PresetScheduling, Preset } from "./preset.js";
export type { ExpectedCreates, ExpectedDelete, DesiredSample, PresetMemory, PresetMemoryRow } from "./memory.js";
export type { RunningPrebuild, InProgressBuilds, Backoff, PresetStatusRecord, PresetSnapshot, InProgressRow, PendingNonActiveRow, BackoffRow, ClaimEvent, PresetStatus, RecordedPresetStatus, GlobalSnapshot } from "./snapshot.js";
export type { BackoffPolicy, ReconcilePolicy } from "./policy.js";
export type { ReconciliationState, CreateAction, DeleteAction, BackoffAction, CancelPendingAction, ReconciliationAction, ReconciliationActionType, BlockedBecause, PresetPlan, PresetStatusTransition, InvalidPreset, CyclePlan } from "./plan.js";
