/** What the runtime remembers of a preset between cycles (SPEC §11, §12). */

import type { GlobalSnapshot } from "./snapshot.js";

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
