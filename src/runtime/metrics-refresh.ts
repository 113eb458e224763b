/**
 * The outcome counters from the store's own records (SPEC §13): `created`, `failed` and `claimed`
 * count what happened to builds and claims, as the Go system derives them from its database. The
 * totals are read on a timer of their own, outside cycles and the lock, so that a steady-state
 * cycle stays one snapshot read and no write; each read feeds the counters by the growth since
 * the previous one.
 */

import { describeValue, formatPath, isRecord, type Path } from "../core/validate/rules.js";
import { labelsOfTotals } from "../internal/labels.js";
import { messageOf } from "../internal/messages.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { CounterName, Metrics } from "../ports/metrics.js";
import type { PresetBuildTotals, Store } from "../ports/store.js";
import type { Tracer } from "../ports/tracer.js";
import { callPort, safely, startSpanSafely } from "./port-call.js";

/** The counters the store's totals feed. */
const OUTCOME_COUNTERS = ["created", "failed", "claimed"] as const satisfies readonly CounterName[];
type OutcomeCounter = (typeof OUTCOME_COUNTERS)[number];
type Totals = Readonly<Record<OutcomeCounter, number>>;

/** The default of `ReconcilerOptions.metricsRefreshMs`. */
export const DEFAULT_METRICS_REFRESH_MS = 60_000;

/**
 * A metrics sink that ignores increments of `created`, `failed` and `claimed`: with a store that
 * counts them, the cycle's and the claim's own increments would count the same thing twice.
 */
export function withoutOutcomeCounters(metrics: Metrics): Metrics {
  // Each call returns what the sink returned: a rejected promise of an async sink must reach the guard.
  const filtered: Metrics = {
    incrementCounter: (name, labels, by) => ((OUTCOME_COUNTERS as readonly CounterName[]).includes(name) ? undefined : metrics.incrementCounter(name, labels, by)),
    setGauge: (name, labels, value) => metrics.setGauge(name, labels, value),
    observeHistogram: (name, labels, seconds) => metrics.observeHistogram(name, labels, seconds),
  };
  if (typeof metrics.removePresetGauges === "function") filtered.removePresetGauges = (labels) => metrics.removePresetGauges?.(labels);
  return filtered;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** What is wrong with one row of totals, each problem with its path; empty when the row is usable. */
function rowProblems(row: unknown, path: Path): string[] {
  const at = (field: string) => formatPath([...path, field], "");
  if (!isRecord(row)) return [`${formatPath(path, "")}: must be an object, got ${describeValue(row)}`];
  const problems: string[] = [];
  for (const field of ["presetId", "presetName", "organizationId", "templateId"] as const) {
    const value = row[field];
    if (typeof value !== "string" || (field !== "presetName" && value === "")) problems.push(`${at(field)}: must be ${field === "presetName" ? "a string" : "a non-empty string"}, got ${describeValue(value)}`);
  }
  for (const field of OUTCOME_COUNTERS) if (!isCount(row[field])) problems.push(`${at(field)}: must be a whole number ≥ 0, got ${describeValue(row[field])}`);
  return problems;
}

/** What the refresher runs against. */
export interface RefreshDependencies {
  /** The store; only its `loadBuildTotals` is called. */
  readonly store: Store;
  /** Where the counters and the refreshed-at gauge go; must not throw (the Reconciler guards it). */
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly clock: Clock;
  /** The deadline of the totals read, in ms. */
  readonly storeMs: number;
  /** The time between the end of one read and the start of the next, in ms. */
  readonly intervalMs: number;
}

/**
 * Reads the store's build totals and feeds the outcome counters by their growth: the first read
 * adds each whole total, later ones the difference. A total that went down (its rows were
 * deleted) changes no counter and becomes the new base. One read at a time.
 */
export class BuildTotalsRefresher {
  private readonly baselines = new Map<string, Totals>();
  private inFlight: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private controller = new AbortController();
  private active: () => boolean = () => false;
  private running = false;

  constructor(private readonly dependencies: RefreshDependencies) {}

  /**
   * Reads the totals once (or joins the read under way) and feeds the counters. Resolves `true`
   * when the totals were read and fed, `false` when the read failed (the failure is logged).
   */
  refresh(): Promise<boolean> {
    if (this.inFlight === null) {
      if (this.controller.signal.aborted) this.controller = new AbortController();
      this.inFlight = this.read().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /** Reads now, then `intervalMs` after each read ends, for as long as `active()` says so. */
  start(active: () => boolean): void {
    this.active = active;
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops the timer and abandons a read under way; resolves once it has settled. */
  async stop(): Promise<void> {
    this.active = () => false;
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort(new Error("the reconciler is stopping"));
    await this.inFlight;
  }

  private tick(): void {
    this.timer = null;
    if (!this.running || !this.active()) {
      this.running = false;
      return;
    }
    void this.refresh().then(() => {
      if (!this.running || this.timer !== null) return;
      this.timer = setTimeout(() => this.tick(), this.dependencies.intervalMs);
      // The loop keeps the process alive while it runs; this timer alone must not.
      this.timer.unref?.();
    });
  }

  private async read(): Promise<boolean> {
    const { store, metrics, logger, tracer, clock, storeMs } = this.dependencies;
    const span = startSpanSafely(tracer, "prebuilds.metricsRefresh", {}, null);
    const signal = this.controller.signal;
    try {
      const rows: unknown = await callPort("store.loadBuildTotals", storeMs, { signal, tracer, span, logger }, (callSignal) => store.loadBuildTotals?.({ signal: callSignal }) ?? []);
      if (!Array.isArray(rows)) throw new TypeError(`store.loadBuildTotals must resolve to an array of totals, got ${describeValue(rows)}`);
      let skipped = 0;
      rows.forEach((row: unknown, index) => {
        const problems = rowProblems(row, [index]);
        if (problems.length === 0) this.feed(row as PresetBuildTotals);
        else {
          skipped += 1;
          logger.error({ operation: "store.loadBuildTotals", issues: problems.map((problem) => `loadBuildTotals()${problem}`).join("; ") }, "a row of build totals is unusable: it is left out");
        }
      });
      metrics.setGauge("totalsRefreshedAt", null, clock.now().getTime() / 1000);
      safely(() => span.setAttributes({ presets: rows.length - skipped, skippedRows: skipped }));
      return true;
    } catch (error) {
      if (!signal.aborted) {
        logger.error({ operation: "store.loadBuildTotals", error: messageOf(error) }, "store.loadBuildTotals failed: the outcome counters wait for the next read");
        safely(() => span.recordFailure(messageOf(error)));
      }
      return false;
    } finally {
      safely(() => span.end());
    }
  }

  private feed(row: PresetBuildTotals): void {
    const { metrics, logger } = this.dependencies;
    const labels = labelsOfTotals(row);
    const base = this.baselines.get(row.presetId);
    for (const counter of OUTCOME_COUNTERS) {
      const total = row[counter];
      if (base === undefined) {
        // Even a total of 0 is written: the series exists from the start, so a first rise shows in rate().
        metrics.incrementCounter(counter, labels, total);
        continue;
      }
      const growth = total - base[counter];
      if (growth > 0) metrics.incrementCounter(counter, labels, growth);
      else if (growth < 0) logger.warn({ presetId: row.presetId, counter, was: base[counter], now: total }, "a build total went down (its rows were deleted?): the counter keeps its value");
    }
    this.baselines.set(row.presetId, { created: row.created, failed: row.failed, claimed: row.claimed });
  }
}
