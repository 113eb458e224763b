/**
 * The input and output types of the reconciliation core (SPEC §2, §4–§6).
 *
 * Every input is readonly: the core never mutates what it is given.
 * Times are `Date` instances; counts are non-negative integers.
 */

import type { SnapshotValidationError } from "./errors.js";

/** Where the core reads "now" from. The core never calls `Date.now()` itself. */
export interface Clock {
  /** The current instant. Called once per public core call. */
  now(): Date;
}

/** One entry of a preset's schedule: while `cron` matches, the preset wants `instances` prebuilds. */
export interface PrebuildSchedule {
  /** A 5-field cron expression (minute hour day-of-month month day-of-week), read in the preset's time zone. */
  readonly cron: string;
  /** How many prebuilds the preset wants while this schedule matches. */
  readonly instances: number;
}

/** The time zone and the schedules that make a preset's desired count vary over time. */
export interface PresetScheduling {
  /** IANA time zone the cron expressions are read in, for example `Europe/Berlin`. */
  readonly timezone: string;
  /** The schedules; when several match, the largest `instances` wins. */
  readonly schedules: readonly PrebuildSchedule[];
}

/** A named set of template parameters on one template version, with a desired number of prebuilds. */
export interface Preset {
  /** Unique id of the preset. */
  readonly id: string;
  /** Human-readable preset name, used in reasons and logs. */
  readonly name: string;
  /** The organization that owns the template. */
  readonly organizationId: string;
  /** The template the preset belongs to. */
  readonly templateId: string;
  /** The template version the preset belongs to. */
  readonly templateVersionId: string;
  /** Whether `templateVersionId` is the template's active version. */
  readonly usingActiveVersion: boolean;
  /** Whether the template has been deleted. */
  readonly templateDeleted: boolean;
  /** Whether the template has been deprecated. */
  readonly templateDeprecated: boolean;
  /** Base count of prebuilds, used when no schedule matches. */
  readonly desiredInstances: number;
  /** Expiration policy in whole seconds; `null`, `0` or absent: prebuilds never expire by age. */
  readonly ttlSeconds?: number | null;
  /** Prebuilds created strictly before this instant are expired. */
  readonly lastInvalidatedAt?: Date | null;
  /** Schedules that override `desiredInstances` while they match. */
  readonly scheduling?: PresetScheduling | null;
}

/** A prebuild whose latest build is a successful start. */
export interface RunningPrebuild {
  /** The workspace id. */
  readonly id: string;
  /** The preset the prebuild was built from. */
  readonly presetId: string;
  /** When the prebuild was created; expiry counts from here. */
  readonly createdAt: Date;
  /** Whether every agent of the prebuild reports ready. */
  readonly ready: boolean;
}

/** Builds started by the system for one preset that are pending or running, by transition. */
export interface InProgressBuilds {
  /** Create (start) builds in flight. */
  readonly start: number;
  /** Stop builds in flight. */
  readonly stop: number;
  /** Delete builds in flight. */
  readonly delete: number;
}

/** Recent failed creates of one preset. */
export interface Backoff {
  /** How many recent creates failed. */
  readonly failedBuilds: number;
  /** When the most recent of those builds happened. */
  readonly lastBuildAt: Date;
}

/** Everything the core needs to know about one preset at one moment. */
export interface PresetSnapshot {
  /** The preset itself. */
  readonly preset: Preset;
  /** Prebuilds of this preset whose latest build is a successful start, expired ones included. */
  readonly running: readonly RunningPrebuild[];
  /** Builds started by the system for this preset, pending or running. */
  readonly inProgress: InProgressBuilds;
  /** Queued, unstarted creates of this preset while it is not active. */
  readonly pendingNonActive: number;
  /** Recent failed creates, or `null` when there are none. */
  readonly backoff: Backoff | null;
  /** Whether the last N creates all failed (N being the host's hard limit). */
  readonly hardLimited: boolean;
}

/** One row of in-progress builds in a {@link GlobalSnapshot}. */
export interface InProgressRow {
  /** The preset the builds belong to. */
  readonly presetId: string;
  /** What the builds do. */
  readonly transition: "start" | "stop" | "delete";
  /** How many builds; rows with the same preset and transition add up. */
  readonly count: number;
}

/** One row of pending non-active creates in a {@link GlobalSnapshot}. */
export interface PendingNonActiveRow {
  /** The preset the queued creates belong to. */
  readonly presetId: string;
  /** How many queued, unstarted creates; rows with the same preset add up. */
  readonly count: number;
}

/** One row of backoff state in a {@link GlobalSnapshot}. */
export interface BackoffRow extends Backoff {
  /** The preset whose creates failed; at most one row per preset. */
  readonly presetId: string;
}

/** A claim request that met a preset's pool: served from it, or missed (no prebuild was claimable). */
export interface ClaimEvent {
  /** The preset whose pool the request met. */
  readonly presetId: string;
  /** When it happened. */
  readonly at: Date;
  /** `"claimed"`: a prebuild was handed out; `"missed"`: none was claimable, the workspace was built cold. */
  readonly outcome: "claimed" | "missed";
}

/** The status a host records for a preset, so that transitions are noticed once (SPEC §10, §12). */
export type PresetStatus = "normal" | "hardLimited" | "validationFailed";

/** A preset status as the host recorded it. */
export interface RecordedPresetStatus {
  /** The preset. */
  readonly presetId: string;
  /** Its recorded status; presets without a row are `"normal"`. */
  readonly status: PresetStatus;
  /**
   * For `"validationFailed"`: the {@link presetConfigurationKey} of the configuration that could not
   * build; the block lifts by itself once the preset's configuration no longer has this key.
   * `null` for the other statuses.
   */
  readonly configurationKey: string | null;
}

/** The state of every preset, as a host's store reads it in one consistent read. */
export interface GlobalSnapshot {
  /** Every preset that has prebuilds configured. */
  readonly presets: readonly Preset[];
  /** Every running prebuild of those presets. */
  readonly running: readonly RunningPrebuild[];
  /** In-progress builds, grouped by preset and transition. */
  readonly inProgress: readonly InProgressRow[];
  /** Pending creates of non-active presets. */
  readonly pendingNonActive: readonly PendingNonActiveRow[];
  /** Presets with recent failed creates. */
  readonly backoffs: readonly BackoffRow[];
  /** Presets whose last N creates all failed. */
  readonly hardLimitedPresetIds: readonly string[];
  /** Claims and misses of the last two hours (SPEC §11); absent: none. */
  readonly claimEvents?: readonly ClaimEvent[];
  /** The statuses the host recorded; absent: every preset is `"normal"`. */
  readonly recordedStatuses?: readonly RecordedPresetStatus[];
}

/** Knobs of the decision rules. */
export interface ReconcilePolicy {
  /** Backoff per failed build, in milliseconds; default 60 000. */
  readonly backoffIntervalMs: number;
  /** Global budget of creates across all presets in one cycle; default none. */
  readonly maxCreatesPerCycle?: number;
}

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
}

/** Start `count` new prebuilds of the preset. */
export interface CreateAction {
  /** Discriminant. */
  readonly type: "create";
  /** How many prebuilds to create; always > 0. */
  readonly count: number;
  /** One sentence naming the numbers that led to this action. */
  readonly reason: string;
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

/** The plan for one preset within a {@link CyclePlan}. */
export interface PresetPlan {
  /** The preset planned. */
  readonly presetId: string;
  /** What the core computed about the preset. */
  readonly state: ReconciliationState;
  /** What to do, in the order of SPEC §5. */
  readonly actions: readonly ReconciliationAction[];
  /** Why the preset gets no creates, or `null` when nothing blocks it. */
  readonly blocked: "hardLimited" | null;
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
}
