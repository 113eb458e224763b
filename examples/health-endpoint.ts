/**
 * Liveness and readiness next to the Prometheus endpoint: one node:http server answers /healthz
 * and /readyz with healthHandler, and /metrics with a prom-client Registry, for a Reconciler in
 * the in-memory world.
 *
 *   npx tsx examples/health-endpoint.ts --self-test   a scripted run on a simulated clock: prints each answer, exits
 *   npx tsx examples/health-endpoint.ts --port 9464   the loop on the real clock, serving until Ctrl-C
 *
 * An orchestrator restarts a replica whose /healthz answers 503 (a cycle has been running for
 * longer than the cycle deadline plus the store deadline) and takes it out of service while its
 * /readyz answers 503 (no cycle has ended in the last three intervals). In Kubernetes:
 *   livenessProbe:  { httpGet: { path: /healthz, port: 9464 }, periodSeconds: 15 }
 *   readinessProbe: { httpGet: { path: /readyz, port: 9464 }, periodSeconds: 15 }
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { healthHandler, Reconciler, systemClock, type Clock } from "../src/index.js";
import { PrometheusMetrics } from "../src/prometheus.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";

const SYSTEM_USER = "prebuilds";
const INTERVAL_MS = 15_000;
const selfTest = process.argv.includes("--self-test");

const manualClock = new ManualClock(new Date("2026-06-01T08:00:00Z"));
const clock: Clock = selfTest ? manualClock : systemClock;
const store = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
const provisioner = new SimulatedProvisioner({ store, clock, seed: 3, minLatencyMs: 30_000, maxLatencyMs: 30_000 });
const registry = new Registry();
const reconciler = new Reconciler({ store, provisioner, clock, metrics: new PrometheusMetrics({ registry }), systemUserId: SYSTEM_USER });
const preset: MemoryPreset = {
  id: "p-eu-dev",
  name: "eu-dev",
  organizationId: "org-acme",
  templateId: "tpl-dev",
  templateVersionId: "tv-7",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  desiredInstances: 2,
  parameters: {},
};
store.upsertPreset(preset);

// The same clock as the Reconciler's: readiness compares the last cycle's end with "now".
const health = healthHandler(reconciler, { intervalMs: INTERVAL_MS, clock });
const server = createServer((request, response) => {
  if (health(request, response)) return;
  if (request.method === "GET" && request.url === "/metrics") {
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(String(error)),
    );
    return;
  }
  response.writeHead(404, { "content-type": "text/plain" }).end("GET /healthz, /readyz or /metrics\n");
});

function listen(port: number): Promise<string> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

if (selfTest) {
  const url = await listen(0);
  const ask = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; reason: string };
    console.log(`  GET ${path.padEnd(8)} ${response.status} ${body.status}: ${body.reason}`);
  };
  const step = async (title: string) => {
    console.log(`${manualClock.now().toISOString().slice(11, 19)}  ${title}`);
    await ask("/healthz");
    await ask("/readyz");
  };
  await step("started, no cycle yet");
  await reconciler.reconcileOnce();
  await step("the first cycle ended");
  manualClock.advance(45_000);
  provisioner.advance();
  await step("45 s later, no cycle since (the limit: 3 intervals of 15 s)");
  manualClock.advance(1_000);
  await step("46 s after the last cycle");
  await reconciler.reconcileOnce();
  await step("a cycle ran again");
  const metrics = await (await fetch(`${url}/metrics`)).text();
  console.log(`  GET /metrics  ${metrics.split("\n").find((line) => line.startsWith("prebuild_reconciler_prebuilds_running{")) ?? "(no running series)"}`);
  server.close();
} else {
  const portIndex = process.argv.indexOf("--port");
  const url = await listen(Number(portIndex === -1 ? (process.env["PORT"] ?? 9464) : process.argv[portIndex + 1]));
  // Builds finish in the background; the loop reconciles every 15 s.
  const builds = setInterval(() => provisioner.advance(), 1_000);
  reconciler.start({ intervalMs: INTERVAL_MS });
  console.log(`serving ${url}/healthz, ${url}/readyz and ${url}/metrics (Ctrl-C stops)`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      clearInterval(builds);
      server.close();
      void reconciler.stop();
    });
  }
}
