/**
 * A small control plane over HTTP: the in-memory world (InMemoryStore, SimulatedProvisioner) with
 * a Reconciler running its loop on the real clock, behind node:http without a framework.
 *
 *   POST /workspaces  {"presetId", "userId", "workspaceName"}
 *                  or {"templateVersionId", "parameters", "userId", "workspaceName"}
 *                     201 with the claimed workspace, or 202 "building cold" when no prebuild fits
 *   GET  /pool        every preset's pool: desired, running, ready, starting, and the prebuilds
 *
 *   npx tsx examples/http-control-plane.ts --self-test   starts on a free port, sends a few requests, exits
 *   npx tsx examples/http-control-plane.ts --port 8080   keeps serving until Ctrl-C
 *
 * Simulated builds take 1.5 to 2.5 s; a prebuild is ready when its build has finished.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { planCycle, Reconciler, systemClock, type ClaimRequest } from "../src/index.js";
import { InMemoryStore, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";

const SYSTEM_USER = "prebuilds";

// ── The world ────────────────────────────────────────────────────────────────

const store = new InMemoryStore({ clock: systemClock, systemUserId: SYSTEM_USER });
const provisioner = new SimulatedProvisioner({ store, clock: systemClock, seed: 7, minLatencyMs: 1_500, maxLatencyMs: 2_500 });
const reconciler = new Reconciler({ store, provisioner, systemUserId: SYSTEM_USER });

const base = {
  organizationId: "org-acme",
  templateId: "tpl-dev",
  templateVersionId: "tv-7",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
} as const;
const presets: MemoryPreset[] = [
  { ...base, id: "p-eu-dev", name: "eu-dev", desiredInstances: 2, parameters: { region: "eu", size: "medium" } },
  { ...base, id: "p-eu-gpu", name: "eu-gpu", desiredInstances: 1, parameters: { region: "eu", size: "gpu" } },
];
for (const preset of presets) store.upsertPreset(preset);

// ── HTTP ─────────────────────────────────────────────────────────────────────

class BadRequest extends Error {}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(`${JSON.stringify(body)}\n`);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 65_536) throw new BadRequest("request body too large");
  }
  try {
    return JSON.parse(text === "" ? "{}" : text) as unknown;
  } catch {
    throw new BadRequest("request body is not JSON");
  }
}

function text(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw new BadRequest(`${field}: expected a non-empty string`);
  return value;
}

/** The claim a request body asks for: by preset id, or by template version and parameters. */
function claimRequestOf(body: unknown): ClaimRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequest("expected a JSON object");
  const fields = body as Record<string, unknown>;
  const claimant = { userId: text(fields, "userId"), workspaceName: text(fields, "workspaceName") };
  if (fields["presetId"] !== undefined) return { presetId: text(fields, "presetId"), claimant };
  const parameters = fields["parameters"] ?? {};
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters) || !Object.values(parameters).every((value) => typeof value === "string")) {
    throw new BadRequest("parameters: expected an object of strings");
  }
  return { templateVersionId: text(fields, "templateVersionId"), parameters: parameters as Record<string, string>, claimant };
}

async function createWorkspace(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const result = await reconciler.claim(claimRequestOf(await readJson(request)));
  if (result.status === "claimed") {
    // A real control plane would now tell the workspace's agents who owns it (result.agentReinitialization).
    send(response, 201, { status: "claimed", workspace: result.workspace });
    return;
  }
  // A real control plane would queue an ordinary build here, for the preset that fits (or none).
  send(response, 202, { status: "building cold", presetId: result.presetId, reason: result.reason });
}

async function showPool(response: ServerResponse): Promise<void> {
  const snapshot = await store.loadSnapshot();
  const plan = planCycle(snapshot, systemClock);
  send(response, 200, {
    presets: plan.presets.map(({ presetId, state }) => ({
      presetId,
      desired: state.desired,
      running: state.actual,
      ready: state.eligible,
      starting: state.starting,
      prebuilds: snapshot.running.filter((prebuild) => prebuild.presetId === presetId).map((prebuild) => `${prebuild.id}${prebuild.ready ? "" : " (not ready)"}`),
    })),
  });
}

const server = createServer((request, response) => {
  const route = `${request.method ?? ""} ${new URL(request.url ?? "/", "http://localhost").pathname}`;
  const handled = route === "POST /workspaces" ? createWorkspace(request, response) : route === "GET /pool" ? showPool(response) : null;
  if (handled === null) {
    send(response, 404, { error: `no route ${route}` });
    return;
  }
  handled.catch((error: unknown) => {
    if (error instanceof BadRequest) send(response, 400, { error: error.message });
    else send(response, 500, { error: error instanceof Error ? error.message : String(error) });
  });
});

// ── Running ──────────────────────────────────────────────────────────────────

const shutdown = new AbortController();
const builds = setInterval(() => provisioner.advance(), 100);
reconciler.start({ intervalMs: 1_000, signal: shutdown.signal });

async function close(): Promise<void> {
  shutdown.abort();
  clearInterval(builds);
  await reconciler.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function listen(port: number): Promise<string> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function selfTest(): Promise<void> {
  const url = await listen(0);
  const call = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const show = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const { status, body: answer } = await call(method, path, body);
    console.log(`${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}\n  → ${status} ${JSON.stringify(answer)}`);
  };
  /** Waits until every pool is full of ready prebuilds. */
  const whenFull = async () => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { body } = await call("GET", "/pool");
      const pools = body["presets"] as { desired: number; ready: number }[];
      if (pools.every((pool) => pool.ready === pool.desired)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error("the pools did not fill within 20 s");
  };

  console.log(`listening on ${url}; waiting until the pools are full\n`);
  await whenFull();
  await show("GET", "/pool");
  await show("POST", "/workspaces", { presetId: "p-eu-dev", userId: "ana", workspaceName: "ana-dev" });
  await show("POST", "/workspaces", { templateVersionId: "tv-7", parameters: { region: "eu", size: "medium" }, userId: "ben", workspaceName: "ben-dev" });
  await show("POST", "/workspaces", { templateVersionId: "tv-7", parameters: { region: "eu", size: "medium" }, userId: "chen", workspaceName: "chen-dev" });
  await show("POST", "/workspaces", { templateVersionId: "tv-7", parameters: { region: "us" }, userId: "dara", workspaceName: "dara-dev" });
  await show("POST", "/workspaces", { presetId: "p-eu-dev" });
  await show("GET", "/pool");
  console.log("\nwaiting until the pools are full again\n");
  await whenFull();
  await show("GET", "/pool");
}

if (process.argv.includes("--self-test")) {
  try {
    await selfTest();
  } finally {
    await close();
  }
} else {
  const portIndex = process.argv.indexOf("--port");
  const port = Number(portIndex === -1 ? (process.env["PORT"] ?? 8080) : process.argv[portIndex + 1]);
  const url = await listen(port);
  console.log(`listening on ${url} (Ctrl-C stops)`);
  console.log(`  curl ${url}/pool`);
  console.log(`  curl -X POST ${url}/workspaces -d '{"presetId":"p-eu-dev","userId":"ana","workspaceName":"ana-dev"}'`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void close());
}
