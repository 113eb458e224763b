/**
 * The Metrics port over an OpenTelemetry `Meter`: the same metrics and labels as the Prometheus
 * adapter, under OpenTelemetry's conventions (dotted names, units in the unit field, durations in
 * seconds). Through an exporter that follows the Prometheus compatibility rules (the Collector's,
 * Prometheus' own OTLP receiver), `naming: "coder"` gives Coder's exact series names.
 */

import type { Counter, Gauge, Histogram, Meter } from "@opentelemetry/api";
import type { CounterName, GaugeName, HistogramName, Metrics, PresetLabels } from "../../ports/metrics.js";
import { checkNamingOptions, hasCreationTypeLabel, METRIC_DEFINITIONS, METRIC_NAMESPACES, openTelemetryName, presetLabelValues, type MetricName, type MetricNaming } from "../metric-names.js";

/** How the OpenTelemetry instruments are named. */
export interface OpenTelemetryMetricsOptions {
  /** The meter to create the instruments on, for example `metrics.getMeter("prebuild-reconciler")`. */
  readonly meter: Meter;
  /**
   * `"neutral"` (default): instruments `prebuild_reconciler.…` with attributes `organization`,
   * `template`, `preset`. `"coder"`: `coderd.…`, named so that Prometheus sees Coder's series, with
   * attributes `organization_name`, `template_name`, `preset_name`.
   */
  readonly naming?: MetricNaming;
  /** Put in front of every instrument name instead of the naming's (`prebuild_reconciler.` or `coderd.`). */
  readonly prefix?: string;
  /** Bucket boundaries advised for the duration histograms, in seconds. Default: the SDK's choice. */
  readonly durationBuckets?: readonly number[];
}

/** How one of the port's metrics appears in OpenTelemetry. */
export interface OpenTelemetryInstrument {
  /** The instrument name after the prefix. */
  readonly name: string;
  /** Counter, (synchronous) gauge or histogram. */
  readonly kind: "counter" | "gauge" | "histogram";
  /** The unit (UCUM): `s`, an annotation such as `{prebuild}`, or `""`. */
  readonly unit: string;
}

/**
 * The instrument name, kind and unit of every metric, per naming, by the port's metric name
 * (without the prefix).
 *
 * @example
 * OPENTELEMETRY_INSTRUMENTS.neutral.reconciliationDuration; // { name: "cycle.duration", kind: "histogram", unit: "s" }
 */
export const OPENTELEMETRY_INSTRUMENTS: Readonly<Record<MetricNaming, Readonly<Record<MetricName, OpenTelemetryInstrument>>>> = {
  neutral: instrumentsOf("neutral"),
  coder: instrumentsOf("coder"),
};

function instrumentsOf(naming: MetricNaming): Record<MetricName, OpenTelemetryInstrument> {
  const result = {} as Record<MetricName, OpenTelemetryInstrument>;
  for (const metric of Object.keys(METRIC_DEFINITIONS[naming]) as MetricName[]) {
    const definition = METRIC_DEFINITIONS[naming][metric];
    result[metric] = { name: openTelemetryName(definition, ""), kind: definition.kind, unit: definition.unit };
  }
  return result;
}

/**
 * A {@link Metrics} on an OpenTelemetry meter: counters as `Counter`, gauges as synchronous
 * `Gauge`, durations as `Histogram` in seconds. It has no `removePresetGauges`: the JavaScript
 * SDK keeps exporting a gauge's last value for an attribute set under cumulative temporality, so
 * the Reconciler sets the gauges of a preset that no longer matters to 0 instead.
 *
 * @example
 * import { metrics } from "@opentelemetry/api";
 * const otelMetrics = new OpenTelemetryMetrics({ meter: metrics.getMeter("prebuild-reconciler") });
 * const reconciler = new Reconciler({ store, provisioner, metrics: otelMetrics, systemUserId });
 */
export class OpenTelemetryMetrics implements Metrics {
  /** The naming in force. */
  readonly naming: MetricNaming;
  private readonly counters: Record<CounterName, Counter>;
  private readonly gauges: Record<GaugeName, Gauge>;
  private readonly histograms: Record<HistogramName, Histogram>;

  /** @throws {ArgumentValidationError} naming an unusable `naming`, `prefix` or `durationBuckets`. */
  constructor(options: OpenTelemetryMetricsOptions) {
    // An instrument name starts with a letter and holds letters, digits, `_`, `.`, `-` and `/`.
    const { naming, prefix, durationBuckets } = checkNamingOptions(options, "OpenTelemetryMetrics options", (chosen) => `${METRIC_NAMESPACES[chosen]}.`, /^([A-Za-z][A-Za-z0-9_.\-/]*)?$/);
    this.naming = naming;
    const { meter } = options;
    const describe = (metric: MetricName) => {
      const definition = METRIC_DEFINITIONS[naming][metric];
      return [openTelemetryName(definition, prefix), { description: definition.help, unit: definition.unit }] as const;
    };
    const counter = (metric: CounterName) => meter.createCounter(...describe(metric));
    const gauge = (metric: GaugeName) => meter.createGauge(...describe(metric));
    const histogram = (metric: HistogramName) => {
      const [name, description] = describe(metric);
      return meter.createHistogram(name, durationBuckets === undefined ? description : { ...description, advice: { explicitBucketBoundaries: [...durationBuckets] } });
    };
    this.counters = { created: counter("created"), failed: counter("failed"), claimed: counter("claimed"), missed: counter("missed"), resourceReplacements: counter("resourceReplacements") };
    this.gauges = {
      desired: gauge("desired"),
      running: gauge("running"),
      eligible: gauge("eligible"),
      hardLimited: gauge("hardLimited"),
      validationFailed: gauge("validationFailed"),
      paused: gauge("paused"),
      expressionFallback: gauge("expressionFallback"),
      totalsRefreshedAt: gauge("totalsRefreshedAt"),
    };
    this.histograms = { reconciliationDuration: histogram("reconciliationDuration"), creationDuration: histogram("creationDuration"), claimDuration: histogram("claimDuration") };
  }

  incrementCounter(name: CounterName, labels: PresetLabels, by: number): void {
    this.counters[name].add(by, presetLabelValues(this.naming, labels));
  }

  setGauge(name: GaugeName, labels: PresetLabels | null, value: number): void {
    const perPreset = METRIC_DEFINITIONS[this.naming][name].perPreset;
    if (labels === null && !perPreset) this.gauges[name].record(value);
    else if (labels !== null && perPreset) this.gauges[name].record(value, presetLabelValues(this.naming, labels));
  }

  observeHistogram(name: HistogramName, labels: PresetLabels | null, seconds: number): void {
    if (name === "reconciliationDuration") this.histograms.reconciliationDuration.record(seconds);
    else if (labels === null) return;
    else if (name === "creationDuration" && hasCreationTypeLabel(this.naming)) this.histograms.creationDuration.record(seconds, { ...presetLabelValues(this.naming, labels), type: "prebuild" });
    else this.histograms[name].record(seconds, presetLabelValues(this.naming, labels));
  }
}
