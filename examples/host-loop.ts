/**
 * How a host uses the pure core without the Reconciler: load a snapshot from its own store, plan,
 * execute each action, report invalid presets. The store and provisioner here are a few lines of
 * fake, kept in memory, so that two cycles can run and show the pool converging.
 *
 *   node --import tsx examples/host-loop.ts
 *
 * Most hosts want the Reconciler instead (lock, loop, claims, metrics): see examples/embedding.ts.
 */

import type { RunningPrebuild } from "../src/index.js";
import { planCycle, type Clock, type GlobalSnapshot, type ReconciliationAction } from "../src/index.js";

/** What the host brings: its database and its provisioner. */
interface Host {
  loadSnapshot(): Promise<GlobalSnapshot>;
  createPrebuilds(presetId: string, count: number): Promise<void>;
  deleteWorkspace(workspaceId: string): Promise<void>;
  cancelPendingCreates(presetId: string): Promise<void>;
  log(message: string): void;
}

async function execute(host: Host, presetId: string, action: ReconciliationAction): Promise<void> {
  switch (action.type) {
    case "create":
      return host.createPrebuilds(presetId, action.count);
    case "delete":
      for (const workspaceId of action.workspaceIds) await host.deleteWorkspace(workspaceId);
      return;
    case "cancelPending":
      return host.cancelPendingCreates(presetId);
    case "backoff":
      return; // nothing to do until action.until; the reason is logged below
    default: {
      const unhandled: never = action;
      throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
    }
  }
}

export async function reconcileOnce(host: Host, clock: Clock): Promise<void> {
  const plan = planCycle(await host.loadSnapshot(), clock, { maxCreatesPerCycle: 20 });
  for (const { presetId, actions } of plan.presets) {
    for (const action of actions) {
      host.log(`${presetId}: ${action.reason}`);
      // One failing action must not stop the others.
      await execute(host, presetId, action).catch((error: unknown) => host.log(`${presetId}: ${action.type} failed: ${String(error)}`));
    }
  }
  for (const { presetId, error } of plan.invalid) {
    for (const issue of error.issues) host.log(`${presetId} is invalid: ${issue.path}: ${issue.message}`);
  }
}

export async function reconcileForever(host: Host): Promise<never> {
  const systemClock: Clock = { now: () => new Date() };
  for (;;) {
    await reconcileOnce(host, systemClock);
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }
}

// ---- A fake host, in memory, good enough to watch two cycles.

const now = new Date("2026-11-24T09:30:00Z");
const clock: Clock = { now: () => now };
let nextId = 1;

const state = {
  presets: [
    {
      id: "p-eu",
      name: "eu-dev",
      organizationId: "org",
      templateId: "tpl",
      templateVersionId: "tv-2",
      usingActiveVersion: true,
      templateDeleted: false,
      templateDeprecated: false,
      desiredInstances: 1,
      scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 3 }] },
    },
    {
      id: "p-eu-old",
      name: "eu-dev (tv-1)",
      organizationId: "org",
      templateId: "tpl",
      templateVersionId: "tv-1",
      usingActiveVersion: false,
      templateDeleted: false,
      templateDeprecated: false,
      desiredInstances: 1,
    },
  ],
  running: [{ id: "ws-old-1", presetId: "p-eu-old", createdAt: new Date("2026-11-20T08:00:00Z"), ready: true }] as RunningPrebuild[],
  pendingNonActive: [{ presetId: "p-eu-old", count: 1 }],
};

const host: Host = {
  loadSnapshot: async () => ({ ...state, running: [...state.running], inProgress: [], backoffs: [], hardLimitedPresetIds: [] }),
  createPrebuilds: async (presetId, count) => {
    // A real provisioner starts builds; here they are running and ready at once.
    for (let i = 0; i < count; i += 1) state.running.push({ id: `ws-${nextId++}`, presetId, createdAt: now, ready: true });
  },
  deleteWorkspace: async (workspaceId) => {
    state.running = state.running.filter((prebuild) => prebuild.id !== workspaceId);
  },
  cancelPendingCreates: async (presetId) => {
    state.pendingNonActive = state.pendingNonActive.filter((row) => row.presetId !== presetId);
  },
  log: (message) => console.log(`  ${message}`),
};

for (const cycle of [1, 2]) {
  console.log(`cycle ${cycle}:`);
  await reconcileOnce(host, clock);
  console.log(`  running after the cycle: ${state.running.map((prebuild) => `${prebuild.id} (${prebuild.presetId})`).join(", ")}`);
}
