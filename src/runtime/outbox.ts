/**
 * What a cycle wants to tell the outside world, held back until the store's transaction (the
 * reconciliation lock) is closed: a notifier or metrics backend that needs a database connection
 * must never wait on the one the cycle holds.
 */

import { messageOf } from "../internal/messages.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics } from "../ports/metrics.js";
import type { Notifier } from "../ports/notifier.js";
import { codeOf } from "./errors.js";
import { callPort, type CallScope } from "./port-call.js";
import type { CycleFailure } from "./stats.js";

/**
 * A metrics sink whose throws and rejections go to `report` and change nothing: an `async`
 * implementation must not leak unhandled rejections into the host.
 */
export function guardedMetrics(metrics: Metrics, report: (error: unknown) => void): Metrics {
  const call = (run: () => unknown) => {
    try {
      const result = run();
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  };
  const guarded: Metrics = {
    incrementCounter: (name, labels, by) => call(() => metrics.incrementCounter(name, labels, by)),
    setGauge: (name, labels, value) => call(() => metrics.setGauge(name, labels, value)),
    observeHistogram: (name, labels, seconds) => call(() => metrics.observeHistogram(name, labels, seconds)),
  };
  if (typeof metrics.removePresetGauges === "function") guarded.removePresetGauges = (labels) => call(() => metrics.removePresetGauges?.(labels));
  return guarded;
}

/** Records failures, and holds notifications and metrics until {@link flush}. */
export class Outbox {
  private readonly metricWrites: ((metrics: Metrics) => void)[] = [];
  private readonly notifications: { readonly presetId: string | null; readonly operation: string; readonly send: (notifier: Notifier, signal: AbortSignal) => Promise<void> }[] = [];
  readonly failures: CycleFailure[] = [];

  constructor(private readonly logger: Logger) {}

  /** Queues a metrics write. */
  metric(write: (metrics: Metrics) => void): void {
    this.metricWrites.push(write);
  }

  /** Queues a notification. */
  notify(presetId: string | null, operation: string, send: (notifier: Notifier, signal: AbortSignal) => Promise<void>): void {
    this.notifications.push({ presetId, operation, send });
  }

  /** Records a failed port call and logs it; the cycle goes on. */
  fail(presetId: string | null, operation: string, error: unknown, fields: Record<string, string> = {}): void {
    const message = messageOf(error);
    this.failures.push({ presetId, operation, message, code: codeOf(error) });
    this.logger.error({ ...fields, ...(presetId === null ? {} : { presetId }), operation, error: message }, `${operation} failed`);
  }

  /**
   * Sends the notifications (each within its deadline) and writes the metrics; a failing port is
   * recorded, never fatal. A broken metrics backend would fail every write alike: it is recorded
   * once, and a rejection that comes after the cycle ended is only logged.
   */
  async flush(notifier: Notifier, metrics: Metrics, notifierMs: number, scope: CallScope): Promise<void> {
    for (const { presetId, operation, send } of this.notifications) {
      try {
        await callPort(operation, notifierMs, scope, (signal) => send(notifier, signal));
      } catch (error) {
        this.fail(presetId, operation, error);
      }
    }
    let flushing = true;
    let reported = false;
    const guarded = guardedMetrics(metrics, (error) => {
      if (flushing && !reported) this.fail(null, "metrics", error);
      else if (!flushing) this.logger.error({ error: messageOf(error) }, "metrics failed");
      reported = true;
    });
    for (const write of this.metricWrites) write(guarded);
    flushing = false;
  }
}
