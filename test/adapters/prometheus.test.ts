import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ArgumentValidationError, Reconciler, type PresetLabels } from "../../src/index.js";
import { PROMETHEUS_METRIC_NAMES, PrometheusMetrics } from "../../src/prometheus.js";
import { thrownError } from "../fixtures.js";
import { makeWorld, memoryPreset, SYSTEM_USER } from "../runtime/world.js";

/** The sample lines of a series (name and labels), without HELP/TYPE and histogram buckets. */
function samples(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix) && !line.includes("_bucket{"));
}

const LABELS: PresetLabels = { organizationId: "org-id", templateId: "tpl-id", presetId: "p", presetName: "eu-small" };

describe("PrometheusMetrics — neutral naming (the default)", () => {
  it("exposes prebuild_reconciler_ series with readable names after cycles, a claim and a totals read", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry });
    const world = makeWorld(
      [
        memoryPreset("eu", { name: "eu-small", desiredInstances: 2, organizationName: "Acme", templateName: "dev-box" }),
        memoryPreset("old", { name: "legacy", usingActiveVersion: false }),
      ],
      { buildTotals: true },
    );
    const reconciler = new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, metrics, systemUserId: SYSTEM_USER });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    await reconciler.claim({ presetId: "eu", claimant: { userId: "alice", workspaceName: "dev" } });
    expect(await reconciler.refreshMetrics()).toBe(true);
    const text = await registry.metrics();
    const labels = 'organization="Acme",template="dev-box",preset="eu-small"';
    expect(text).toContain("# TYPE prebuild_reconciler_prebuilds_created_total counter");
    expect(samples(text, "prebuild_reconciler_prebuilds_")).toEqual([
      `prebuild_reconciler_prebuilds_created_total{${labels}} 2`,
      'prebuild_reconciler_prebuilds_created_total{organization="org-1",template="template-1",preset="legacy"} 0',
      `prebuild_reconciler_prebuilds_failed_total{${labels}} 0`,
      'prebuild_reconciler_prebuilds_failed_total{organization="org-1",template="template-1",preset="legacy"} 0',
      `prebuild_reconciler_prebuilds_claimed_total{${labels}} 1`,
      'prebuild_reconciler_prebuilds_claimed_total{organization="org-1",template="template-1",preset="legacy"} 0',
      `prebuild_reconciler_prebuilds_desired{${labels}} 2`,
      `prebuild_reconciler_prebuilds_running{${labels}} 2`,
      `prebuild_reconciler_prebuilds_eligible{${labels}} 2`,
    ]);
    expect(samples(text, "prebuild_reconciler_preset_")).toEqual([`prebuild_reconciler_preset_hard_limited{${labels}} 0`, `prebuild_reconciler_preset_validation_failed{${labels}} 0`]);
    expect(samples(text, "prebuild_reconciler_paused")).toEqual(["prebuild_reconciler_paused 0"]);
    expect(samples(text, "prebuild_reconciler_build_totals_refreshed_timestamp_seconds")).toEqual([`prebuild_reconciler_build_totals_refreshed_timestamp_seconds ${(world.clock.now().getTime() / 1000).toString()}`]);
    expect(samples(text, "prebuild_reconciler_cycle_duration_seconds_count")).toEqual(["prebuild_reconciler_cycle_duration_seconds_count 2"]);
    expect(samples(text, "prebuild_reconciler_create_call_duration_seconds_count")).toEqual([`prebuild_reconciler_create_call_duration_seconds_count{${labels}} 1`]);
    expect(samples(text, "prebuild_reconciler_claim_duration_seconds_count")).toEqual([`prebuild_reconciler_claim_duration_seconds_count{${labels}} 1`]);
    expect(text).not.toContain("coderd_");
  });

  it("names every series in the table, and only those", async () => {
    const registry = new Registry();
    new PrometheusMetrics({ registry });
    const registered = registry.getMetricsAsArray().map((metric) => metric.name).sort();
    expect(registered).toEqual(Object.values(PROMETHEUS_METRIC_NAMES.neutral).map((series) => `prebuild_reconciler_${series.name}`).sort());
    expect(registered).toEqual([
      "prebuild_reconciler_build_totals_refreshed_timestamp_seconds",
      "prebuild_reconciler_claim_duration_seconds",
      "prebuild_reconciler_claims_missed_total",
      "prebuild_reconciler_claims_resource_replacements_total",
      "prebuild_reconciler_create_call_duration_seconds",
      "prebuild_reconciler_cycle_duration_seconds",
      "prebuild_reconciler_expression_fallback_presets",
      "prebuild_reconciler_paused",
      "prebuild_reconciler_prebuilds_claimed_total",
      "prebuild_reconciler_prebuilds_created_total",
      "prebuild_reconciler_prebuilds_desired",
      "prebuild_reconciler_prebuilds_eligible",
      "prebuild_reconciler_prebuilds_failed_total",
      "prebuild_reconciler_prebuilds_running",
      "prebuild_reconciler_preset_hard_limited",
      "prebuild_reconciler_preset_validation_failed",
    ]);
  });

  it("uses the configured prefix and falls back to ids where the names are unknown", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry, prefix: "acme_" });
    metrics.setGauge("paused", null, 1);
    metrics.incrementCounter("failed", LABELS, 3);
    const text = await registry.metrics();
    expect(samples(text, "acme_paused")).toEqual(["acme_paused 1"]);
    expect(samples(text, "acme_prebuilds_failed_total")).toEqual(['acme_prebuilds_failed_total{organization="org-id",template="tpl-id",preset="eu-small"} 3']);
    expect(text).not.toContain("prebuild_reconciler_");
  });

  it("removes a preset's gauge series and keeps its counters", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry });
    metrics.setGauge("desired", LABELS, 3);
    metrics.setGauge("hardLimited", LABELS, 0);
    metrics.incrementCounter("created", LABELS, 2);
    metrics.removePresetGauges(LABELS);
    const text = await registry.metrics();
    expect(samples(text, "prebuild_reconciler_prebuilds_desired")).toEqual([]);
    expect(samples(text, "prebuild_reconciler_preset_hard_limited")).toEqual([]);
    expect(samples(text, "prebuild_reconciler_prebuilds_created_total")).toEqual(['prebuild_reconciler_prebuilds_created_total{organization="org-id",template="tpl-id",preset="eu-small"} 2']);
  });

  it("refuses an unknown naming, a prefix Prometheus cannot take and unordered buckets, naming each", () => {
    const error = thrownError(() => new PrometheusMetrics({ registry: new Registry(), naming: "grafana" as never, prefix: "9lives", durationBuckets: [1, 0.5] }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues.map((issue) => issue.path)).toEqual(["naming", "prefix", "durationBuckets"]);
  });
});

describe("PrometheusMetrics — Coder naming", () => {
  it("gives Coder's exact series names and labels, with the store's readable names", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry, naming: "coder" });
    const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 1, organizationName: "Acme", templateName: "dev-box" })], { buildTotals: true });
    const reconciler = new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, metrics, systemUserId: SYSTEM_USER });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.claim({ presetId: "eu", claimant: { userId: "alice", workspaceName: "dev" } });
    await reconciler.refreshMetrics();
    await reconciler.trackResourceReplacement(
      { workspaceId: "w", presetId: "eu", presetName: "eu-small", templateId: "template-1", organizationId: "org-1", templateName: "dev-box", organizationName: "Acme", ownerId: "alice", workspaceName: "dev", createdAt: world.clock.now(), claimedAt: world.clock.now() },
      [{ resource: "docker_container.workspace", paths: ["image"] }],
    );
    const text = await registry.metrics();
    const labels = 'organization_name="Acme",template_name="dev-box",preset_name="eu-small"';
    expect(samples(text, "coderd_")).toEqual([
      `coderd_prebuilt_workspaces_created_total{${labels}} 1`,
      `coderd_prebuilt_workspaces_failed_total{${labels}} 0`,
      `coderd_prebuilt_workspaces_claimed_total{${labels}} 1`,
      `coderd_prebuilt_workspaces_resource_replacements_total{${labels}} 1`,
      `coderd_prebuilt_workspaces_desired{${labels}} 1`,
      `coderd_prebuilt_workspaces_running{${labels}} 0`,
      `coderd_prebuilt_workspaces_eligible{${labels}} 0`,
      "coderd_prebuilt_workspaces_reconciliation_paused 0",
      "coderd_prebuilt_workspaces_expression_fallback_presets 0",
      `coderd_prebuilt_workspaces_metrics_last_updated ${(world.clock.now().getTime() / 1000).toString()}`,
      "coderd_prebuilds_reconciliation_duration_seconds_sum 0",
      "coderd_prebuilds_reconciliation_duration_seconds_count 1",
      `coderd_workspace_creation_duration_seconds_sum{${labels},type="prebuild"} 0`,
      `coderd_workspace_creation_duration_seconds_count{${labels},type="prebuild"} 1`,
      `coderd_prebuilt_workspace_claim_duration_seconds_sum{${labels}} 0`,
      `coderd_prebuilt_workspace_claim_duration_seconds_count{${labels}} 1`,
    ]);
  });

  it("reports hard_limited and validation_failed only while they are 1, as Coder does", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry, naming: "coder" });
    metrics.setGauge("hardLimited", LABELS, 1);
    metrics.setGauge("validationFailed", LABELS, 0);
    const labels = 'organization_name="org-id",template_name="tpl-id",preset_name="eu-small"';
    expect(samples(await registry.metrics(), "coderd_prebuilt_workspaces_preset_")).toEqual([`coderd_prebuilt_workspaces_preset_hard_limited{${labels}} 1`]);
    metrics.setGauge("hardLimited", LABELS, 0);
    expect(samples(await registry.metrics(), "coderd_prebuilt_workspaces_preset_")).toEqual([]);
  });

  it("names Coder's series exactly as Coder does", () => {
    const names = Object.fromEntries(Object.entries(PROMETHEUS_METRIC_NAMES.coder).map(([metric, series]) => [metric, `coderd_${series.name}`]));
    expect(names).toEqual({
      created: "coderd_prebuilt_workspaces_created_total",
      failed: "coderd_prebuilt_workspaces_failed_total",
      claimed: "coderd_prebuilt_workspaces_claimed_total",
      missed: "coderd_prebuilt_workspaces_claim_misses_total",
      resourceReplacements: "coderd_prebuilt_workspaces_resource_replacements_total",
      desired: "coderd_prebuilt_workspaces_desired",
      running: "coderd_prebuilt_workspaces_running",
      eligible: "coderd_prebuilt_workspaces_eligible",
      hardLimited: "coderd_prebuilt_workspaces_preset_hard_limited",
      validationFailed: "coderd_prebuilt_workspaces_preset_validation_failed",
      paused: "coderd_prebuilt_workspaces_reconciliation_paused",
      expressionFallback: "coderd_prebuilt_workspaces_expression_fallback_presets",
      totalsRefreshedAt: "coderd_prebuilt_workspaces_metrics_last_updated",
      reconciliationDuration: "coderd_prebuilds_reconciliation_duration_seconds",
      creationDuration: "coderd_workspace_creation_duration_seconds",
      claimDuration: "coderd_prebuilt_workspace_claim_duration_seconds",
    });
  });
});
