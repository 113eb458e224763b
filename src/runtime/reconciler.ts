/**
 * The Reconciler: a thin front over the cycle, the loop and claims. It never decides anything
 * itself; the pure core plans, and the runtime carries the plan out and reports.
 */

import type { PresetMemory } from "../core/types/index.js";
import { labelsOfClaim } from "../internal/labels.js";
import { messageOf } from "../internal/messages.js";
import { systemClock, type Clock } from "../ports/clock.js";
import { neverThrowing, silentLogger, type Logger } from "../ports/logger.js";
import { noopMetrics, type Metrics } from "../ports/metrics.js";
import { silentNotifier, type Notifier, type ResourceReplacement } from "../ports/notifier.js";
import type { ClaimedWorkspace } from "../ports/store.js";
import { noopTracer } from "../ports/tracer.js";
import { claimPrebuild, type ClaimRequest, type ClaimResult } from "./claim.js";
import { runCycle, type CycleDependencies } from "./cycle.js";
import { HealthRecord, type ReconcilerHealth } from "./health.js";
import { Loop, type StartOptions } from "./loop.js";
import { BuildTotalsRefresher, withoutOutcomeCounters } from "./metrics-refresh.js";
import { guardedMetrics } from "./outbox.js";
import { resolveOptions, type ReconcilerOptions, type ResolvedTimeouts } from "./options.js";
import { safely } from "./port-call.js";
import type { ReconcileStats } from "./stats.js";

/**
 * Keeps every preset's pool at its desired size by running reconciliation cycles.
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, systemUserId: "prebuilds" });
 * reconciler.start({ intervalMs: 15_000 });
 * const result = await reconciler.claim({ presetId, claimant: { userId, workspaceName: "dev" } });
 */
export class Reconciler {
  /** How many presets are reconciled at once. */
  readonly concurrency: number;
  /** The deadlines in force, defaults filled in. */
  readonly timeouts: ResolvedTimeouts;
  private readonly dependencies: CycleDependencies;
  /** The host's metrics, for claims: a throw or a rejection is logged and changes nothing. */
  private readonly claimMetrics: Metrics;
  private readonly notifier: Notifier;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly onCycle: ((stats: ReconcileStats) => void) | undefined;
  private readonly health_ = new HealthRecord();
  private readonly loop: Loop;
  /** Reads the store's build totals for the outcome counters; `null` when the store has no `loadBuildTotals`. */
  private readonly totals: BuildTotalsRefresher | null;
  private stopController = new AbortController();
  private cycleTail: Promise<unknown> = Promise.resolve();

  /** @throws {ArgumentValidationError | PolicyValidationError} naming every unusable option. */
  constructor(options: ReconcilerOptions) {
    const resolved = resolveOptions(options);
    this.concurrency = resolved.concurrency;
    this.timeouts = resolved.timeouts;
    this.logger = options.logger === undefined ? silentLogger : neverThrowing(options.logger);
    this.clock = options.clock ?? systemClock;
    this.notifier = options.notifier ?? silentNotifier;
    this.onCycle = options.onCycle;
    const metrics = options.metrics ?? noopMetrics;
    const storeCounts = typeof options.store.loadBuildTotals === "function";
    this.dependencies = {
      store: options.store,
      provisioner: options.provisioner,
      notifier: this.notifier,
      // With a store that counts created, failed and claimed prebuilds, the cycle and claims must not count them too.
      metrics: storeCounts ? withoutOutcomeCounters(metrics) : metrics,
      logger: this.logger,
      tracer: options.tracer ?? noopTracer,
      clock: this.clock,
      policy: options.policy,
      timeouts: resolved.timeouts,
      concurrency: resolved.concurrency,
      memory: new Map<string, PresetMemory>(),
      reportedGauges: new Map(),
    };
    const reportMetricsFailure = (error: unknown) => this.logger.error({ error: messageOf(error) }, "metrics failed");
    this.claimMetrics = guardedMetrics(this.dependencies.metrics, reportMetricsFailure);
    this.totals = storeCounts
      ? new BuildTotalsRefresher({
          store: options.store,
          metrics: guardedMetrics(metrics, reportMetricsFailure),
          logger: this.logger,
          tracer: this.dependencies.tracer,
          clock: this.clock,
          storeMs: resolved.timeouts.storeMs,
          intervalMs: resolved.metricsRefreshMs,
        })
      : null;
    this.loop = new Loop(() => this.reconcileOnce(), this.clock, () => this.stopController.abort(new Error("the reconciler is stopping")));
  }

  /**
   * Runs one cycle: lock → paused? → memberships → snapshot → plan → execute → record status
   * changes; then, with the lock released, notifications and metrics. Cycles never overlap: a call
   * made while one runs waits for it. Every port call has a deadline and the cycle has one too.
   * Never rejects, whatever a port throws: failures are in the stats.
   */
  reconcileOnce(): Promise<ReconcileStats> {
    const cycle = this.cycleTail.then(() => this.cycle());
    this.cycleTail = cycle.catch(() => undefined);
    return cycle;
  }

  private async cycle(): Promise<ReconcileStats> {
    if (this.stopController.signal.aborted && !this.loop.active) this.stopController = new AbortController();
    this.health_.cycleStarted(this.clock.now());
    const stats = await runCycle(this.dependencies, this.stopController.signal);
    this.health_.cycleEnded(stats, this.clock.now());
    if (this.onCycle !== undefined) {
      const onCycle = this.onCycle;
      try {
        onCycle(stats);
      } catch (error) {
        this.logger.error({ error: messageOf(error) }, "onCycle failed");
      }
    }
    return stats;
  }

  /** The stats of the last cycle that ended, or `null` before the first. */
  get lastStats(): ReconcileStats | null {
    return this.health_.lastStats;
  }

  /**
   * Whether this replica is healthy: when the last cycle started and ended and whether it
   * succeeded, whether a cycle has been running longer than `stalledAfterMs` (default: the cycle
   * deadline plus the store deadline), and who held the lock.
   *
   * @example
   * if (reconciler.health().stalled) process.exit(1); // let the orchestrator restart the replica
   */
  health(options: { readonly stalledAfterMs?: number } = {}): ReconcilerHealth {
    const stalledAfterMs = options.stalledAfterMs ?? this.timeouts.cycleMs + this.timeouts.storeMs;
    return this.health_.report(this.clock.now().getTime(), stalledAfterMs, this.loop.active);
  }

  /**
   * Reads the store's build totals now and feeds the `created`, `failed` and `claimed` counters
   * with what they grew by; the loop does it every `metricsRefreshMs` by itself. Never rejects:
   * resolves `false` when the store has no `loadBuildTotals` or the read failed (logged).
   *
   * @example
   * await reconciler.refreshMetrics(); // a host that runs cycles with reconcileOnce() on its own schedule
   */
  refreshMetrics(): Promise<boolean> {
    return this.totals === null ? Promise.resolve(false) : this.totals.refresh();
  }

  /**
   * Hands a ready prebuild to a claimant, or says none is available (build the workspace cold).
   * Without a preset id, the preset of the template version that best fits the parameters is used.
   * The store records the claim or the miss; either wakes the loop, so the pool is topped up at once.
   *
   * @throws {ArgumentValidationError} when the request is unusable (a missing field, an id with a NUL byte).
   * @throws {PortTimeoutError} when a store call passes `timeouts.storeMs`; the claim may still have
   *   happened (see docs/runtime.md, "a claim whose reply is lost").
   */
  claim(request: ClaimRequest): Promise<ClaimResult> {
    return claimPrebuild(request, {
      store: this.dependencies.store,
      metrics: this.claimMetrics,
      logger: this.logger,
      tracer: this.dependencies.tracer,
      clock: this.clock,
      storeMs: this.timeouts.storeMs,
      signal: this.stopController.signal,
      wake: () => this.wake(),
      labelsOf: (presetId) => this.dependencies.reportedGauges.get(presetId) ?? null,
    });
  }

  /**
   * Reports the resources a claim's build replaced. Counts the claim once in
   * `resourceReplacements` and tells the notifier which resources; nothing when there were none.
   */
  async trackResourceReplacement(claim: ClaimedWorkspace, replacements: readonly ResourceReplacement[]): Promise<void> {
    if (replacements.length === 0) return;
    this.claimMetrics.incrementCounter("resourceReplacements", labelsOfClaim(claim), 1);
    this.logger.warn({ presetId: claim.presetId, workspaceId: claim.workspaceId, resources: replacements.map((entry) => entry.resource).join(",") }, "claim replaced resources");
    try {
      await this.notifier.resourcesReplaced(claim, replacements);
    } catch (error) {
      this.logger.error({ presetId: claim.presetId, error: messageOf(error) }, "notifier.resourcesReplaced failed");
    }
  }

  /**
   * Starts the loop: a cycle now, then one every `intervalMs`, or sooner when a decision is due or
   * {@link wake} is called, but never two cycle starts closer than `minIntervalMs`. With a store
   * that offers `loadBuildTotals`, the build totals are read now and every `metricsRefreshMs` too.
   *
   * @throws {ArgumentValidationError} when the options are unusable.
   */
  start(options: StartOptions): void {
    if (this.stopController.signal.aborted) this.stopController = new AbortController();
    this.loop.start(options);
    this.totals?.start(() => this.loop.active);
  }

  /** Runs the next cycle as soon as the current one (if any) ends and the floor between cycles allows. */
  wake(): void {
    safely(() => this.loop.wake());
  }

  /**
   * Stops the loop: the cycle in flight is interrupted (its pending port calls are abandoned and the
   * lock released) and this resolves once it has ended, even when a port never settles.
   */
  async stop(): Promise<void> {
    this.stopController.abort(new Error("the reconciler is stopping"));
    await Promise.all([this.loop.stop(), this.totals?.stop()]);
  }
}

export type { StartOptions } from "./loop.js";
export type { ReconcilerOptions, ReconcilerTimeouts } from "./options.js";
export type { AgentReinitialization, ClaimRequest, ClaimResult } from "./claim.js";
