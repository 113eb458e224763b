/**
 * What the person on call does to the live pools, without writing code: pause and resume
 * reconciliation, and invalidate a preset's prebuilds. Each is one statement on the schema of
 * `migrate()`; the reconciliation lock is not needed (the next cycle reads the change).
 */

import type { Pool } from "pg";

/** Thrown when an operation names a preset the database does not have. */
export class UnknownPresetError extends Error {
  /** Stable machine-readable code. */
  readonly code = "UNKNOWN_PRESET" as const;

  constructor(
    /** The preset id that was asked for. */
    readonly presetId: string,
  ) {
    super(`no preset with id ${JSON.stringify(presetId)}`);
    this.name = "UnknownPresetError";
  }
}

/** Which reconciliation to pause or resume: all of it, or one preset's. */
export interface PauseTarget {
  /** One preset; absent: every preset (the global switch). */
  readonly presetId?: string;
}

/**
 * Pauses (`paused: true`) or resumes reconciliation, globally or for one preset. A paused preset is
 * still planned (its state shows in `status`) but nothing is done for it; a global pause stops
 * whole cycles before they read anything.
 *
 * @throws {UnknownPresetError} when `presetId` names no preset.
 * @example
 * await setReconciliationPaused(pool, true, { presetId: "eu-dev" });
 */
export async function setReconciliationPaused(pool: Pool, paused: boolean, target: PauseTarget = {}): Promise<void> {
  if (target.presetId === undefined) {
    await pool.query("UPDATE prebuilds_settings SET reconciliation_paused = $1 WHERE singleton", [paused]);
    return;
  }
  const { rowCount } = await pool.query("UPDATE presets SET reconciliation_paused = $2 WHERE id = $1", [target.presetId, paused]);
  if (rowCount === 0) throw new UnknownPresetError(target.presetId);
}

/**
 * Expires every prebuild of a preset created before `at` (its `lastInvalidatedAt`): the next cycle
 * deletes them and builds fresh ones. It also changes the preset's configuration key, which lifts a
 * `validationFailed` block (a way to retry after fixing what the provisioner could not build).
 *
 * @throws {UnknownPresetError} when `presetId` names no preset.
 * @example
 * await invalidatePreset(pool, "eu-dev", new Date());
 */
export async function invalidatePreset(pool: Pool, presetId: string, at: Date): Promise<void> {
  const { rowCount } = await pool.query("UPDATE presets SET last_invalidated_at = $2 WHERE id = $1", [presetId, at]);
  if (rowCount === 0) throw new UnknownPresetError(presetId);
}
