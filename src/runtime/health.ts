/** What an orchestrator asks a replica: is it alive (not stalled), is it doing its job (recent cycles)? */

import type { ReconcileStats } from "./stats.js";

/** The health of one Reconciler (see {@link Reconciler.health}). */
export interface ReconcilerHealth {
  /** When the last cycle started, or `null` before the first. */
  readonly lastCycleStartedAt: Date | null;
  /** When the last cycle ended, or `null` before the first ended. */
  readonly lastCycleEndedAt: Date | null;
  /** Whether the last cycle ended without a failed port call and without being cut short; `null` before the first. */
  readonly lastCycleSucceeded: boolean | null;
  /** When the cycle running now started, or `null` when none is running. */
  readonly cycleRunningSince: Date | null;
  /** Whether a cycle has been running for longer than the bound: the replica should be restarted. */
  readonly stalled: boolean;
  /** The bound used for `stalled`, in ms. */
  readonly stalledAfterMs: number;
  /** Who held the reconciliation lock in the last cycle: this replica, another one, or unknown (no cycle yet, or the lock call failed). */
  readonly lock: "held" | "heldByAnother" | "unknown";
  /** Whether the loop started by `start()` is running. */
  readonly loopRunning: boolean;
}

/** Keeps what {@link ReconcilerHealth} reports, cycle by cycle. */
export class HealthRecord {
  private startedAt: Date | null = null;
  private last: ReconcileStats | null = null;
  private endedAt: Date | null = null;
  private runningSince: Date | null = null;

  cycleStarted(at: Date): void {
    this.startedAt = at;
    this.runningSince = at;
  }

  cycleEnded(stats: ReconcileStats, at: Date): void {
    this.last = stats;
    this.endedAt = at;
    this.runningSince = null;
  }

  /** The stats of the last cycle that ended, or `null`. */
  get lastStats(): ReconcileStats | null {
    return this.last;
  }

  report(nowMs: number, stalledAfterMs: number, loopRunning: boolean): ReconcilerHealth {
    const last = this.last;
    const lockCallFailed = last !== null && last.failures.some((failure) => failure.operation === "store.withReconciliationLock");
    return {
      lastCycleStartedAt: this.startedAt,
      lastCycleEndedAt: this.endedAt,
      lastCycleSucceeded: last === null ? null : last.errors === 0 && last.interruptedBy === null,
      cycleRunningSince: this.runningSince,
      stalled: this.runningSince !== null && nowMs - this.runningSince.getTime() > stalledAfterMs,
      stalledAfterMs,
      lock: last === null || lockCallFailed ? "unknown" : last.lockAcquired ? "held" : "heldByAnother",
      loopRunning,
    };
  }
}
