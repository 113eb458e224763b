/**
 * How the Metrics port's numbers are named outside: one table for Prometheus and OpenTelemetry, in
 * two namings. `neutral` (the default) names series after this library; `coder` gives Coder's exact
 * series names and labels, so that dashboards and alerts written for Coder's prebuilds work as
 * they are.
 */

import { ArgumentValidationError, type ValidationIssue } from "../core/errors.js";
import { describeValue } from "../core/validate/rules.js";
import type { CounterName, GaugeName, HistogramName, PresetLabels } from "../ports/metrics.js";

/** Every metric of the port. */
export type MetricName = CounterName | GaugeName | HistogramName;

/**
 * How series are named: `"neutral"` (prefix `prebuild_reconciler`, labels `organization`,
 * `template`, `preset`) or `"coder"` (prefix `coderd`, Coder's series names, labels
 * `organization_name`, `template_name`, `preset_name`).
 */
export type MetricNaming = "neutral" | "coder";

/** One metric as it appears outside. */
export interface MetricDefinition {
  /** Counter, gauge or histogram. */
  readonly kind: "counter" | "gauge" | "histogram";
  /**
   * The name after the namespace, in parts: joined with `_` for Prometheus (plus `_seconds` for a
   * unit of `s` and `_total` for a counter) and with `.` for OpenTelemetry.
   */
  readonly parts: readonly string[];
  /** The OpenTelemetry unit (UCUM): `s`, an annotation such as `{prebuild}`, or `""` for none. */
  readonly unit: string;
  /** The description (Prometheus help text). */
  readonly help: string;
  /** Whether the series has the preset labels; the global gauges and the cycle duration do not. */
  readonly perPreset: boolean;
}

/** The namespace each naming puts in front of every name. */
export const METRIC_NAMESPACES: Readonly<Record<MetricNaming, string>> = { neutral: "prebuild_reconciler", coder: "coderd" };

/** The names of the three preset labels, per naming. */
export const PRESET_LABEL_NAMES: Readonly<Record<MetricNaming, { readonly organization: string; readonly template: string; readonly preset: string }>> = {
  neutral: { organization: "organization", template: "template", preset: "preset" },
  coder: { organization: "organization_name", template: "template_name", preset: "preset_name" },
};

const HELP: Readonly<Record<MetricName, string>> = {
  created: "Prebuilt workspaces created: create builds that succeeded (without build totals from the store: create calls that succeeded).",
  failed: "Prebuilt workspaces that failed to build (without build totals from the store: create calls the provisioner rejected).",
  claimed: "Prebuilt workspaces handed to a user.",
  missed: "Workspace requests that matched a preset but found no claimable prebuilt workspace.",
  resourceReplacements: "Claims whose build replaced resources of the prebuilt workspace.",
  desired: "Prebuilt workspaces a preset wants now.",
  running: "Running prebuilt workspaces of a preset, expired ones included.",
  eligible: "Ready, unexpired prebuilt workspaces a claim could take.",
  hardLimited: "1 when the preset's last creates all failed and it gets no more.",
  validationFailed: "1 when the preset's configuration cannot build and it gets no creates until it changes.",
  paused: "1 when reconciliation is paused.",
  expressionFallback: "Presets whose target expression failed in the last cycle and fell back to the scheduled count.",
  totalsRefreshedAt: "Unix time, in seconds, when the build totals behind the created, failed and claimed counters were last read.",
  reconciliationDuration: "Duration of one reconciliation cycle.",
  creationDuration: "Duration of a create call: queuing a prebuild's creation, not building it.",
  claimDuration: "Duration of claiming a prebuilt workspace.",
};

type Shape = Pick<MetricDefinition, "parts" | "unit">;

const NEUTRAL: Readonly<Record<MetricName, Shape>> = {
  created: { parts: ["prebuilds", "created"], unit: "{prebuild}" },
  failed: { parts: ["prebuilds", "failed"], unit: "{prebuild}" },
  claimed: { parts: ["prebuilds", "claimed"], unit: "{prebuild}" },
  missed: { parts: ["claims", "missed"], unit: "{claim}" },
  resourceReplacements: { parts: ["claims", "resource_replacements"], unit: "{claim}" },
  desired: { parts: ["prebuilds", "desired"], unit: "{prebuild}" },
  running: { parts: ["prebuilds", "running"], unit: "{prebuild}" },
  eligible: { parts: ["prebuilds", "eligible"], unit: "{prebuild}" },
  hardLimited: { parts: ["preset", "hard_limited"], unit: "" },
  validationFailed: { parts: ["preset", "validation_failed"], unit: "" },
  paused: { parts: ["paused"], unit: "" },
  expressionFallback: { parts: ["expression_fallback", "presets"], unit: "{preset}" },
  totalsRefreshedAt: { parts: ["build_totals", "refreshed_timestamp"], unit: "s" },
  reconciliationDuration: { parts: ["cycle", "duration"], unit: "s" },
  creationDuration: { parts: ["create_call", "duration"], unit: "s" },
  claimDuration: { parts: ["claim", "duration"], unit: "s" },
};

// Coder's names (docs/admin/integrations/prometheus.md of coder/coder); `missed` and
// `expressionFallback` have no Coder counterpart and keep names of the same family.
const CODER: Readonly<Record<MetricName, Shape>> = {
  created: { parts: ["prebuilt_workspaces", "created"], unit: "{workspace}" },
  failed: { parts: ["prebuilt_workspaces", "failed"], unit: "{workspace}" },
  claimed: { parts: ["prebuilt_workspaces", "claimed"], unit: "{workspace}" },
  missed: { parts: ["prebuilt_workspaces", "claim_misses"], unit: "{claim}" },
  resourceReplacements: { parts: ["prebuilt_workspaces", "resource_replacements"], unit: "{workspace}" },
  desired: { parts: ["prebuilt_workspaces", "desired"], unit: "{workspace}" },
  running: { parts: ["prebuilt_workspaces", "running"], unit: "{workspace}" },
  eligible: { parts: ["prebuilt_workspaces", "eligible"], unit: "{workspace}" },
  hardLimited: { parts: ["prebuilt_workspaces", "preset_hard_limited"], unit: "" },
  validationFailed: { parts: ["prebuilt_workspaces", "preset_validation_failed"], unit: "" },
  paused: { parts: ["prebuilt_workspaces", "reconciliation_paused"], unit: "" },
  expressionFallback: { parts: ["prebuilt_workspaces", "expression_fallback_presets"], unit: "{preset}" },
  // Unix seconds, but without a unit: a unit of `s` would add `_seconds`, which Coder's name has not.
  totalsRefreshedAt: { parts: ["prebuilt_workspaces", "metrics_last_updated"], unit: "" },
  reconciliationDuration: { parts: ["prebuilds", "reconciliation", "duration"], unit: "s" },
  creationDuration: { parts: ["workspace", "creation", "duration"], unit: "s" },
  claimDuration: { parts: ["prebuilt_workspace", "claim", "duration"], unit: "s" },
};

const KINDS: Readonly<Record<MetricName, MetricDefinition["kind"]>> = {
  created: "counter",
  failed: "counter",
  claimed: "counter",
  missed: "counter",
  resourceReplacements: "counter",
  desired: "gauge",
  running: "gauge",
  eligible: "gauge",
  hardLimited: "gauge",
  validationFailed: "gauge",
  paused: "gauge",
  expressionFallback: "gauge",
  totalsRefreshedAt: "gauge",
  reconciliationDuration: "histogram",
  creationDuration: "histogram",
  claimDuration: "histogram",
};

const GLOBAL: ReadonlySet<MetricName> = new Set<MetricName>(["paused", "expressionFallback", "totalsRefreshedAt", "reconciliationDuration"]);

function definitions(shapes: Readonly<Record<MetricName, Shape>>): Readonly<Record<MetricName, MetricDefinition>> {
  const result = {} as Record<MetricName, MetricDefinition>;
  for (const metric of Object.keys(shapes) as MetricName[]) {
    result[metric] = { kind: KINDS[metric], ...shapes[metric], help: HELP[metric], perPreset: !GLOBAL.has(metric) };
  }
  return result;
}

/**
 * Every metric's definition, per naming.
 *
 * @example
 * prometheusName(METRIC_DEFINITIONS.coder.created, "coderd_"); // "coderd_prebuilt_workspaces_created_total"
 */
export const METRIC_DEFINITIONS: Readonly<Record<MetricNaming, Readonly<Record<MetricName, MetricDefinition>>>> = {
  neutral: definitions(NEUTRAL),
  coder: definitions(CODER),
};

/** The Prometheus series name of a metric: the prefix, the parts joined by `_`, then `_seconds` and `_total` where they apply. */
export function prometheusName(definition: MetricDefinition, prefix: string): string {
  return `${prefix}${definition.parts.join("_")}${definition.unit === "s" ? "_seconds" : ""}${definition.kind === "counter" ? "_total" : ""}`;
}

/** The OpenTelemetry instrument name of a metric: the prefix, then the parts joined by `.` (units stay out of names). */
export function openTelemetryName(definition: MetricDefinition, prefix: string): string {
  return `${prefix}${definition.parts.join(".")}`;
}

/** The values of the preset labels: readable names where known, ids otherwise; the preset by its name. */
export function presetLabelValues(naming: MetricNaming, labels: PresetLabels): Record<string, string> {
  const names = PRESET_LABEL_NAMES[naming];
  return {
    [names.organization]: labels.organizationName ?? labels.organizationId,
    [names.template]: labels.templateName ?? labels.templateId,
    [names.preset]: labels.presetName,
  };
}

/** Whether a naming gives the create-call duration Coder's fourth label, `type="prebuild"`. */
export function hasCreationTypeLabel(naming: MetricNaming): boolean {
  return naming === "coder";
}

/** The options both metrics adapters share, checked. */
export interface CheckedNamingOptions {
  readonly naming: MetricNaming;
  readonly prefix: string;
  readonly durationBuckets: readonly number[] | undefined;
}

/**
 * Checks `naming`, `prefix` and `durationBuckets`; throws {@link ArgumentValidationError} naming
 * every unusable one. `prefixPattern` is what the backend accepts in front of a name.
 */
export function checkNamingOptions(
  options: { readonly naming?: unknown; readonly prefix?: unknown; readonly durationBuckets?: unknown },
  subject: string,
  defaultPrefix: (naming: MetricNaming) => string,
  prefixPattern: RegExp,
): CheckedNamingOptions {
  const issues: ValidationIssue[] = [];
  const naming = options.naming ?? "neutral";
  if (naming !== "neutral" && naming !== "coder") issues.push({ path: "naming", message: `must be "neutral" or "coder", got ${describeValue(naming)}` });
  const chosen: MetricNaming = naming === "coder" ? "coder" : "neutral";
  const prefix = options.prefix ?? defaultPrefix(chosen);
  if (typeof prefix !== "string" || !prefixPattern.test(prefix)) issues.push({ path: "prefix", message: `must be a string matching ${String(prefixPattern)}, got ${describeValue(prefix)}` });
  const buckets = options.durationBuckets;
  if (buckets !== undefined) {
    const increasing = Array.isArray(buckets) && buckets.length > 0 && buckets.every((bound: unknown, index) => typeof bound === "number" && Number.isFinite(bound) && (index === 0 || bound > (buckets[index - 1] as number)));
    if (!increasing) issues.push({ path: "durationBuckets", message: `must be a non-empty array of finite, strictly increasing numbers of seconds, got ${describeValue(buckets)}` });
  }
  if (issues.length > 0) throw new ArgumentValidationError(subject, issues);
  return { naming: chosen, prefix: prefix as string, durationBuckets: buckets as readonly number[] | undefined };
}
