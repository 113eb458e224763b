import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Reconciler } from "../../src/index.js";
import { PrometheusMetrics } from "../../src/prometheus.js";
import { makeWorld, memoryPreset, SYSTEM_USER } from "../runtime/world.js";

describe("PrometheusMetrics", () => {
  it("exposes the expected series and values after a cycle and a claim", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry });
    const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 2 }), memoryPreset("old", { name: "legacy", usingActiveVersion: false })]);
    const reconciler = new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, metrics, systemUserId: SYSTEM_USER });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    await reconciler.claim({ presetId: "eu", claimant: { userId: "alice", workspaceName: "dev" } });
    const text = await registry.metrics();
    const labels = 'organization="org-1",template="template-1",preset="eu-small"';
    expect(text).toContain(`# TYPE coderd_prebuilt_workspaces_created_total counter`);
    expect(text).toContain(`coderd_prebuilt_workspaces_created_total{${labels}} 2`);
    expect(text).toContain(`coderd_prebuilt_workspaces_claimed_total{${labels}} 1`);
    expect(text).toContain(`coderd_prebuilt_workspaces_desired{${labels}} 2`);
    expect(text).toContain(`coderd_prebuilt_workspaces_running{${labels}} 2`);
    expect(text).toContain(`coderd_prebuilt_workspaces_eligible{${labels}} 2`);
    expect(text).toContain(`coderd_prebuilt_workspaces_preset_hard_limited{${labels}} 0`);
    expect(text).toContain("coderd_prebuilt_workspaces_reconciliation_paused 0");
    expect(text).toMatch(/coderd_prebuilds_reconciliation_duration_seconds_count 2\n/);
    expect(text).toContain(`coderd_workspace_creation_duration_seconds_count{${labels},type="prebuild"} 1`);
    expect(text).toContain(`coderd_prebuilt_workspace_claim_duration_seconds_count{${labels}} 1`);
    expect(text).not.toContain('preset="legacy"');
  });

  it("uses the configured prefix", async () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry, prefix: "acme_" });
    metrics.setGauge("paused", null, 1);
    metrics.incrementCounter("failed", { organizationId: "o", templateId: "t", presetId: "p", presetName: "n" }, 3);
    const text = await registry.metrics();
    expect(text).toContain("acme_prebuilt_workspaces_reconciliation_paused 1");
    expect(text).toContain('acme_prebuilt_workspaces_failed_total{organization="o",template="t",preset="n"} 3');
    expect(text).not.toContain("coderd_");
  });
});
