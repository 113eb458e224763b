/**
 * OpenTelemetryTracer and OpenTelemetryMetrics wired to the OpenTelemetry SDK's console
 * exporters, for a Reconciler in the in-memory world: two cycles, a claim and a read of the build
 * totals. Each span is printed as it ends; the metrics are exported once at the end.
 *
 *   npx tsx examples/opentelemetry-console.ts           spans and metric points, as the SDK prints them
 *   npx tsx examples/opentelemetry-console.ts --coder   the same with the Coder naming (coderd.…, organization_name, …)
 *
 * Trace and span ids and the spans' timestamps differ between runs; the values do not (the
 * Reconciler runs on a simulated clock). In production, put an OTLP exporter where the console
 * exporters are, and register the providers globally (or use @opentelemetry/sdk-node).
 */

import { AggregationTemporality, ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Reconciler } from "../src/index.js";
import { OpenTelemetryMetrics, OpenTelemetryTracer } from "../src/opentelemetry.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner } from "../src/testing.js";

const SYSTEM_USER = "prebuilds";

const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter({ temporalitySelector: () => AggregationTemporality.CUMULATIVE }), exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });

const clock = new ManualClock(new Date("2026-06-01T08:00:00Z"));
const store = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
const provisioner = new SimulatedProvisioner({ store, clock, seed: 3, minLatencyMs: 60_000, maxLatencyMs: 60_000 });
const reconciler = new Reconciler({
  store,
  provisioner,
  clock,
  systemUserId: SYSTEM_USER,
  tracer: new OpenTelemetryTracer(tracerProvider.getTracer("prebuild-reconciler")),
  metrics: new OpenTelemetryMetrics({ meter: meterProvider.getMeter("prebuild-reconciler"), naming: process.argv.includes("--coder") ? "coder" : "neutral" }),
});
store.upsertPreset({
  id: "p-eu-dev",
  name: "eu-dev",
  organizationId: "org-acme",
  organizationName: "acme",
  templateId: "tpl-dev",
  templateName: "dev-box",
  templateVersionId: "tv-7",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  desiredInstances: 1,
  parameters: {},
});

console.log("── cycle 1: one create ──");
await reconciler.reconcileOnce();
clock.advance(60_000);
provisioner.advance();
console.log("── a claim ──");
await reconciler.claim({ presetId: "p-eu-dev", claimant: { userId: "ana", workspaceName: "ana-dev" } });
console.log("── cycle 2: replaces the claimed prebuild ──");
await reconciler.reconcileOnce();
console.log("── the build totals behind created, failed and claimed ──");
await reconciler.refreshMetrics();
console.log("── the metric points ──");
await reader.forceFlush();
await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
