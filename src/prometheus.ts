/**
 * prebuild-reconciler/prometheus: the Metrics port over a prom-client registry.
 */

export { PrometheusMetrics, PROMETHEUS_METRIC_NAMES, type PrometheusMetricsOptions, type PrometheusSeries } from "./adapters/prometheus/metrics.js";
export type { MetricName, MetricNaming } from "./adapters/metric-names.js";
