/**
 * The Metrics port over a prom-client registry, under names compatible with Coder's
 * (`coderd_prebuilt_workspaces_created_total`, …).
 */

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CounterName, GaugeName, HistogramName, Metrics, PresetLabels } from "../../ports/metrics.js";

/** How the Prometheus metrics are named and registered. */
export interface PrometheusMetricsOptions {
  /** The registry to register on (prom-client's global `register`, or your own). */
  readonly registry: Registry;
  /** The prefix of every name. Default `coderd_`. */
  readonly prefix?: string;
  /** Buckets of the duration histograms, in seconds. */
  readonly durationBuckets?: readonly number[];
}

const PRESET_LABELS = ["organization", "template", "preset"] as const;

/** Gauges without labels. */
type GlobalGauge = "paused" | "expressionFallback";

/** How one of the port's metrics appears in Prometheus. */
export interface PrometheusSeries {
  /** The series name after the prefix. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
}

/**
 * The name (after the prefix) and help of every series, by the port's metric name.
 *
 * @example
 * PROMETHEUS_METRIC_NAMES.created.name; // "prebuilt_workspaces_created_total"
 */
export const PROMETHEUS_METRIC_NAMES: Readonly<Record<CounterName | GaugeName | HistogramName, PrometheusSeries>> = {
  created: { name: "prebuilt_workspaces_created_total", help: "Prebuilt workspaces whose creation was started." },
  failed: { name: "prebuilt_workspaces_failed_total", help: "Prebuilt workspace creations that could not be started." },
  claimed: { name: "prebuilt_workspaces_claimed_total", help: "Prebuilt workspaces handed to a user." },
  missed: { name: "prebuilt_workspaces_claim_misses_total", help: "Workspace requests that matched a preset but found no claimable prebuilt workspace." },
  resourceReplacements: { name: "prebuilt_workspaces_resource_replacements_total", help: "Claims whose build replaced resources of the prebuild." },
  desired: { name: "prebuilt_workspaces_desired", help: "Prebuilt workspaces a preset wants now." },
  running: { name: "prebuilt_workspaces_running", help: "Running prebuilt workspaces of a preset, expired ones included." },
  eligible: { name: "prebuilt_workspaces_eligible", help: "Ready, unexpired prebuilt workspaces a claim could take." },
  hardLimited: { name: "prebuilt_workspaces_preset_hard_limited", help: "1 when the preset's last creates all failed and it gets no more." },
  validationFailed: { name: "prebuilt_workspaces_preset_validation_failed", help: "1 when the preset's configuration cannot build and it gets no creates until it changes." },
  paused: { name: "prebuilt_workspaces_reconciliation_paused", help: "1 when reconciliation is paused." },
  expressionFallback: { name: "prebuilt_workspaces_expression_fallback_presets", help: "Presets whose target expression failed this cycle and fell back to the scheduled count." },
  reconciliationDuration: { name: "prebuilds_reconciliation_duration_seconds", help: "Duration of one reconciliation cycle." },
  creationDuration: { name: "workspace_creation_duration_seconds", help: "Duration of starting a prebuild's creation." },
  claimDuration: { name: "prebuilt_workspace_claim_duration_seconds", help: "Duration of claiming a prebuilt workspace." },
};

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800, 3600];

function labelValues(labels: PresetLabels): Record<(typeof PRESET_LABELS)[number], string> {
  return { organization: labels.organizationId, template: labels.templateId, preset: labels.presetName };
}

/**
 * A {@link Metrics} that registers and updates prom-client series. Per-preset series carry the
 * labels `organization`, `template` and `preset` (the preset's name).
 *
 * @example
 * import { register } from "prom-client";
 * const metrics = new PrometheusMetrics({ registry: register });
 * const reconciler = new Reconciler({ store, provisioner, metrics, systemUserId });
 */
export class PrometheusMetrics implements Metrics {
  private readonly counters: Record<CounterName, Counter<string>>;
  private readonly gauges: Record<Exclude<GaugeName, GlobalGauge>, Gauge<string>>;
  private readonly globalGauges: Record<GlobalGauge, Gauge<string>>;
  private readonly histograms: Record<HistogramName, Histogram<string>>;

  constructor(options: PrometheusMetricsOptions) {
    const prefix = options.prefix ?? "coderd_";
    const registers = [options.registry];
    const buckets = [...(options.durationBuckets ?? DEFAULT_BUCKETS)];
    const named = (metric: keyof typeof PROMETHEUS_METRIC_NAMES) => ({
      name: `${prefix}${PROMETHEUS_METRIC_NAMES[metric].name}`,
      help: PROMETHEUS_METRIC_NAMES[metric].help,
      registers,
    });
    const counter = (metric: CounterName) => new Counter({ ...named(metric), labelNames: PRESET_LABELS });
    const gauge = (metric: GaugeName) => new Gauge({ ...named(metric), labelNames: PRESET_LABELS });
    this.counters = { created: counter("created"), failed: counter("failed"), claimed: counter("claimed"), missed: counter("missed"), resourceReplacements: counter("resourceReplacements") };
    this.gauges = { desired: gauge("desired"), running: gauge("running"), eligible: gauge("eligible"), hardLimited: gauge("hardLimited"), validationFailed: gauge("validationFailed") };
    this.globalGauges = { paused: new Gauge({ ...named("paused") }), expressionFallback: new Gauge({ ...named("expressionFallback") }) };
    this.histograms = {
      reconciliationDuration: new Histogram({ ...named("reconciliationDuration"), buckets }),
      creationDuration: new Histogram({ ...named("creationDuration"), labelNames: [...PRESET_LABELS, "type"], buckets }),
      claimDuration: new Histogram({ ...named("claimDuration"), labelNames: PRESET_LABELS, buckets }),
    };
  }

  incrementCounter(name: CounterName, labels: PresetLabels, by: number): void {
    this.counters[name].inc(labelValues(labels), by);
  }

  setGauge(name: GaugeName, labels: PresetLabels | null, value: number): void {
    if (name === "paused" || name === "expressionFallback") this.globalGauges[name].set(value);
    else if (labels !== null) this.gauges[name].set(labelValues(labels), value);
  }

  observeHistogram(name: HistogramName, labels: PresetLabels | null, seconds: number): void {
    if (name === "reconciliationDuration") this.histograms.reconciliationDuration.observe(seconds);
    else if (labels !== null && name === "creationDuration") this.histograms.creationDuration.observe({ ...labelValues(labels), type: "prebuild" }, seconds);
    else if (labels !== null) this.histograms[name].observe(labelValues(labels), seconds);
  }
}
