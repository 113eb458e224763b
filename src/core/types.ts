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
  /**
   * Warm up ahead of the schedules (SPEC §11): the scheduled count at `t` is the largest one at any
   * instant of `[t, t + leadTimeSeconds]`, so a pool is full when its window opens. Rising edges move
   * earlier by this much; falling edges stay. Whole seconds; default 0.
   */
  readonly leadTimeSeconds?: number;
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
  /**
   * A target expression (SPEC §11): when set on an active preset, the desired count is its value
   * over the pool's state and recent demand instead of the scheduled count, for example
   * `max(scheduled_target, ceil(claim_rate_30m * 10))`. A failing expression falls back to the
   * scheduled count, and the state says so.
   */
  readonly desiredInstancesExpression?: string | null;
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

/** A recorded preset status, without the preset id (see {@link RecordedPresetStatus}). */
export interface PresetStatusRecord {
  /** The recorded status. */
  readonly status: PresetStatus;
  /** For `"validationFailed"`: the configuration key it failed with; otherwise `null`. */
  readonly configurationKey: string | null;
}

/** Creates the runtime asked for that the store may not show yet (SPEC §12, expectations). */
export interface ExpectedCreates {
  /** How many creates are not yet visible in the snapshot. */
  readonly count: number;
  /**
   * Of `count`, how many earlier calls asked for and the snapshot did not show yet when the latest
   * call was made. Those show up one by one; the latest call's creates all count as shown at the
   * first create that shows up beyond them (a store that shows one build of a call shows the call).
   */
  readonly fromEarlierCalls: number;
  /** When the latest call was made: a failed build recorded since then shows the store has caught up with it. */
  readonly askedAt: Date;
  /** `inProgress.start` when they were asked for: a rise above it is a create becoming visible. */
  readonly startingBaseline: number;
  /** The running prebuilds when they were asked for: a new id is a create that became visible and finished. */
  readonly runningBaseline: readonly string[];
  /** After this instant the expectation is dropped whatever the snapshot shows. */
  readonly expiresAt: Date;
}

/** A delete the runtime asked for that the store still shows as running. */
export interface ExpectedDelete {
  /** The workspace asked to be deleted. */
  readonly workspaceId: string;
  /** After this instant the expectation is dropped. */
  readonly expiresAt: Date;
}

/** One desired count kept for scale-down stabilization. */
export interface DesiredSample {
  /** When it was the desired count. */
  readonly at: Date;
  /** The desired count then. */
  readonly desired: number;
}

/**
 * What the runtime remembers about one preset between cycles, handed back to the core as input so
 * that the core stays pure (SPEC §11, §12). Every plan returns the next value; a host using the
 * core alone may keep it or pass nothing.
 */
export interface PresetMemory {
  /** Creates asked for and not yet visible, or `null`. */
  readonly expectedCreates: ExpectedCreates | null;
  /** Deletes asked for whose prebuilds the snapshot still shows. */
  readonly expectedDeletes: readonly ExpectedDelete[];
  /**
   * Recent desired counts for scale-down stabilization: only those that can still be the largest
   * of the window (each smaller than the one before), oldest first.
   */
  readonly desiredPeaks: readonly DesiredSample[];
  /** Slow start: how many creates may be in flight at once for this preset. */
  readonly createWindow: number;
  /** Slow start: whether creates were made since the window last grew. */
  readonly createWindowUsed: boolean;
}

/** A {@link PresetMemory} in a {@link GlobalSnapshot}, with the preset it belongs to. */
export interface PresetMemoryRow extends PresetMemory {
  /** The preset. */
  readonly presetId: string;
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
  /** Claims and misses of this preset's pool in the last two hours; absent: none. */
  readonly claimEvents?: readonly ClaimEvent[];
  /** The status the host recorded for the preset; absent or `null`: `"normal"`. */
  readonly recordedStatus?: PresetStatusRecord | null;
  /** What the runtime remembers about the preset; absent or `null`: nothing. */
  readonly memory?: PresetMemory | null;
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

/**
 * A preset status as the host recorded it. For `"validationFailed"`, `configurationKey` is the
 * `presetConfigurationKey` of the configuration that could not build: the block lifts by itself
 * once the preset's configuration has another key.
 */
export interface RecordedPresetStatus extends PresetStatusRecord {
  /** The preset; presets without a row are `"normal"`. */
  readonly presetId: string;
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
  /** What the runtime remembers about presets (see {@link PresetMemory}); absent: nothing. */
  readonly memory?: readonly PresetMemoryRow[];
}

/** How the wait after failed creates grows (SPEC §12). */
export type BackoffPolicy =
  | {
      /** `until = lastBuildAt + failedBuilds × backoffIntervalMs` (the Go system's rule). */
      readonly kind: "linear";
    }
  | {
      /**
       * `until = lastBuildAt + min(capMs, backoffIntervalMs × 2^(failedBuilds − 1))`, shortened by
       * up to `jitter` of itself, by an amount derived from the preset id and the failure count (so
       * every replica computes the same instant and presets that failed together retry apart).
       */
      readonly kind: "exponential";
      /** The longest wait, in milliseconds. */
      readonly capMs: number;
      /** The largest fraction of the wait taken off by jitter, from 0 to 1; default 0.2. */
      readonly jitter?: number;
    };

/** Knobs of the decision rules. Every field has a default; an unknown field is an error. */
export interface ReconcilePolicy {
  /** Backoff per failed build, in milliseconds (the base of an exponential backoff); default 60 000. */
  readonly backoffIntervalMs: number;
  /** Global budget of creates across all presets in one cycle; default none. */
  readonly maxCreatesPerCycle?: number;
  /** Linear (default) or exponential backoff. */
  readonly backoff?: BackoffPolicy;
  /**
   * A hard-limited preset gets one probe create of 1 once this long has passed since its last failed
   * build (and none is in flight); default none: hard-limited presets wait for a person.
   */
  readonly hardLimitRetryMs?: number | null;
  /** A cap on create builds in flight across all presets (starting ones count); default none. */
  readonly maxCreatesInFlight?: number | null;
  /** Slow start: a preset's creates in flight grow 1, 2, 4, … while its builds succeed; default off. */
  readonly slowStart?: boolean;
  /** The largest desired count a target expression can give; default 100. */
  readonly maxExpressionTarget?: number;
  /**
   * Surplus is deleted only when the desired count has been below the running count for this long,
   * in milliseconds (scale-up is never delayed); default 0: no stabilization.
   */
  readonly scaleDownStabilizationMs?: number;
  /** How long a create or delete asked for is counted before the snapshot shows it, in ms; default 60 000. */
  readonly expectationTtlMs?: number;
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
