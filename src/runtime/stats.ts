import type { InvalidPreset, ReconciliationActionType } from "../core/types/index.js";
import type { InterruptionCause } from "./errors.js";

/** One thing that went wrong in a cycle; the cycle went on with everything else. */
export interface CycleFailure {
  /** The preset concerned, or `null` for a failure of the whole cycle (lock, pause, snapshot). */
  readonly presetId: string | null;
  /** The port call that failed, for example `provisioner.createPrebuilds`. */
  readonly operation: string;
  /** The error's message. */
  readonly message: string;
  /** The error's `code`, when it had a string one (`PORT_TIMEOUT`, `CYCLE_INTERRUPTED`, a database code…); otherwise `null`. */
  readonly code: string | null;
}

/** What one reconciliation cycle did. */
export interface ReconcileStats {
  /** Whether this replica held the reconciliation lock; when false, nothing else happened. */
  readonly lockAcquired: boolean;
  /** Whether reconciliation was paused globally. */
  readonly paused: boolean;
  /** Every preset in the snapshot. */
  readonly presetsTotal: number;
  /** Presets planned (neither skipped nor invalid). */
  readonly presetsReconciled: number;
  /** Actions carried out, by type (a `delete` counts once however many workspaces it names). */
  readonly actions: Readonly<Record<ReconciliationActionType, number>>;
  /** How many port calls failed. */
  readonly errors: number;
  /** The failed port calls, with the preset and operation of each. */
  readonly failures: readonly CycleFailure[];
  /** Presets left out because their input is invalid. */
  readonly invalid: readonly InvalidPreset[];
  /** When a decision next changes with nothing else happening; the loop wakes then at the latest. */
  readonly nextChangeAt: Date | null;
  /** What cut the cycle short, or `null` when it ran to its end. */
  readonly interruptedBy: InterruptionCause | null;
  /** When the cycle started, by the reconciler's clock. */
  readonly startedAt: Date;
  /** How long the cycle took, by the reconciler's clock. */
  readonly durationMs: number;
}

/** A zero count per action type. */
export function emptyActionCounts(): Record<ReconciliationActionType, number> {
  return { create: 0, delete: 0, backoff: 0, cancelPending: 0 };
}
