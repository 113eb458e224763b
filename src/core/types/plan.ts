/** What the core returns: the state of a preset, its actions, and the plan of a cycle (SPEC §4–§6). */

import type { SnapshotValidationError } from "../errors.js";
import type { PresetMemory } from "./memory.js";
import type { Preset } from "./preset.js";
import type { GlobalSnapshot, PresetStatus } from "./snapshot.js";

/** What the core computed about one preset, for logs, metrics and reasons. */
export interface ReconciliationState {
  /** Running prebuilds, expired ones included. */
  readonly actual: number;
  /** How many unexpired prebuilds the preset wants now (0 when inactive). */
  readonly desired: number;
  /** Ready, unexpired prebuilds of an active preset: what a claim could take. */
  readonly eligible: number;
  /** Unexpired prebuilds above the desired count (0 when inactive). */
  readonly extraneous: number;
  /** Running prebuilds that are expired by TTL or invalidation. */
  readonly expired: number;
  /** Create builds in flight. */
  readonly starting: number;
  /** Stop builds in flight. */
  readonly stopping: number;
  /** Delete builds in flight. */
  readonly deleting: number;
  /** The count the schedules give (lead time included), before any target expression. */
  readonly scheduledTarget: number;
  /** Where `desired` came from: the schedules, the target expression, or the schedules because the expression failed. */
  readonly targetSource: "scheduled" | "expression" | "expressionFallback";
  /** Why the target expression failed, when `targetSource` is `"expressionFallback"`; otherwise `null`. */
  readonly expressionError: string | null;
}

/** Start `count` new prebuilds of the preset. */
export interface CreateAction {
  /** Discriminant. */
  readonly type: "create";
  /** How many prebuilds to create; always > 0. */
  readonly count: number;
  /** One sentence naming the numbers that led to this action. */
  readonly reason: string;
  /** Whether this is the single probe of a hard-limited preset (`policy.hardLimitRetryMs`). */
  readonly probe?: boolean;
}

/** Delete these prebuilds. */
export interface DeleteAction {
  /** Discriminant. */
  readonly type: "delete";
  /** The workspaces to delete, in the order they should go; never empty. */
  readonly workspaceIds: readonly string[];
  /** One sentence naming the numbers that led to this action. */
  readonly reason: string;
}

/** Do not create now: recent creates failed. */
export interface BackoffAction {
  /** Discriminant. */
  readonly type: "backoff";
  /** Creates resume strictly after this instant. */
  readonly until: Date;
  /** One sentence naming the numbers that led to this action. */
  readonly reason: string;
}

/** Cancel queued, unstarted creates of an inactive preset and orphan-delete their workspaces. */
export interface CancelPendingAction {
  /** Discriminant. */
  readonly type: "cancelPending";
  /** How many queued creates the snapshot counted; always > 0. */
  readonly count: number;
  /** One sentence naming the numbers that led to this action. */
  readonly reason: string;
}

/** One thing to do for one preset. */
export type ReconciliationAction = CreateAction | DeleteAction | BackoffAction | CancelPendingAction;

/** The type names of {@link ReconciliationAction}. */
export type ReconciliationActionType = ReconciliationAction["type"];

/** Why a preset gets no creates: hard-limited, or its configuration cannot build. */
export type BlockedBecause = "hardLimited" | "validationFailed";

/** The plan for one preset within a {@link CyclePlan}. */
export interface PresetPlan {
  /** The preset planned. */
  readonly presetId: string;
  /** The preset itself, as the snapshot had it. */
  readonly preset: Preset;
  /** What the core computed about the preset. */
  readonly state: ReconciliationState;
  /** What to do, in the order of SPEC §5. */
  readonly actions: readonly ReconciliationAction[];
  /** Why the preset gets no creates, or `null` when nothing blocks it. */
  readonly blocked: BlockedBecause | null;
  /** One sentence saying why it is blocked and what lifts the block, or `null`. */
  readonly blockedReason: string | null;
  /** The earliest instant at which this preset's plan could change with its snapshot unchanged, or `null`. */
  readonly nextChangeAt: Date | null;
  /** What the runtime should remember about the preset if every action succeeds. */
  readonly memory: PresetMemory;
}

/** A preset whose recorded status no longer matches what the snapshot shows: the host records `to`. */
export interface PresetStatusTransition {
  /** The preset. */
  readonly presetId: string;
  /** The preset itself (notifications name it). */
  readonly preset: Preset;
  /** The recorded status. */
  readonly from: PresetStatus;
  /** The status to record. */
  readonly to: PresetStatus;
}

/** A preset that could not be planned, with the error that says why. */
export interface InvalidPreset {
  /**
   * The preset id the bad input names; for a row pointing at an unknown preset, that unknown id;
   * for a preset or row without a usable id, the path of that entry (for example `presets[3]`).
   */
  readonly presetId: string;
  /** Every problem found, each with the path of the bad field. */
  readonly error: SnapshotValidationError;
}

/** The plan of one whole reconciliation cycle. */
export interface CyclePlan {
  /** The presets that need reconciling, in the order of `GlobalSnapshot.presets`. */
  readonly presets: readonly PresetPlan[];
  /** Every preset in the snapshot, skipped and invalid ones included. */
  readonly presetsTotal: number;
  /** Presets that were planned (not skipped and not invalid). */
  readonly presetsReconciled: number;
  /** Presets that were left out because their input is invalid. */
  readonly invalid: readonly InvalidPreset[];
  /** The earliest `nextChangeAt` of the planned presets: when to plan again at the latest. */
  readonly nextChangeAt: Date | null;
  /** Recorded statuses to change: a preset that reached or left the hard limit, or whose configuration changed since it failed validation. */
  readonly statusChanges: readonly PresetStatusTransition[];
}
