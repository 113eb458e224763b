/**
 * prebuild-reconciler/opentelemetry: the Metrics and Tracer ports over `@opentelemetry/api`.
 */

export { OpenTelemetryMetrics, OPENTELEMETRY_INSTRUMENTS, type OpenTelemetryInstrument, type OpenTelemetryMetricsOptions } from "./adapters/opentelemetry/metrics.js";
export { OpenTelemetryTracer } from "./adapters/opentelemetry/tracer.js";
export type { MetricName, MetricNaming } from "./adapters/metric-names.js";
