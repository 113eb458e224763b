/** What the core is given: the snapshot of one preset, and the global snapshot of a cycle (SPEC §2, §6). */

import type { PresetMemory, PresetMemoryRow } from "./memory.js";
import type { Preset } from "./preset.js";

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
