import { SpanStatusCode } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { ArgumentValidationError, Reconciler } from "../../src/index.js";
import { OPENTELEMETRY_INSTRUMENTS, OpenTelemetryMetrics, OpenTelemetryTracer } from "../../src/opentelemetry.js";
import { thrownError } from "../fixtures.js";
import { makeWorld, memoryPreset, SYSTEM_USER, type World } from "../runtime/world.js";

function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: new OpenTelemetryTracer(provider.getTracer("test")) };
}

function metering(naming?: "neutral" | "coder") {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the test exports by hand with forceFlush, so no timer races it.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new OpenTelemetryMetrics({ meter: provider.getMeter("test"), ...(naming === undefined ? {} : { naming }) });
  return {
    metrics,
    /** Exports once and returns the last export's metrics by name. */
    async collect(): Promise<Map<string, MetricData>> {
      await reader.forceFlush();
      const exported = exporter.getMetrics().at(-1);
      const byName = new Map<string, MetricData>();
      for (const scope of exported?.scopeMetrics ?? []) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
  };
}

/** The data points of a metric as [attributes, value] pairs (histograms: their count and sum). */
function points(metric: MetricData | undefined): [Record<string, unknown>, unknown][] {
  if (metric === undefined) return [];
  return metric.dataPoints.map((point) => {
    const value = point.value;
    return [point.attributes, typeof value === "number" ? value : { count: (value as { count: number }).count, sum: (value as { sum: number }).sum }];
  });
}

function reconcilerFor(world: World, options: { tracer?: OpenTelemetryTracer; metrics?: OpenTelemetryMetrics }): Reconciler {
  return new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, ...options });
}

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

describe("OpenTelemetryTracer over a real cycle", () => {
  it("records the cycle span with a child span per port call, parented through the OpenTelemetry context", async () => {
    const { exporter, tracer } = tracing();
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 }), memoryPreset("b", { desiredInstances: 1 })]);
    const stats = await reconcilerFor(world, { tracer }).reconcileOnce();
    expect(stats.actions.create).toBe(2);
    const spans = exporter.getFinishedSpans();
    const [cycle] = byName(spans, "prebuilds.cycle");
    expect(cycle?.parentSpanContext).toBeUndefined();
    expect(cycle?.attributes).toEqual({ presetsPlanned: 2, lockAcquired: true, failures: 0, "actions.create": 2, "actions.delete": 0, "actions.backoff": 0, "actions.cancelPending": 0 });
    expect(cycle?.status.code).toBe(SpanStatusCode.UNSET);
    const children = spans.filter((span) => span !== cycle);
    expect(children.map((span) => span.name).sort()).toEqual([
      "provisioner.createPrebuilds",
      "provisioner.createPrebuilds",
      "store.addSystemUserToOrganization",
      "store.addSystemUserToPrebuildsGroup",
      "store.confirmLock",
      "store.confirmLock",
      "store.confirmLock",
      "store.confirmLock",
      "store.confirmLock",
      "store.createPrebuildsGroup",
      "store.isPaused",
      "store.loadSnapshot",
      "store.organizationsWithPrebuildStatus",
      "store.withReconciliationLock",
    ]);
    for (const child of children) {
      expect(child.spanContext().traceId, child.name).toBe(cycle?.spanContext().traceId);
      expect(child.parentSpanContext?.spanId, child.name).toBe(cycle?.spanContext().spanId);
    }
    expect(byName(spans, "provisioner.createPrebuilds").map((span) => span.attributes["count"]).sort()).toEqual([1, 2]);
  });

  it("marks a failed port call and its cycle with the error", async () => {
    const { exporter, tracer } = tracing();
    const world = makeWorld([memoryPreset("a")]);
    world.provisionerFailures.set("createPrebuilds", () => new Error("provisioner unreachable"));
    const stats = await reconcilerFor(world, { tracer }).reconcileOnce();
    expect(stats.errors).toBe(1);
    const spans = exporter.getFinishedSpans();
    const [create] = byName(spans, "provisioner.createPrebuilds");
    expect(create?.status).toEqual({ code: SpanStatusCode.ERROR, message: "provisioner unreachable" });
    expect(create?.events.map((event) => [event.name, event.attributes?.["exception.message"]])).toEqual([["exception", "provisioner unreachable"]]);
    const [cycle] = byName(spans, "prebuilds.cycle");
    expect(cycle?.attributes["failures"]).toBe(1);
    expect(cycle?.attributes["actions.create"]).toBe(0);
  });

  it("records a span per claim with its store call as a child, and a span per read of the build totals", async () => {
    const { exporter, tracer } = tracing();
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })], { buildTotals: true });
    const reconciler = reconcilerFor(world, { tracer });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    const result = await reconciler.claim({ presetId: "a", claimant: { userId: "ana", workspaceName: "dev" } });
    expect(result.status).toBe("claimed");
    await reconciler.refreshMetrics();
    const spans = exporter.getFinishedSpans();
    const [claim] = byName(spans, "prebuilds.claim");
    expect(claim?.attributes).toEqual({ presetId: "a", outcome: "claimed", workspaceId: result.status === "claimed" ? result.workspace.workspaceId : "" });
    const [storeClaim] = byName(spans, "store.claim");
    expect(storeClaim?.parentSpanContext?.spanId).toBe(claim?.spanContext().spanId);
    const [refresh] = byName(spans, "prebuilds.metricsRefresh");
    expect(refresh?.attributes).toEqual({ presets: 1, skippedRows: 0 });
    const [read] = byName(spans, "store.loadBuildTotals");
    expect(read?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
  });
});

describe("OpenTelemetryMetrics over a real cycle", () => {
  it("exports the metric points of cycles, a claim and a totals read under the neutral names", async () => {
    const { metrics, collect } = metering();
    const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 2, organizationName: "Acme", templateName: "dev-box" })], { buildTotals: true });
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    await reconciler.claim({ presetId: "eu", claimant: { userId: "ana", workspaceName: "dev" } });
    await reconciler.refreshMetrics();
    const exported = await collect();
    const labels = { organization: "Acme", template: "dev-box", preset: "eu-small" };
    expect([...exported.keys()].sort()).toEqual([
      "prebuild_reconciler.build_totals.refreshed_timestamp",
      "prebuild_reconciler.claim.duration",
      "prebuild_reconciler.create_call.duration",
      "prebuild_reconciler.cycle.duration",
      "prebuild_reconciler.expression_fallback.presets",
      "prebuild_reconciler.paused",
      "prebuild_reconciler.prebuilds.claimed",
      "prebuild_reconciler.prebuilds.created",
      "prebuild_reconciler.prebuilds.desired",
      "prebuild_reconciler.prebuilds.eligible",
      "prebuild_reconciler.prebuilds.failed",
      "prebuild_reconciler.prebuilds.running",
      "prebuild_reconciler.preset.hard_limited",
      "prebuild_reconciler.preset.validation_failed",
    ]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.created"))).toEqual([[labels, 2]]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.failed"))).toEqual([[labels, 0]]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.claimed"))).toEqual([[labels, 1]]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.desired"))).toEqual([[labels, 2]]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.running"))).toEqual([[labels, 2]]);
    expect(points(exported.get("prebuild_reconciler.prebuilds.eligible"))).toEqual([[labels, 2]]);
    expect(points(exported.get("prebuild_reconciler.paused"))).toEqual([[{}, 0]]);
    expect(points(exported.get("prebuild_reconciler.build_totals.refreshed_timestamp"))).toEqual([[{}, world.clock.now().getTime() / 1000]]);
    expect(points(exported.get("prebuild_reconciler.cycle.duration"))).toEqual([[{}, { count: 2, sum: 0 }]]);
    expect(points(exported.get("prebuild_reconciler.create_call.duration"))).toEqual([[labels, { count: 1, sum: 0 }]]);
    expect(points(exported.get("prebuild_reconciler.claim.duration"))).toEqual([[labels, { count: 1, sum: 0 }]]);
    const created = exported.get("prebuild_reconciler.prebuilds.created");
    expect([created?.dataPointType, created?.descriptor.unit]).toEqual([DataPointType.SUM, "{prebuild}"]);
    const cycle = exported.get("prebuild_reconciler.cycle.duration");
    expect([cycle?.dataPointType, cycle?.descriptor.unit]).toEqual([DataPointType.HISTOGRAM, "s"]);
    expect(exported.get("prebuild_reconciler.prebuilds.desired")?.dataPointType).toBe(DataPointType.GAUGE);
  });

  it("names instruments so that Prometheus sees Coder's series in the Coder naming, with Coder's attribute names", async () => {
    const { metrics, collect } = metering("coder");
    const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 1 })]);
    await reconcilerFor(world, { metrics }).reconcileOnce();
    const exported = await collect();
    const labels = { organization_name: "org-1", template_name: "template-1", preset_name: "eu-small" };
    expect(points(exported.get("coderd.prebuilt_workspaces.desired"))).toEqual([[labels, 1]]);
    expect(points(exported.get("coderd.prebuilt_workspaces.created"))).toEqual([[labels, 1]]);
    expect(points(exported.get("coderd.workspace.creation.duration"))).toEqual([[{ ...labels, type: "prebuild" }, { count: 1, sum: 0 }]]);
    expect(exported.get("coderd.prebuilds.reconciliation.duration")?.descriptor.unit).toBe("s");
    expect(OPENTELEMETRY_INSTRUMENTS.coder.totalsRefreshedAt).toEqual({ name: "prebuilt_workspaces.metrics_last_updated", kind: "gauge", unit: "" });
  });

  it("zeroes the gauges of a preset that is no longer planned (it has no removePresetGauges)", async () => {
    const { metrics, collect } = metering();
    expect("removePresetGauges" in metrics).toBe(false);
    const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 1 })]);
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    // An invalid preset is left out of the plan: its gauges no longer mean anything.
    world.memory.updatePreset("eu", (preset) => ({ ...preset, desiredInstances: -1 }));
    expect((await reconciler.reconcileOnce()).invalid.map((entry) => entry.presetId)).toEqual(["eu"]);
    const exported = await collect();
    expect(points(exported.get("prebuild_reconciler.prebuilds.desired"))).toEqual([[{ organization: "org-1", template: "template-1", preset: "eu-small" }, 0]]);
  });

  it("refuses an unknown naming and a prefix that cannot start an instrument name", () => {
    const meter = new MeterProvider().getMeter("test");
    const error = thrownError(() => new OpenTelemetryMetrics({ meter, naming: "prom" as never, prefix: "1x." }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues.map((issue) => issue.path)).toEqual(["naming", "prefix"]);
  });
});
