/** Labels of a per-preset series. */
export interface PresetLabels {
  /** The organization. */
  readonly organizationId: string;
  /** The template. */
  readonly templateId: string;
  /** The preset id. */
  readonly presetId: string;
  /** The preset name. */
  readonly presetName: string;
}

/**
 * Counters: prebuilds created, creates failed, prebuilds claimed, claim requests that found nothing
 * claimable (`missed`), claims that replaced resources.
 */
export type CounterName = "created" | "failed" | "claimed" | "missed" | "resourceReplacements";
/**
 * Gauges: per preset desired/running/eligible/hardLimited/validationFailed; `paused` and
 * `expressionFallback` (how many presets' target expressions failed this cycle) are global (labels `null`).
 */
export type GaugeName = "desired" | "running" | "eligible" | "hardLimited" | "validationFailed" | "paused" | "expressionFallback";
/** Histograms, in seconds: a whole cycle, a create call, a claim. */
export type HistogramName = "reconciliationDuration" | "creationDuration" | "claimDuration";

/**
 * Where the reconciler reports numbers. Calls must be cheap; a throw, or a rejected promise from an
 * `async` implementation, is logged and never changes what a cycle does.
 */
export interface Metrics {
  /** Adds `by` to a counter. */
  incrementCounter(name: CounterName, labels: PresetLabels, by: number): void;
  /** Sets a gauge; `labels` is `null` for the global gauges. */
  setGauge(name: GaugeName, labels: PresetLabels | null, value: number): void;
  /** Records one observation, in seconds; `labels` is `null` for the cycle duration. */
  observeHistogram(name: HistogramName, labels: PresetLabels | null, seconds: number): void;
}

/**
 * A metrics sink that records nothing, for hosts that do not care (the Reconciler's default).
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, metrics: noopMetrics, systemUserId });
 */
export const noopMetrics: Metrics = {
  incrementCounter: () => {},
  setGauge: () => {},
  observeHistogram: () => {},
};
