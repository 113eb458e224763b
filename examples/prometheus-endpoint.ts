/**
 * PrometheusMetrics on a prom-client Registry, fed by a Reconciler in the in-memory world, and a
 * node:http /metrics endpoint for Prometheus to scrape.
 *
 *   npx tsx examples/prometheus-endpoint.ts --self-test   runs the cycles, fetches /metrics once, prints the prebuild series, exits
 *   npx tsx examples/prometheus-endpoint.ts --coder       the same with Coder's series names and labels (naming: "coder")
 *   npx tsx examples/prometheus-endpoint.ts --port 9464   runs the cycles, then serves /metrics until Ctrl-C
 *
 * The cycles run on a ManualClock, so every value (durations included, which are 0 s on a clock
 * that only moves when told) is the same on every run. What they do:
 *   08:00  two presets want 2 and 1 prebuilds: 3 creates
 *   08:03  the builds have finished; ana claims an eu-dev prebuild; the next cycle replaces it
 *   08:06  the provisioner is unreachable when ben's claim of the eu-gpu prebuild needs a
 *          replacement: the create call is rejected, nothing is built, no counter moves
 *   08:09  the provisioner is back but every build fails: the create call succeeds, the build
 *          fails afterwards and counts in `failed`
 *   08:12  the one-minute backoff after that failure is over: another create, whose build is
 *          still running at the end (it counts nowhere yet)
 * At the end the store's build totals are read once (a loop started with start() reads them
 * every metricsRefreshMs): `created`, `failed` and `claimed` count what happened to the builds.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { Reconciler } from "../src/index.js";
import { PrometheusMetrics } from "../src/prometheus.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";

const SYSTEM_USER = "prebuilds";
const MINUTE = 60_000;

const registry = new Registry();
// Names start with prebuild_reconciler_ (the neutral naming), or coderd_ with Coder's exact names and labels.
const metrics = new PrometheusMetrics({ registry, naming: process.argv.includes("--coder") ? "coder" : "neutral" });

const clock = new ManualClock(new Date("2026-06-01T08:00:00Z"));
const store = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
const provisioner = new SimulatedProvisioner({ store, clock, seed: 3, minLatencyMs: 2 * MINUTE, maxLatencyMs: 2 * MINUTE });
const reconciler = new Reconciler({ store, provisioner, clock, metrics, systemUserId: SYSTEM_USER });

const base = {
  organizationId: "org-acme",
  organizationName: "acme",
  templateId: "tpl-dev",
  templateName: "dev-box",
  templateVersionId: "tv-7",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
} as const;
const presets: MemoryPreset[] = [
  { ...base, id: "p-eu-dev", name: "eu-dev", desiredInstances: 2, parameters: { size: "medium" } },
  { ...base, id: "p-eu-gpu", name: "eu-gpu", desiredInstances: 1, parameters: { size: "gpu" } },
];
for (const preset of presets) store.upsertPreset(preset);

/** Moves the simulated clock, lets builds finish, and runs one cycle. */
async function cycleAfter(minutes: number): Promise<void> {
  clock.advance(minutes * MINUTE);
  provisioner.advance();
  await reconciler.reconcileOnce();
}

await cycleAfter(0);
await cycleAfter(3);
await reconciler.claim({ presetId: "p-eu-dev", claimant: { userId: "ana", workspaceName: "ana-dev" } });
await cycleAfter(0);
await cycleAfter(3);
provisioner.outage = new Error("provisioner unreachable");
await reconciler.claim({ presetId: "p-eu-gpu", claimant: { userId: "ben", workspaceName: "ben-gpu" } });
await cycleAfter(0);
provisioner.outage = null;
provisioner.failureRate = 1;
await cycleAfter(3);
await cycleAfter(3);
await reconciler.refreshMetrics();

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/metrics") {
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(String(error));
      },
    );
    return;
  }
  response.writeHead(404, { "content-type": "text/plain" });
  response.end("only GET /metrics\n");
});

function listen(port: number): Promise<string> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

if (process.argv.includes("--self-test") || process.argv.includes("--coder")) {
  const url = await listen(0);
  const text = await (await fetch(`${url}/metrics`)).text();
  server.close();
  const lines = text.split("\n").filter((line) => line !== "");
  const buckets = lines.filter((line) => /_bucket\{/.test(line));
  console.log(`GET /metrics: ${lines.length} lines; the ${buckets.length} histogram bucket lines are left out below\n`);
  for (const line of lines) if (!buckets.includes(line)) console.log(line);
} else {
  const portIndex = process.argv.indexOf("--port");
  const url = await listen(Number(portIndex === -1 ? (process.env["PORT"] ?? 9464) : process.argv[portIndex + 1]));
  console.log(`serving ${url}/metrics (Ctrl-C stops)`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close());
}
