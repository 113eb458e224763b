/** How a Reconciler is wired to its host, and the checks its options get before anything runs. */

import { ArgumentValidationError, PolicyValidationError } from "../core/errors.js";
import { validatePolicy } from "../core/policy.js";
import type { ReconcilePolicy } from "../core/types/index.js";
import { describeValue, isRecord, IssueList } from "../core/validate/rules.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics } from "../ports/metrics.js";
import type { Notifier } from "../ports/notifier.js";
import type { Provisioner } from "../ports/provisioner.js";
import type { Store } from "../ports/store.js";
import type { Tracer } from "../ports/tracer.js";
import { DEFAULT_METRICS_REFRESH_MS } from "./metrics-refresh.js";
import type { ReconcileStats } from "./stats.js";

/** Deadlines of port calls and of a whole cycle, in milliseconds (SPEC §12). */
export interface ReconcilerTimeouts {
  /** Each Store call (the lock's acquisition, reads, writes, lock proofs). Default 30 000. */
  readonly storeMs?: number;
  /** Each Provisioner call. Default 60 000. */
  readonly provisionerMs?: number;
  /** Each Notifier call. Default 10 000. */
  readonly notifierMs?: number;
  /** A whole cycle, lock included; past it the cycle ends and the lock is released. Default 300 000. */
  readonly cycleMs?: number;
}

/** {@link ReconcilerTimeouts} with the defaults filled in. */
export type ResolvedTimeouts = Required<ReconcilerTimeouts>;

/** The defaults of {@link ReconcilerTimeouts}. */
export const DEFAULT_TIMEOUTS: ResolvedTimeouts = { storeMs: 30_000, provisionerMs: 60_000, notifierMs: 10_000, cycleMs: 300_000 };

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
  /** Spans of cycles, port calls and claims; default: none. */
  readonly tracer?: Tracer;
  /** Time; default: the system clock. */
  readonly clock?: Clock;
  /** The decision rules' knobs (backoff, budgets, slow start, …); validated when the Reconciler is built. */
  readonly policy?: Partial<ReconcilePolicy>;
  /** Deadlines of port calls and cycles. */
  readonly timeouts?: ReconcilerTimeouts;
  /** The database pool size; presets are reconciled `max(1, floor(maxDbConnections / 2))` at a time. Default 10. */
  readonly maxDbConnections?: number;
  /** The user id that owns prebuilds (a prebuild is a workspace owned by it). */
  readonly systemUserId: string;
  /** Called with the stats of every cycle, those the loop runs included; a throw is logged and ignored. */
  readonly onCycle?: (stats: ReconcileStats) => void;
  /**
   * How often the loop reads the store's build totals for the `created`, `failed` and `claimed`
   * counters, in ms, when the store offers `loadBuildTotals` (otherwise unused). Default 60 000.
   */
  readonly metricsRefreshMs?: number;
}

/** The longest delay `setTimeout` honours: longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

function checkTimeouts(value: unknown, issues: IssueList): ResolvedTimeouts {
  if (value === undefined) return DEFAULT_TIMEOUTS;
  if (!isRecord(value) || Array.isArray(value)) {
    issues.add(["timeouts"], `must be an object, got ${describeValue(value)}`);
    return DEFAULT_TIMEOUTS;
  }
  const resolved: Record<string, number> = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(DEFAULT_TIMEOUTS, key)) {
      issues.add(["timeouts", key], `is not a timeout (the timeouts are ${Object.keys(DEFAULT_TIMEOUTS).join(", ")})`);
      continue;
    }
    const ms = value[key];
    if (ms === undefined) continue;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
      issues.add(["timeouts", key], `must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${describeValue(ms)}`);
      continue;
    }
    resolved[key] = ms;
  }
  return resolved as ResolvedTimeouts;
}

function checkPort(value: unknown, name: string, methods: readonly string[], issues: IssueList, optional = false): void {
  if (value === undefined && optional) return;
  if (!isRecord(value)) {
    issues.add([name], `must be an object implementing ${methods.join(", ")}, got ${describeValue(value)}`);
    return;
  }
  for (const method of methods) if (typeof value[method] !== "function") issues.add([name, method], "must be a function");
}

/** What the constructor resolved from the options. */
export interface ResolvedOptions {
  readonly timeouts: ResolvedTimeouts;
  readonly concurrency: number;
  readonly metricsRefreshMs: number;
}

/**
 * Checks the options; throws {@link ArgumentValidationError} (or {@link PolicyValidationError} for
 * the policy) naming every problem, so a misconfigured host fails at start-up, not in a cycle.
 */
export function resolveOptions(options: ReconcilerOptions): ResolvedOptions {
  const issues = new IssueList("options");
  if (!isRecord(options)) throw new ArgumentValidationError("Reconciler options", [{ path: "options", message: `must be an object, got ${describeValue(options)}` }]);
  checkPort(
    options.store,
    "store",
    [
      "loadSnapshot",
      "withReconciliationLock",
      "isPaused",
      "organizationsWithPrebuildStatus",
      "addSystemUserToOrganization",
      "createPrebuildsGroup",
      "addSystemUserToPrebuildsGroup",
      "setPresetStatus",
      "claim",
      "presetsOfTemplateVersion",
    ],
    issues,
  );
  if (isRecord(options.store) && options.store["loadBuildTotals"] !== undefined && typeof options.store["loadBuildTotals"] !== "function") {
    issues.add(["store", "loadBuildTotals"], "must be a function when present");
  }
  checkPort(options.provisioner, "provisioner", ["createPrebuilds", "deletePrebuild", "cancelPendingAndOrphanDelete"], issues);
  checkPort(options.tracer, "tracer", ["startSpan"], issues, true);
  if (typeof options.systemUserId !== "string" || options.systemUserId === "") issues.add(["systemUserId"], `must be a non-empty string, got ${describeValue(options.systemUserId)}`);
  const connections = options.maxDbConnections ?? 10;
  if (!Number.isInteger(connections) || connections < 1) issues.add(["maxDbConnections"], `must be a positive integer, got ${describeValue(connections)}`);
  if (options.onCycle !== undefined && typeof options.onCycle !== "function") issues.add(["onCycle"], "must be a function");
  const metricsRefreshMs = options.metricsRefreshMs ?? DEFAULT_METRICS_REFRESH_MS;
  if (typeof metricsRefreshMs !== "number" || !Number.isFinite(metricsRefreshMs) || metricsRefreshMs <= 0 || metricsRefreshMs > MAX_TIMER_MS) {
    issues.add(["metricsRefreshMs"], `must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${describeValue(metricsRefreshMs)}`);
  }
  const timeouts = checkTimeouts(options.timeouts, issues);
  if (!issues.empty) throw new ArgumentValidationError("Reconciler options", issues.issues);
  const policyIssues = validatePolicy(options.policy ?? {});
  if (policyIssues.length > 0) throw new PolicyValidationError(policyIssues);
  return { timeouts, concurrency: Math.max(1, Math.floor(connections / 2)), metricsRefreshMs };
}
