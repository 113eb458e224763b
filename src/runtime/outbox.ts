import type { Preset } from "../core/types.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics, PresetLabels } from "../ports/metrics.js";
import type { Notifier } from "../ports/notifier.js";
import type { CycleFailure } from "./stats.js";

/** The labels of a preset's series. */
export function _labelsOf(preset: Preset): PresetLabels {
  return { organizationId: preset.organizationId, templateId: preset.templateId, presetId: preset.id, presetName: preset.name };
}

/** The fields every log line about a preset carries. */
export function _presetFields(preset: Preset): Record<string, string> {
  return { presetId: preset.id, presetName: preset.name, templateId: preset.templateId, organizationId: preset.organizationId };
}

/** The message of anything thrown. */
export function _messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a cycle wants to tell the outside world, held back until the store's transaction (the
 * reconciliation lock) is closed: a notifier or metrics backend that needs a database connection
 * must never wait on the one the cycle holds.
 */
export class Outbox {
  private readonly metricWrites: ((metrics: Metrics) => void)[] = [];
  private readonly notifications: { readonly presetId: string | null; readonly send: (notifier: Notifier) => Promise<void> }[] = [];
  readonly failures: CycleFailure[] = [];

  constructor(private readonly logger: Logger) {}

  /** Queues a metrics write. */
  metric(write: (metrics: Metrics) => void): void {
    this.metricWrites.push(write);
  }

  /** Queues a notification. */
  notify(presetId: string | null, send: (notifier: Notifier) => Promise<void>): void {
    this.notifications.push({ presetId, send });
  }

  /** Records a failed port call and logs it; the cycle goes on. */
  fail(presetId: string | null, operation: string, error: unknown, fields: Record<string, string> = {}): void {
    const message = _messageOf(error);
    this.failures.push({ presetId, operation, message });
    this.logger.error(`${operation} failed`, { ...fields, ...(presetId === null ? {} : { presetId }), operation, error: message });
  }

  /** Sends the notifications and writes the metrics; a throwing port is recorded, never fatal. */
  async flush(notifier: Notifier, metrics: Metrics): Promise<void> {
    for (const { presetId, send } of this.notifications) {
      try {
        await send(notifier);
      } catch (error) {
        this.fail(presetId, "notifier", error);
      }
    }
    try {
      for (const write of this.metricWrites) write(metrics);
    } catch (error) {
      // A broken metrics backend would fail every write alike: report it once.
      this.fail(null, "metrics", error);
    }
  }
}
