/** The clock and the preset: what a template admin configures (SPEC §1–§3). */

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
