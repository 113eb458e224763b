/**
 * The imperative shell: takes the lock, reads one snapshot, lets the pure core plan, carries the
 * plan out with bounded concurrency, and reports. It never decides anything itself.
 */

import pLimit from "p-limit";
import { findMatchingPreset } from "../core/claim.js";
import { _planCycleDetailed } from "../core/cycle.js";
import { claimedLifecycle, type TemplateLifecycleDefaults } from "../core/lifecycle.js";
import { membershipActions } from "../core/membership.js";
import { _earliestChangeMs } from "../core/next-change.js";
import type { PresetPlan, PresetSnapshot, ReconcilePolicy, ReconciliationState } from "../core/types.js";
import { _resolvePolicy, type ResolvedPolicy } from "../core/validate.js";
import { systemClock, type Clock } from "../ports/clock.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import { noopMetrics, type Metrics, type PresetLabels } from "../ports/metrics.js";
import { silentNotifier, type Notifier, type ResourceReplacement } from "../ports/notifier.js";
import type { Provisioner } from "../ports/provisioner.js";
import type { Claimant, ClaimedWorkspace, Store, StoreSnapshot } from "../ports/store.js";
import { _executePresetPlan } from "./execute.js";
import { _labelsOf, _messageOf, _presetFields, Outbox } from "./outbox.js";
import { _emptyActionCounts, type ReconcileStats } from "./stats.js";

/** How a {@link Reconciler} is wired to its host. */
export interface ReconcilerOptions {
  /** The host's database. */
  readonly store: Store;
  /** Starts and deletes builds. */
  readonly provisioner: Provisioner;
  /** Tells template admins; default: tells no one. */
  readonly notifier?: Notifier;
  /** Receives counters, gauges and histograms; default: records nothing. */
  readonly metrics?: Metrics;
  /** Structured logs; default: silent. */
  readonly logger?: Logger;
  /** Time; default: the system clock. */
  readonly clock?: Clock;
  /** Backoff interval and global create budget. */
  readonly policy?: Partial<ReconcilePolicy>;
  /** The database pool size; presets are reconciled `max(1, floor(maxDbConnections / 2))` at a time. Default 10. */
  readonly maxDbConnections?: number;
  /** The user id that owns prebuilds (a prebuild is a workspace owned by it). */
  readonly systemUserId: string;
}

/** A claim: from a given preset, or from the preset of a template version that fits the parameters. */
export type ClaimRequest = {
  /** Who takes the workspace. */
  readonly claimant: Claimant;
  /** The template's lifecycle defaults, applied to the claimed workspace. Default: none, users may choose. */
  readonly templateDefaults?: TemplateLifecycleDefaults;
} & (
  | {
      /** The preset whose pool to take from. */
      readonly presetId: string;
    }
  | {
      /** The template version the workspace is for. */
      readonly templateVersionId: string;
      /** The parameters the user chose; the best-fitting preset's pool is used. */
      readonly parameters: Readonly<Record<string, string>>;
    }
);

/** What the host needs to hand the agent of a claimed workspace to its new owner. */
export interface AgentReinitialization {
  /** The workspace whose agents must re-initialise. */
  readonly workspaceId: string;
  /** The new owner. */
  readonly ownerId: string;
  /** Why: the workspace was claimed. */
  readonly reason: "claimed";
}

/** The outcome of {@link Reconciler.claim}. */
export type ClaimResult =
  | {
      /** A prebuild was handed over. */
      readonly status: "claimed";
      /** The workspace, now the claimant's. */
      readonly workspace: ClaimedWorkspace;
      /** What to tell the workspace's agents. */
      readonly agentReinitialization: AgentReinitialization;
    }
  | {
      /** No prebuild was available: build the workspace cold. */
      readonly status: "unavailable";
      /** The preset looked at, or `null` when no preset fits the parameters. */
      readonly presetId: string | null;
      /** Why, in one sentence. */
      readonly reason: string;
    };

/** How the loop runs. */
export interface StartOptions {
  /** The longest wait between cycles, in ms. */
  readonly intervalMs: number;
  /** Stops the loop when aborted (the cycle in flight finishes). */
  readonly signal?: AbortSignal;
}

/** A logger whose failures are swallowed: a broken log sink must never change what a cycle does. */
function _neverThrowing(logger: Logger): Logger {
  const guard =
    (write: Logger["info"]): Logger["info"] =>
    (message, fields) => {
      try {
        write.call(logger, message, fields);
      } catch {
        // Nowhere left to report it.
      }
    };
  return { debug: guard(logger.debug), info: guard(logger.info), warn: guard(logger.warn), error: guard(logger.error) };
}

/** How far a cycle got, for what it reports when it fails half-way. */
interface CycleProgress {
  /** The lock was obtained and the cycle's work began. */
  entered: boolean;
  /** The pause state was read. */
  pauseRead: boolean;
}

/** What a cycle that ran reports besides its counts. */
type CycleResult = Pick<ReconcileStats, "paused" | "presetsTotal" | "presetsReconciled" | "invalid" | "nextChangeAt">;

/** A read the cycle cannot go on without failed. */
class CycleAborted extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} failed: ${_messageOf(cause)}`);
  }
}

async function abortOnFailure<T>(operation: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new CycleAborted(operation, error);
  }
}

const OPEN_TEMPLATE_DEFAULTS: TemplateLifecycleDefaults = {
  autostartSchedule: null,
  allowUserAutostart: true,
  defaultTtlMs: null,
  allowUserTtl: true,
  dormancyThresholdMs: null,
  dormancyAutoDeleteMs: null,
};

/**
 * Keeps every preset's pool at its desired size by running reconciliation cycles.
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, systemUserId: "prebuilds" });
 * reconciler.start({ intervalMs: 15_000 });
 * const result = await reconciler.claim({ presetId, claimant: { userId, workspaceName: "dev" } });
 */
export class Reconciler {
  private readonly store: Store;
  private readonly provisioner: Provisioner;
  private readonly notifier: Notifier;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly policy: ResolvedPolicy;
  /** How many presets are reconciled at once. */
  readonly concurrency: number;
  private cycleTail: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private stopRequested = false;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private detachSignal: () => void = () => {};
  private reportedGauges = new Map<string, PresetLabels>();

  constructor(options: ReconcilerOptions) {
    this.store = options.store;
    this.provisioner = options.provisioner;
    this.notifier = options.notifier ?? silentNotifier;
    this.metrics = options.metrics ?? noopMetrics;
    this.logger = options.logger === undefined ? silentLogger : _neverThrowing(options.logger);
    this.clock = options.clock ?? systemClock;
    this.policy = _resolvePolicy(options.policy);
    const connections = options.maxDbConnections ?? 10;
    if (!Number.isInteger(connections) || connections < 1) {
      throw new RangeError(`maxDbConnections must be a positive integer, got ${String(connections)}`);
    }
    if (typeof options.systemUserId !== "string" || options.systemUserId === "") {
      throw new TypeError("systemUserId must be a non-empty string");
    }
    this.concurrency = Math.max(1, Math.floor(connections / 2));
  }

  /**
   * Runs one cycle: lock → paused? → memberships → snapshot → plan → execute → record hard-limit
   * transitions; then, with the lock released, notifications and metrics. Cycles never overlap:
   * a call made while one runs waits for it. Never rejects: failures are in the stats.
   */
  reconcileOnce(): Promise<ReconcileStats> {
    const cycle = this.cycleTail.then(() => this.runCycle());
    this.cycleTail = cycle.catch(() => undefined);
    return cycle;
  }

  private async runCycle(): Promise<ReconcileStats> {
    const startedMs = this.clock.now().getTime();
    const outbox = new Outbox(this.logger);
    const counts = _emptyActionCounts();
    const progress: CycleProgress = { entered: false, pauseRead: false };
    let result: CycleResult = { paused: false, presetsTotal: 0, presetsReconciled: 0, invalid: [], nextChangeAt: null };
    try {
      const outcome = await this.store.withReconciliationLock(() => this.lockedCycle(outbox, counts, progress));
      if (outcome.acquired) result = outcome.value;
    } catch (error) {
      // The lock, the pause read, the snapshot read or the lock's commit failed.
      outbox.fail(null, error instanceof CycleAborted ? error.operation : "store.withReconciliationLock", error instanceof CycleAborted ? error.cause : error);
    }
    const durationMs = this.clock.now().getTime() - startedMs;
    if (progress.entered) {
      outbox.metric((metrics) => {
        if (progress.pauseRead) metrics.setGauge("paused", null, result.paused ? 1 : 0);
        metrics.observeHistogram("reconciliationDuration", null, durationMs / 1000);
      });
    }
    await outbox.flush(this.notifier, this.metrics);
    return { ...result, lockAcquired: progress.entered, actions: counts, errors: outbox.failures.length, failures: outbox.failures, durationMs };
  }

  private async lockedCycle(outbox: Outbox, counts: ReturnType<typeof _emptyActionCounts>, progress: CycleProgress): Promise<CycleResult> {
    progress.entered = true;
    const pause = await abortOnFailure("store.isPaused", () => this.store.isPaused());
    progress.pauseRead = true;
    if (pause.global) {
      this.logger.info("reconciliation is paused", {});
      return { paused: true, presetsTotal: 0, presetsReconciled: 0, invalid: [], nextChangeAt: null };
    }
    await this.reconcileMemberships(outbox);
    const snapshot = await abortOnFailure("store.loadSnapshot", () => this.store.loadSnapshot());
    const nowMs = this.clock.now().getTime();
    // planCycle throws only for a snapshot that is unusable as a whole (a list missing).
    const { plan, snapshots } = await abortOnFailure("store.loadSnapshot", async () => _planCycleDetailed(snapshot, nowMs, this.policy));
    for (const { presetId, error } of plan.invalid) {
      this.logger.warn("preset skipped: invalid input", { presetId, issues: error.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ") });
    }
    const paused = new Set(pause.presetIds);
    const limit = pLimit(this.concurrency);
    await Promise.all(
      plan.presets.map((presetPlan, index) => {
        const presetSnapshot = snapshots[index];
        if (presetSnapshot === undefined || paused.has(presetPlan.presetId)) return Promise.resolve();
        const context = { provisioner: this.provisioner, clock: this.clock, logger: this.logger, outbox, counts };
        // Port failures are recorded inside; anything unexpected must still not stop the other presets.
        return limit(() => _executePresetPlan(presetPlan, presetSnapshot, context).catch((error: unknown) => outbox.fail(presetPlan.presetId, "execute", error)));
      }),
    );
    await this.recordHardLimits(snapshot, outbox);
    this.queueGauges(plan.presets, snapshots, outbox);
    const next = _earliestChangeMs(snapshots, nowMs, this.policy);
    return {
      paused: false,
      presetsTotal: plan.presetsTotal,
      presetsReconciled: plan.presetsReconciled,
      invalid: plan.invalid,
      nextChangeAt: next === null ? null : new Date(next),
    };
  }

  /**
   * Sets the per-preset gauges of the planned presets, and zeroes those of presets reported
   * before that are no longer planned (skipped, invalid or gone), so no gauge goes stale.
   */
  private queueGauges(plans: readonly PresetPlan[], snapshots: readonly PresetSnapshot[], outbox: Outbox): void {
    const reported = new Map<string, PresetLabels>();
    const values: [PresetLabels, ReconciliationState | null, boolean][] = [];
    for (const [index, presetPlan] of plans.entries()) {
      const presetSnapshot = snapshots[index];
      if (presetSnapshot === undefined) continue;
      const labels = _labelsOf(presetSnapshot.preset);
      reported.set(presetPlan.presetId, labels);
      values.push([labels, presetPlan.state, presetPlan.blocked === "hardLimited"]);
    }
    for (const [presetId, labels] of this.reportedGauges) if (!reported.has(presetId)) values.push([labels, null, false]);
    this.reportedGauges = reported;
    outbox.metric((metrics) => {
      for (const [labels, state, hardLimited] of values) {
        metrics.setGauge("desired", labels, state?.desired ?? 0);
        metrics.setGauge("running", labels, state?.actual ?? 0);
        metrics.setGauge("eligible", labels, state?.eligible ?? 0);
        metrics.setGauge("hardLimited", labels, hardLimited ? 1 : 0);
      }
    });
  }

  private async reconcileMemberships(outbox: Outbox): Promise<void> {
    let rows;
    try {
      rows = await this.store.organizationsWithPrebuildStatus();
    } catch (error) {
      outbox.fail(null, "store.organizationsWithPrebuildStatus", error);
      return;
    }
    const failedOrganizations = new Set<string>();
    for (const { organizationId, step } of membershipActions(rows)) {
      // Each step needs the one before it: after a failure, the organization waits for the next cycle.
      if (failedOrganizations.has(organizationId)) continue;
      const operation =
        step === "member" ? "store.addSystemUserToOrganization" : step === "group" ? "store.createPrebuildsGroup" : "store.addSystemUserToPrebuildsGroup";
      try {
        if (step === "member") await this.store.addSystemUserToOrganization(organizationId);
        else if (step === "group") await this.store.createPrebuildsGroup(organizationId);
        else await this.store.addSystemUserToPrebuildsGroup(organizationId);
        this.logger.info("prebuilds membership added", { organizationId, step });
      } catch (error) {
        failedOrganizations.add(organizationId);
        outbox.fail(null, operation, error, { organizationId });
      }
    }
  }

  /** Writes status changes only on a transition, and queues one notification per new hard limit. */
  private async recordHardLimits(snapshot: StoreSnapshot, outbox: Outbox): Promise<void> {
    const known = new Map(snapshot.presets.map((preset) => [preset.id, preset]));
    const now = new Set(snapshot.hardLimitedPresetIds);
    const recorded = new Set(snapshot.recordedStatuses.filter((row) => row.status === "hardLimited").map((row) => row.presetId));
    for (const presetId of now) {
      const preset = known.get(presetId);
      if (recorded.has(presetId) || preset === undefined) continue;
      try {
        await this.store.setPresetStatus({ presetId, status: "hardLimited", configurationKey: null });
        this.logger.warn("preset reached the hard limit of failed creates", _presetFields(preset));
        outbox.notify(presetId, (notifier) => notifier.hardLimitReached(preset));
      } catch (error) {
        outbox.fail(presetId, "store.setPresetStatus", error, _presetFields(preset));
      }
    }
    for (const presetId of recorded) {
      if (now.has(presetId) || !known.has(presetId)) continue;
      try {
        await this.store.setPresetStatus({ presetId, status: "normal", configurationKey: null });
      } catch (error) {
        outbox.fail(presetId, "store.setPresetStatus", error);
      }
    }
  }

  /**
   * Hands a ready prebuild to a claimant, or says none is available (build the workspace cold).
   * Without a preset id, the preset of the template version that best fits the parameters is used.
   * A successful claim wakes the loop so the pool is topped up at once.
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const startedMs = this.clock.now().getTime();
    let presetId: string;
    if ("presetId" in request) presetId = request.presetId;
    else {
      const presets = await this.store.presetsOfTemplateVersion(request.templateVersionId);
      const match = findMatchingPreset(presets, request.parameters);
      if (match === null) {
        return { status: "unavailable", presetId: null, reason: `no preset of template version ${request.templateVersionId} fits the parameters` };
      }
      presetId = match.id;
    }
    const lifecycle = claimedLifecycle(request.templateDefaults ?? OPEN_TEMPLATE_DEFAULTS, request.claimant);
    const workspace = await this.store.claim({ presetId, claimant: request.claimant, lifecycle, now: this.clock.now() });
    if (workspace === null) {
      return { status: "unavailable", presetId, reason: `no ready, unexpired prebuild of preset ${presetId} is available` };
    }
    const labels = this.claimLabels(workspace);
    const seconds = (this.clock.now().getTime() - startedMs) / 1000;
    this.safeMetrics((metrics) => {
      metrics.incrementCounter("claimed", labels, 1);
      metrics.observeHistogram("claimDuration", labels, seconds);
    });
    this.logger.info("prebuild claimed", { presetId, workspaceId: workspace.workspaceId, ownerId: workspace.ownerId });
    this.wake();
    return { status: "claimed", workspace, agentReinitialization: { workspaceId: workspace.workspaceId, ownerId: workspace.ownerId, reason: "claimed" } };
  }

  /**
   * Reports the resources a claim's build replaced. Counts the claim once in
   * `resourceReplacements` and tells the notifier which resources; nothing when there were none.
   */
  async trackResourceReplacement(claim: ClaimedWorkspace, replacements: readonly ResourceReplacement[]): Promise<void> {
    if (replacements.length === 0) return;
    const labels = this.claimLabels(claim);
    this.safeMetrics((metrics) => metrics.incrementCounter("resourceReplacements", labels, 1));
    this.logger.warn("claim replaced resources", { presetId: claim.presetId, workspaceId: claim.workspaceId, resources: replacements.map((entry) => entry.resource).join(",") });
    try {
      await this.notifier.resourcesReplaced(claim, replacements);
    } catch (error) {
      this.logger.error("notifier.resourcesReplaced failed", { presetId: claim.presetId, error: _messageOf(error) });
    }
  }

  private claimLabels(claim: ClaimedWorkspace): PresetLabels {
    return { organizationId: claim.organizationId, templateId: claim.templateId, presetId: claim.presetId, presetName: claim.presetName };
  }

  private safeMetrics(write: (metrics: Metrics) => void): void {
    try {
      write(this.metrics);
    } catch (error) {
      this.logger.error("metrics failed", { error: _messageOf(error) });
    }
  }

  /** Starts the loop: a cycle now, then one every `intervalMs`, or sooner when a decision is due or {@link wake} is called. */
  start(options: StartOptions): void {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) throw new RangeError(`intervalMs must be > 0, got ${options.intervalMs}`);
    if (this.loop !== null || options.signal?.aborted === true) return;
    this.stopRequested = false;
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = () => void this.stop();
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
    this.loop = this.runLoop(options.intervalMs);
  }

  /** Runs the next cycle as soon as the current one (if any) ends. */
  wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  /** Stops the loop and waits for the cycle in flight. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.detachSignal();
    this.detachSignal = () => {};
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  private async runLoop(intervalMs: number): Promise<void> {
    while (!this.stopRequested) {
      this.wakePending = false;
      const stats = await this.reconcileOnce();
      if (this.stopRequested) break;
      if (this.wakePending) continue;
      const untilChange = stats.nextChangeAt === null ? intervalMs : stats.nextChangeAt.getTime() - this.clock.now().getTime();
      await this.sleep(Math.max(0, Math.min(intervalMs, untilChange)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}
