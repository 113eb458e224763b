import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ArgumentValidationError, healthHandler, Reconciler, type HealthSource, type Store } from "../../src/index.js";
import { thrownError } from "../fixtures.js";
import { makeWorld, memoryPreset, SYSTEM_USER, type World } from "../runtime/world.js";

const INTERVAL_MS = 15_000;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves the health handler on loopback, with a 404 route behind it; resolves the base URL. */
async function serve(source: HealthSource, world: World, options: { readonly stalledAfterMs?: number } = {}): Promise<string> {
  const health = healthHandler(source, { intervalMs: INTERVAL_MS, clock: world.clock, ...options });
  const server = createServer((request, response) => {
    if (health(request, response)) return;
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found\n");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: Record<string, unknown> | string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  const type = response.headers.get("content-type");
  return { status: response.status, type, body: type?.startsWith("application/json") === true ? (JSON.parse(text) as Record<string, unknown>) : text };
}

function reconcilerFor(world: World, store: Store = world.store): Reconciler {
  return new Reconciler({ store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER });
}

describe("healthHandler over node:http", () => {
  it("is alive but not ready before the first cycle ends, ready after it, and not ready once cycles stop ending", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    const url = await serve(reconciler, world);
    const live = await get(`${url}/healthz`);
    expect(live).toMatchObject({ status: 200, type: "application/json; charset=utf-8", body: { status: "ok", reason: "no cycle is running", checkedAt: "2025-06-02T08:00:00.000Z" } });
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { status: "notReady", reason: "no cycle has ended yet", readyWithinMs: 45_000 } });
    await reconciler.reconcileOnce();
    world.advance(45_000);
    const ready = await get(`${url}/readyz`);
    expect(ready).toEqual({
      status: 200,
      type: "application/json; charset=utf-8",
      body: {
        status: "ok",
        reason: "the last cycle ended 45000 ms ago",
        checkedAt: "2025-06-02T08:00:45.000Z",
        readyWithinMs: 45_000,
        health: {
          lastCycleStartedAt: "2025-06-02T08:00:00.000Z",
          lastCycleEndedAt: "2025-06-02T08:00:00.000Z",
          lastCycleSucceeded: true,
          cycleRunningSince: null,
          stalled: false,
          stalledAfterMs: 330_000,
          lock: "held",
          loopRunning: false,
        },
      },
    });
    world.advance(1);
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { status: "notReady", reason: "the last cycle ended 45001 ms ago, more than 45000 ms" } });
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it("reports a stalled cycle as not alive (503), so that the orchestrator restarts the replica", async () => {
    const world = makeWorld([memoryPreset("a")]);
    let release = () => {};
    const hanging = new Proxy(world.store, {
      get: (object, property, receiver) =>
        property === "isPaused" ? () => new Promise((resolve) => (release = () => resolve({ global: false, presetIds: [] }))) : Reflect.get(object, property, receiver),
    });
    const reconciler = reconcilerFor(world, hanging);
    const url = await serve(reconciler, world, { stalledAfterMs: 60_000 });
    const cycle = reconciler.reconcileOnce();
    await vi.waitFor(() => expect(reconciler.health().cycleRunningSince).not.toBeNull());
    world.advance(60_000);
    expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: "ok", reason: "the running cycle is within its bound" } });
    world.advance(1);
    expect(await get(`${url}/healthz`)).toMatchObject({
      status: 503,
      body: { status: "stalled", reason: "a cycle has been running since 2025-06-02T08:00:00.000Z, longer than 60000 ms: restart this replica", health: { stalled: true, cycleRunningSince: "2025-06-02T08:00:00.000Z" } },
    });
    release();
    await cycle;
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it("answers HEAD without a body, refuses other methods with 405, ignores query strings and leaves other paths to the host", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    const url = await serve(reconciler, world);
    const head = await fetch(`${url}/readyz`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    const post = await fetch(`${url}/healthz`, { method: "POST" });
    expect([post.status, post.headers.get("allow"), await post.json()]).toEqual([405, "GET, HEAD", { status: "error", reason: "POST is not allowed: use GET or HEAD" }]);
    expect((await get(`${url}/readyz?verbose=1`)).status).toBe(200);
    expect(await get(`${url}/metrics`)).toEqual({ status: 404, type: "text/plain", body: "not found\n" });
  });

  it("answers 500 with the reason when health() throws", async () => {
    const world = makeWorld([]);
    const url = await serve(
      {
        health: () => {
          throw new Error("boom");
        },
      },
      world,
    );
    expect(await get(`${url}/healthz`)).toMatchObject({ status: 500, body: { status: "error", reason: "the health check failed: boom" } });
  });

  it("serves custom paths", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    const health = healthHandler(reconciler, { intervalMs: INTERVAL_MS, clock: world.clock, livenessPath: "/live", readinessPath: "/ready" });
    const server = createServer((request, response) => {
      if (!health(request, response)) response.writeHead(404).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect([(await fetch(`${url}/live`)).status, (await fetch(`${url}/ready`)).status, (await fetch(`${url}/healthz`)).status]).toEqual([200, 503, 404]);
  });

  it("refuses unusable options, naming each", () => {
    const source: HealthSource = { health: () => ({}) as never };
    const error = thrownError(() => healthHandler(source, { intervalMs: 0, intervals: 1.5, livenessPath: "healthz", clock: {} as never }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues).toEqual([
      { path: "intervalMs", message: "must be a positive number of milliseconds, got 0" },
      { path: "intervals", message: "must be a positive whole number, got 1.5" },
      { path: "livenessPath", message: 'must be a path starting with "/", got "healthz"' },
      { path: "clock", message: "must have a now() method" },
    ]);
  });
});
