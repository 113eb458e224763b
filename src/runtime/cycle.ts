/**
 * One reconciliation cycle: lock → paused? → memberships → snapshot → plan → execute → record
 * status changes; then, with the lock released, notifications and metrics (SPEC §10, §12). Every
 * port call has a deadline, the cycle has one too, and a lost lock ends it at once.
 */

import pLimit from "p-limit";
import { planCycle } from "../core/cycle.js";
import { afterExecution, forgetExpectations, type ExecutionOutcome } from "../core/memory.js";
import type { CyclePlan, PresetMemory, PresetMemoryRow, PresetPlan, PresetStatusTransition, ReconcilePolicy } from "../core/types/index.js";
import { labelsOf, presetFields } from "../internal/labels.js";
import { messageOf } from "../internal/messages.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics, PresetLabels } from "../ports/metrics.js";
import type { Notifier } from "../ports/notifier.js";
import type { Provisioner } from "../ports/provisioner.js";
import type { ReconciliationLease, Store, StoreSnapshot } from "../ports/store.js";
import type { Span, Tracer } from "../ports/tracer.js";
import { CycleInterruptedError, PortTimeoutError, type InterruptionCause } from "./errors.js";
import { executePresetPlan } from "./execute.js";
import { reconcileMemberships } from "./memberships.js";
import type { ResolvedTimeouts } from "./options.js";
import { Outbox } from "./outbox.js";
import { callPort, safely, startSpanSafely, type CallScope } from "./port-call.js";
import { emptyActionCounts, type ReconcileStats } from "./stats.js";

/** What a cycle runs against; shared by every cycle of one Reconciler. */
export interface CycleDependencies {
  readonly store: Store;
  readonly provisioner: Provisioner;
  readonly notifier: Notifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly clock: Clock;
  readonly policy: Partial<ReconcilePolicy> | undefined;
  readonly timeouts: ResolvedTimeouts;
  readonly concurrency: number;
  /** What the runtime remembers per preset between cycles (expectations, desired peaks, slow start). */
  readonly memory: Map<string, PresetMemory>;
  /** The presets whose gauges were set last cycle, so that gauges of presets no longer planned are zeroed. */
  reportedGauges: Map<string, PresetLabels>;
}

/** What a cycle that held the lock reports besides its counts. */
type CycleResult = Pick<ReconcileStats, "paused" | "presetsTotal" | "presetsReconciled" | "invalid" | "nextChangeAt">;

const NOTHING: CycleResult = { paused: false, presetsTotal: 0, presetsReconciled: 0, invalid: [], nextChangeAt: null };

function isEmptyMemory(memory: PresetMemory): boolean {
  return memory.expectedCreates === null && memory.expectedDeletes.length === 0 && memory.desiredPeaks.length === 0 && memory.createWindow === 1 && !memory.createWindowUsed;
}

/** Runs one cycle; never rejects. `stopSignal` aborts it (the reconciler is stopping). */
export async function runCycle(dependencies: CycleDependencies, stopSignal: AbortSignal): Promise<ReconcileStats> {
  return new Cycle(dependencies, stopSignal).run();
}

class Cycle {
  private readonly controller = new AbortController();
  private readonly outbox: Outbox;
  private readonly counts = emptyActionCounts();
  private readonly span: Span;
  private readonly scope: CallScope;
  private entered = false;
  private pauseRead = false;
  private readonly failedValidation = new Set<string>();

  constructor(
    private readonly dependencies: CycleDependencies,
    private readonly stopSignal: AbortSignal,
  ) {
    this.outbox = new Outbox(dependencies.logger);
    this.span = startSpanSafely(dependencies.tracer, "prebuilds.cycle", {}, null);
    this.scope = { signal: this.controller.signal, tracer: dependencies.tracer, span: this.span, logger: dependencies.logger };
  }

  private interrupt(cause: InterruptionCause, reason?: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(new CycleInterruptedError(cause, reason === undefined ? undefined : { cause: reason }));
  }

  async run(): Promise<ReconcileStats> {
    const { clock, timeouts, metrics, notifier, logger } = this.dependencies;
    const startedAt = clock.now();
    const onStop = () => this.interrupt("stopped");
    if (this.stopSignal.aborted) onStop();
    else this.stopSignal.addEventListener("abort", onStop, { once: true });
    const deadline = setTimeout(() => this.interrupt("cycleDeadline"), timeouts.cycleMs);
    let result = NOTHING;
    try {
      result = await this.underLock();
    } catch (error) {
      // The lock, the pause read, the snapshot read or the lock's release failed, or the cycle was cut short.
      if (!(error instanceof CycleInterruptedError)) this.outbox.fail(null, error instanceof LockedStepError ? error.operation : "store.withReconciliationLock", error instanceof LockedStepError ? error.cause : error);
    } finally {
      clearTimeout(deadline);
      this.stopSignal.removeEventListener("abort", onStop);
    }
    const interruption = this.controller.signal.aborted ? (this.controller.signal.reason as CycleInterruptedError) : null;
    if (interruption !== null) this.outbox.fail(null, "cycle", interruption);
    const durationMs = clock.now().getTime() - startedAt.getTime();
    if (this.entered) {
      const paused = result.paused;
      const pauseRead = this.pauseRead;
      this.outbox.metric((sink) => {
        if (pauseRead) sink.setGauge("paused", null, paused ? 1 : 0);
        sink.observeHistogram("reconciliationDuration", null, durationMs / 1000);
      });
    }
    // Notifications go out after the lock is released, each within its own deadline; only a stop cuts them short.
    const flushScope: CallScope = { ...this.scope, signal: this.stopSignal };
    await this.outbox.flush(notifier, metrics, timeouts.notifierMs, flushScope);
    const stats: ReconcileStats = {
      ...result,
      lockAcquired: this.entered,
      actions: this.counts,
      errors: this.outbox.failures.length,
      failures: this.outbox.failures,
      interruptedBy: interruption?.interruptedBy ?? null,
      startedAt,
      durationMs,
    };
    safely(() => {
      this.span.setAttributes({ presetsPlanned: stats.presetsReconciled, lockAcquired: stats.lockAcquired, failures: stats.errors, ...prefixed("actions.", this.counts) });
      if (interruption !== null) this.span.recordFailure(interruption.message);
      this.span.end();
    });
    logger.debug({ presetsReconciled: stats.presetsReconciled, errors: stats.errors, durationMs }, "reconciliation cycle done");
    return stats;
  }

  /** Takes the lock (its acquisition within `storeMs`) and runs the locked steps under it. */
  private async underLock(): Promise<CycleResult> {
    const { store, timeouts } = this.dependencies;
    const acquisition = new AbortController();
    const parentAbort = () => acquisition.abort(this.controller.signal.reason);
    this.controller.signal.addEventListener("abort", parentAbort, { once: true });
    let workStarted = false;
    const acquireDeadline = setTimeout(() => {
      if (!workStarted) acquisition.abort(new PortTimeoutError("store.withReconciliationLock", timeouts.storeMs));
    }, timeouts.storeMs);
    try {
      const outcome = await callPort("store.withReconciliationLock", timeouts.cycleMs, { ...this.scope, signal: acquisition.signal }, (signal) =>
        store.withReconciliationLock((lease) => {
          workStarted = true;
          clearTimeout(acquireDeadline);
          return this.locked(lease);
        }, { signal }),
      );
      if (outcome.acquired) return outcome.value;
      // Another replica holds the lock and acts: what this one expected may be stale by now.
      for (const [presetId, remembered] of this.dependencies.memory) this.dependencies.memory.set(presetId, forgetExpectations(remembered));
      return NOTHING;
    } finally {
      clearTimeout(acquireDeadline);
      this.controller.signal.removeEventListener("abort", parentAbort);
    }
  }

  /** Proves the lock is held just before a side effect; ends the cycle when it cannot. */
  private fenceOf(lease: ReconciliationLease): () => Promise<boolean> {
    return async () => {
      if (this.controller.signal.aborted) return false;
      try {
        await callPort("store.confirmLock", this.dependencies.timeouts.storeMs, this.scope, (signal) => lease.confirm({ signal }));
        return !this.controller.signal.aborted;
      } catch (error) {
        this.interrupt("lockLost", error);
        return false;
      }
    };
  }

  private async locked(lease: ReconciliationLease): Promise<CycleResult> {
    const { store, timeouts, logger } = this.dependencies;
    this.entered = true;
    const onLost = () => this.interrupt("lockLost", lease.signal.reason);
    if (lease.signal.aborted) onLost();
    else lease.signal.addEventListener("abort", onLost, { once: true });
    try {
      const pause = await step("store.isPaused", () => callPort("store.isPaused", timeouts.storeMs, this.scope, (signal) => store.isPaused({ signal })));
      this.pauseRead = true;
      if (pause.global) {
        logger.info({}, "reconciliation is paused");
        return { ...NOTHING, paused: true };
      }
      const fence = this.fenceOf(lease);
      await reconcileMemberships(store, { fence, fencingToken: lease.fencingToken }, timeouts.storeMs, this.scope, this.outbox, logger);
      const snapshot = await step("store.loadSnapshot", () => callPort("store.loadSnapshot", timeouts.storeMs, this.scope, (signal) => store.loadSnapshot({ signal })));
      // planCycle throws only for a snapshot that is unusable as a whole (a list missing): the store's doing.
      const plan = await step("store.loadSnapshot", async () => this.plan(snapshot));
      for (const { presetId, error } of plan.invalid) {
        logger.warn({ presetId, issues: error.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ") }, "preset skipped: invalid input");
      }
      const paused = new Set(pause.presetIds);
      await this.execute(plan, paused, fence, lease.fencingToken);
      await this.recordStatusChanges(plan.statusChanges, fence, lease.fencingToken);
      this.queueGauges(plan.presets);
      return { paused: false, presetsTotal: plan.presetsTotal, presetsReconciled: plan.presetsReconciled, invalid: plan.invalid, nextChangeAt: plan.nextChangeAt };
    } finally {
      lease.signal.removeEventListener("abort", onLost);
    }
  }

  /** Plans with the memory of the presets the snapshot has. */
  private plan(snapshot: StoreSnapshot): CyclePlan {
    const { memory, clock, policy } = this.dependencies;
    const rows: PresetMemoryRow[] = [];
    if (memory.size > 0) {
      const present = new Set<string>();
      for (const preset of snapshot.presets) present.add(preset.id);
      for (const [presetId, remembered] of memory) {
        if (present.has(presetId)) rows.push({ ...remembered, presetId });
        else memory.delete(presetId);
      }
    }
    return planCycle({ ...snapshot, memory: rows }, clock, policy);
  }

  private async execute(plan: CyclePlan, paused: ReadonlySet<string>, fence: () => Promise<boolean>, fencingToken: string | null): Promise<void> {
    const { store, provisioner, clock, logger, timeouts, concurrency, memory } = this.dependencies;
    const limit = pLimit(concurrency);
    const retract = (presetId: string, outcome: ExecutionOutcome) => {
      const remembered = memory.get(presetId);
      if (remembered !== undefined) memory.set(presetId, afterExecution(remembered, outcome));
    };
    const context = { store, provisioner, clock, logger, outbox: this.outbox, scope: this.scope, timeouts, counts: this.counts, fencingToken, fence, failedValidation: this.failedValidation, retract };
    const remember = (presetPlan: PresetPlan, kept: PresetMemory) => {
      if (isEmptyMemory(kept)) memory.delete(presetPlan.presetId);
      else memory.set(presetPlan.presetId, kept);
    };
    await Promise.all(
      plan.presets.map((presetPlan) => {
        if (paused.has(presetPlan.presetId)) return Promise.resolve();
        return limit(async () => {
          if (this.controller.signal.aborted) return;
          // Remember first: a call that hangs past the deadline may still have happened.
          remember(presetPlan, presetPlan.memory);
          try {
            remember(presetPlan, afterExecution(presetPlan.memory, await executePresetPlan(presetPlan, context)));
          } catch (error) {
            // Port failures are recorded inside; anything unexpected must still not stop the other presets.
            this.outbox.fail(presetPlan.presetId, "execute", error);
          }
        });
      }),
    );
  }

  /** Writes each status change the plan names (fenced), and queues one notification per new hard limit. */
  private async recordStatusChanges(changes: readonly PresetStatusTransition[], fence: () => Promise<boolean>, fencingToken: string | null): Promise<void> {
    const { store, timeouts, logger } = this.dependencies;
    for (const change of changes) {
      // A create of this cycle failed permanently: that status, written after the plan was made, stands.
      if (this.failedValidation.has(change.presetId)) continue;
      if (!(await fence())) return;
      const fields = presetFields(change.preset);
      try {
        await callPort("store.setPresetStatus", timeouts.storeMs, this.scope, (signal) =>
          store.setPresetStatus({ presetId: change.presetId, status: change.to, configurationKey: null }, { signal, fencingToken }),
        );
      } catch (error) {
        this.outbox.fail(change.presetId, "store.setPresetStatus", error, fields);
        continue;
      }
      if (change.to === "hardLimited") {
        logger.warn(fields, "preset reached the hard limit of failed creates");
        this.outbox.notify(change.presetId, "notifier.hardLimitReached", (notifier) => notifier.hardLimitReached(change.preset));
      } else logger.info({ ...fields, from: change.from, to: change.to }, "preset status changed");
    }
  }

  /**
   * Sets the per-preset gauges of the planned presets. Those of presets reported before that are
   * no longer planned (skipped, invalid or gone) are removed when the sink can, zeroed otherwise,
   * so no gauge goes stale.
   */
  private queueGauges(plans: readonly PresetPlan[]): void {
    const reported = new Map<string, PresetLabels>();
    const values: [PresetLabels, PresetPlan | null][] = [];
    let fallbacks = 0;
    for (const presetPlan of plans) {
      const labels = labelsOf(presetPlan.preset);
      reported.set(presetPlan.presetId, labels);
      values.push([labels, presetPlan]);
      if (presetPlan.state.targetSource === "expressionFallback") fallbacks += 1;
    }
    for (const [presetId, labels] of this.dependencies.reportedGauges) if (!reported.has(presetId)) values.push([labels, null]);
    this.dependencies.reportedGauges = reported;
    this.outbox.metric((metrics) => {
      for (const [labels, presetPlan] of values) {
        if (presetPlan === null && metrics.removePresetGauges !== undefined) {
          metrics.removePresetGauges(labels);
          continue;
        }
        metrics.setGauge("desired", labels, presetPlan?.state.desired ?? 0);
        metrics.setGauge("running", labels, presetPlan?.state.actual ?? 0);
        metrics.setGauge("eligible", labels, presetPlan?.state.eligible ?? 0);
        metrics.setGauge("hardLimited", labels, presetPlan?.blocked === "hardLimited" ? 1 : 0);
        metrics.setGauge("validationFailed", labels, presetPlan?.blocked === "validationFailed" ? 1 : 0);
      }
      metrics.setGauge("expressionFallback", null, fallbacks);
    });
  }
}

/** A step the cycle cannot go on without failed: the cycle ends, reported under the step's name. */
class LockedStepError extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} failed: ${messageOf(cause)}`);
  }
}

async function step<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CycleInterruptedError) throw error;
    throw new LockedStepError(operation, error);
  }
}

function prefixed(prefix: string, counts: Readonly<Record<string, number>>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) result[`${prefix}${key}`] = value;
  return result;
}
