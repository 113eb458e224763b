/**
 * The Metrics port over a prom-client registry, named after this library (the default) or
 * exactly as Coder names its prebuild series (`naming: "coder"`).
 */

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CounterName, GaugeName, HistogramName, Metrics, PresetLabels } from "../../ports/metrics.js";
import {
  checkNamingOptions,
  hasCreationTypeLabel,
  METRIC_DEFINITIONS,
  METRIC_NAMESPACES,
  PRESET_LABEL_NAMES,
  presetLabelValues,
  prometheusName,
  type MetricName,
  type MetricNaming,
} from "../metric-names.js";

/** How the Prometheus metrics are named and registered. */
export interface PrometheusMetricsOptions {
  /** The registry to register on (prom-client's global `register`, or your own). */
  readonly registry: Registry;
  /**
   * `"neutral"` (default): series `prebuild_reconciler_…` with labels `organization`, `template`,
   * `preset`. `"coder"`: Coder's exact series (`coderd_prebuilt_workspaces_…`) and labels
   * `organization_name`, `template_name`, `preset_name`.
   */
  readonly naming?: MetricNaming;
  /** Put in front of every name instead of the naming's (`prebuild_reconciler_` or `coderd_`). */
  readonly prefix?: string;
  /** Buckets of the duration histograms, in seconds. */
  readonly durationBuckets?: readonly number[];
}

/** How one of the port's metrics appears in Prometheus. */
export interface PrometheusSeries {
  /** The series name after the prefix. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
}

function seriesOf(naming: MetricNaming): Readonly<Record<MetricName, PrometheusSeries>> {
  const result = {} as Record<MetricName, PrometheusSeries>;
  for (const [metric, definition] of Object.entries(METRIC_DEFINITIONS[naming]) as [MetricName, (typeof METRIC_DEFINITIONS)[MetricNaming][MetricName]][]) {
    result[metric] = { name: prometheusName(definition, ""), help: definition.help };
  }
  return result;
}

/**
 * The name (after the prefix) and help of every series, per naming, by the port's metric name.
 *
 * @example
 * PROMETHEUS_METRIC_NAMES.coder.created.name;   // "prebuilt_workspaces_created_total"
 * PROMETHEUS_METRIC_NAMES.neutral.created.name; // "prebuilds_created_total"
 */
export const PROMETHEUS_METRIC_NAMES: Readonly<Record<MetricNaming, Readonly<Record<MetricName, PrometheusSeries>>>> = {
  neutral: seriesOf("neutral"),
  coder: seriesOf("coder"),
};

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800, 3600];

/** Per-preset gauges. */
type PresetGauge = Exclude<GaugeName, "paused" | "expressionFallback" | "totalsRefreshedAt">;
const PRESET_GAUGES: readonly PresetGauge[] = ["desired", "running", "eligible", "hardLimited", "validationFailed"];

/**
 * A {@link Metrics} that registers and updates prom-client series. Per-preset series carry three
 * labels: the organization's and the template's readable names (their ids when the store does not
 * know the names) and the preset's name. `removePresetGauges` removes a preset's gauge series.
 *
 * @example
 * import { register } from "prom-client";
 * const metrics = new PrometheusMetrics({ registry: register });                    // prebuild_reconciler_…
 * const coder = new PrometheusMetrics({ registry: other, naming: "coder" });         // coderd_…, as Coder names them
 * const reconciler = new Reconciler({ store, provisioner, metrics, systemUserId });
 */
export class PrometheusMetrics implements Metrics {
  /** The naming in force. */
  readonly naming: MetricNaming;
  private readonly counters: Record<CounterName, Counter<string>>;
  private readonly gauges: Record<GaugeName, Gauge<string>>;
  private readonly histograms: Record<HistogramName, Histogram<string>>;

  /** @throws {ArgumentValidationError} naming an unusable `naming`, `prefix` or `durationBuckets`. */
  constructor(options: PrometheusMetricsOptions) {
    const { naming, prefix, durationBuckets } = checkNamingOptions(options, "PrometheusMetrics options", (chosen) => `${METRIC_NAMESPACES[chosen]}_`, /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/);
    this.naming = naming;
    const registers = [options.registry];
    const buckets = [...(durationBuckets ?? DEFAULT_BUCKETS)];
    const labels = PRESET_LABEL_NAMES[naming];
    const presetLabelNames = [labels.organization, labels.template, labels.preset];
    const named = (metric: MetricName) => {
      const definition = METRIC_DEFINITIONS[naming][metric];
      return { name: prometheusName(definition, prefix), help: definition.help, registers, labelNames: definition.perPreset ? presetLabelNames : [] };
    };
    const counter = (metric: CounterName) => new Counter(named(metric));
    const gauge = (metric: GaugeName) => new Gauge(named(metric));
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
    const creation = named("creationDuration");
    this.histograms = {
      reconciliationDuration: new Histogram({ ...named("reconciliationDuration"), buckets }),
      creationDuration: new Histogram({ ...creation, labelNames: hasCreationTypeLabel(naming) ? [...creation.labelNames, "type"] : creation.labelNames, buckets }),
      claimDuration: new Histogram({ ...named("claimDuration"), buckets }),
    };
  }

  incrementCounter(name: CounterName, labels: PresetLabels, by: number): void {
    this.counters[name].inc(presetLabelValues(this.naming, labels), by);
  }

  setGauge(name: GaugeName, labels: PresetLabels | null, value: number): void {
    const gauge = this.gauges[name];
    if (!METRIC_DEFINITIONS[this.naming][name].perPreset) {
      gauge.set(value);
      return;
    }
    if (labels === null) return;
    const values = presetLabelValues(this.naming, labels);
    // Coder reports these two only while they are 1; the series of a preset that is fine is absent.
    if (this.naming === "coder" && value === 0 && (name === "hardLimited" || name === "validationFailed")) gauge.remove(values);
    else gauge.set(values, value);
  }

  observeHistogram(name: HistogramName, labels: PresetLabels | null, seconds: number): void {
    if (name === "reconciliationDuration") this.histograms.reconciliationDuration.observe(seconds);
    else if (labels === null) return;
    else if (name === "creationDuration" && hasCreationTypeLabel(this.naming)) this.histograms.creationDuration.observe({ ...presetLabelValues(this.naming, labels), type: "prebuild" }, seconds);
    else this.histograms[name].observe(presetLabelValues(this.naming, labels), seconds);
  }

  removePresetGauges(labels: PresetLabels): void {
    const values = presetLabelValues(this.naming, labels);
    for (const name of PRESET_GAUGES) this.gauges[name].remove(values);
  }
}
