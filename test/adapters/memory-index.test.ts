/**
 * The in-memory store's indexes change nothing observable: after any sequence of writes (normal
 * ones, and the odd ones a test may make, such as a finished build set back to pending or a
 * clock that goes back), its snapshot, its claims and its derived lists equal what a full scan of
 * its rows gives. The scan below is the derivation the store used before it kept indexes.
 */

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { isPresetActive } from "../../src/core/state.js";
import type { BackoffRow, InProgressRow, RunningPrebuild } from "../../src/index.js";
import type { StoreSnapshot } from "../../src/ports/store.js";
import { InMemoryStore, type BuildStatus, type MemoryBuild, type MemoryPreset } from "../../src/testing.js";
import { makePreset } from "../fixtures.js";

vi.setConfig({ testTimeout: 60_000 });

const SYSTEM = "prebuilds";
const LOOKBACK_MS = 3_600_000;
const START_MS = Date.parse("2025-06-02T08:00:00Z");
const STATUSES: readonly BuildStatus[] = ["pending", "running", "succeeded", "failed", "canceled"];

/** The snapshot by a scan of every row, as the store computed it before it kept indexes. */
function scannedSnapshot(store: InMemoryStore, nowMs: number, hardLimit: number): Pick<StoreSnapshot, "running" | "inProgress" | "pendingNonActive" | "backoffs" | "hardLimitedPresetIds"> {
  const presets = new Map(store.listPresets().map((preset) => [preset.id, preset]));
  const latestBuild = new Map<string, MemoryBuild>();
  for (const build of store.listBuilds()) latestBuild.set(build.workspaceId, build);
  const running: RunningPrebuild[] = [];
  for (const workspace of store.listWorkspaces()) {
    const latest = latestBuild.get(workspace.id);
    if (workspace.deleted || workspace.ownerId !== SYSTEM || latest === undefined) continue;
    if (latest.transition === "start" && latest.status === "succeeded") running.push({ id: workspace.id, presetId: workspace.presetId, createdAt: workspace.createdAt, ready: workspace.ready });
  }
  const inProgress = new Map<string, InProgressRow>();
  const pending = new Map<string, number>();
  const creates = new Map<string, MemoryBuild[]>();
  for (const build of store.listBuilds()) {
    if (build.initiatorId !== SYSTEM) continue;
    const preset = presets.get(build.presetId);
    if (preset === undefined) continue;
    if (build.status === "pending" || build.status === "running") {
      const key = `${build.presetId}\u0000${build.transition}`;
      inProgress.set(key, { presetId: build.presetId, transition: build.transition, count: (inProgress.get(key)?.count ?? 0) + 1 });
      if (build.transition === "start" && build.status === "pending" && build.startedAt === null && !isPresetActive(preset)) pending.set(build.presetId, (pending.get(build.presetId) ?? 0) + 1);
    }
    if (build.transition === "start" && (build.status === "succeeded" || build.status === "failed")) creates.set(build.presetId, [...(creates.get(build.presetId) ?? []), build]);
  }
  const backoffs: BackoffRow[] = [];
  const hardLimited: string[] = [];
  for (const [presetId, list] of creates) {
    const preset = presets.get(presetId);
    if (preset === undefined || !isPresetActive(preset)) continue;
    list.sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
    const latest = list.at(-1);
    if (latest?.status === "failed") {
      const recent = list.filter((build) => build.status === "failed" && nowMs - build.createdAt.getTime() <= LOOKBACK_MS);
      if (recent.length > 0) backoffs.push({ presetId, failedBuilds: recent.length, lastBuildAt: latest.createdAt });
    }
    if (hardLimit > 0 && list.length >= hardLimit && list.slice(-hardLimit).every((build) => build.status === "failed")) hardLimited.push(presetId);
  }
  return { running, inProgress: [...inProgress.values()], pendingNonActive: [...pending].map(([presetId, count]) => ({ presetId, count })), backoffs, hardLimitedPresetIds: hardLimited };
}

type Operation =
  | { readonly kind: "preset"; readonly preset: number; readonly active: boolean }
  | { readonly kind: "workspace"; readonly preset: number; readonly system: boolean; readonly ready: boolean }
  | { readonly kind: "build"; readonly workspace: number; readonly transition: MemoryBuild["transition"]; readonly status: BuildStatus; readonly offsetMs: number; readonly system: boolean }
  | { readonly kind: "status"; readonly build: number; readonly status: BuildStatus }
  | { readonly kind: "deleted" | "ready" | "claimed"; readonly workspace: number }
  | { readonly kind: "clock"; readonly byMs: number }
  | { readonly kind: "claim"; readonly preset: number };

// Weighted toward builds and status changes, where the indexes do their work.
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("preset" as const), preset: fc.nat(2), active: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("workspace" as const), preset: fc.nat(3), system: fc.boolean(), ready: fc.boolean() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("build" as const),
      workspace: fc.nat(40),
      transition: fc.constantFrom("start" as const, "start" as const, "delete" as const, "stop" as const),
      status: fc.constantFrom(...STATUSES),
      offsetMs: fc.integer({ min: -2 * LOOKBACK_MS, max: 60_000 }),
      system: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant("status" as const), build: fc.nat(80), status: fc.constantFrom(...STATUSES) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constantFrom("deleted" as const, "ready" as const, "claimed" as const), workspace: fc.nat(40) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("clock" as const), byMs: fc.integer({ min: -LOOKBACK_MS, max: 2 * LOOKBACK_MS }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("claim" as const), preset: fc.nat(2) }), weight: 1 },
);

function presetOf(index: number, active: boolean): MemoryPreset {
  return { ...makePreset({ id: `p${index}`, name: `p${index}`, usingActiveVersion: active, ttlSeconds: null }), parameters: {} };
}

async function check(operations: readonly Operation[], hardLimit: number): Promise<void> {
  let nowMs = START_MS;
  // A clock that may go back, which a ManualClock refuses: the store must cope with any Clock.
  const store = new InMemoryStore({ clock: { now: () => new Date(nowMs) }, systemUserId: SYSTEM, hardLimit });
  // Two active presets and an inactive one from the start (the operations may change them).
  for (const [index, active] of [true, true, false].entries()) store.upsertPreset(presetOf(index, active));
  const workspaceIds: string[] = [];
  const builds: MemoryBuild[] = [];
  for (const step of operations) {
    switch (step.kind) {
      case "preset":
        store.upsertPreset(presetOf(step.preset, step.active));
        break;
      case "workspace": {
        const id = store.newId("ws");
        workspaceIds.push(id);
        store.insertWorkspace({ id, presetId: `p${step.preset}`, ownerId: step.system ? SYSTEM : "alice", name: id, createdAt: new Date(nowMs), ready: step.ready, deleted: false, lifecycle: { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } });
        break;
      }
      case "build": {
        // Past the last workspace: a build naming a workspace that is inserted later, or never.
        const workspaceId = workspaceIds[step.workspace] ?? `ws-later-${step.workspace}`;
        const presetId = store.workspace(workspaceId)?.presetId ?? `p${step.workspace % 3}`;
        const at = new Date(nowMs + step.offsetMs);
        const build: MemoryBuild = { id: store.newId("build"), workspaceId, presetId, transition: step.transition, status: step.status, createdAt: at, startedAt: step.status === "pending" ? null : at, initiatorId: step.system ? SYSTEM : "alice" };
        builds.push(build);
        store.insertBuild(build);
        break;
      }
      case "status": {
        const build = builds[step.build % Math.max(1, builds.length)];
        if (build !== undefined) build.status = step.status;
        break;
      }
      case "deleted":
      case "ready":
      case "claimed": {
        const workspace = store.workspace(workspaceIds[step.workspace % Math.max(1, workspaceIds.length)] ?? "");
        if (workspace === undefined) break;
        if (step.kind === "deleted") workspace.deleted = !workspace.deleted;
        else if (step.kind === "ready") workspace.ready = !workspace.ready;
        else workspace.ownerId = workspace.ownerId === SYSTEM ? "bob" : SYSTEM;
        break;
      }
      case "clock":
        nowMs += step.byMs;
        break;
      case "claim":
        await store.claim({ presetId: `p${step.preset}`, claimant: { userId: "carol", workspaceName: "dev" }, lifecycle: { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null }, now: new Date(nowMs) });
        break;
    }
    const snapshot = await store.loadSnapshot();
    expect({ running: snapshot.running, inProgress: snapshot.inProgress, pendingNonActive: snapshot.pendingNonActive, backoffs: snapshot.backoffs, hardLimitedPresetIds: snapshot.hardLimitedPresetIds }).toEqual(scannedSnapshot(store, nowMs, hardLimit));
    expect(store.countReadyPrebuilds()).toBe(store.listWorkspaces().filter((workspace) => !workspace.deleted && workspace.ready && workspace.ownerId === SYSTEM).length);
    for (const presetId of ["p0", "p1", "p2", "p3"]) {
      expect(store.countReadyPrebuilds(presetId)).toBe(store.listWorkspaces().filter((workspace) => workspace.presetId === presetId && !workspace.deleted && workspace.ready && workspace.ownerId === SYSTEM).length);
    }
    expect(store.buildsInProgress()).toEqual(store.listBuilds().filter((build) => build.status === "pending" || build.status === "running"));
  }
}

describe("InMemoryStore indexes", () => {
  it("give the snapshot a full scan of the rows gives, after any writes (hard limit 3)", async () => {
    await fc.assert(fc.asyncProperty(fc.array(operation, { maxLength: 120 }), (operations) => check(operations, 3)), { numRuns: 300 });
  });

  it("and with the hard limit off, or at 1", async () => {
    await fc.assert(fc.asyncProperty(fc.array(operation, { maxLength: 80 }), fc.constantFrom(0, 1), (operations, hardLimit) => check(operations, hardLimit)), { numRuns: 150 });
  });

  it("list backoffs and hard limits by each preset's earliest finished create in the build list, whatever finished first", async () => {
    const store = new InMemoryStore({ clock: { now: () => new Date(START_MS) }, systemUserId: SYSTEM, hardLimit: 1 });
    for (const index of [0, 1]) store.upsertPreset(presetOf(index, true));
    const build = (id: string, presetId: string, status: BuildStatus): MemoryBuild => ({ id, workspaceId: `ws-${id}`, presetId, transition: "start", status, createdAt: new Date(START_MS - 60_000), startedAt: null, initiatorId: SYSTEM });
    const early = build("b1", "p0", "running");
    store.insertBuild(early);
    store.insertBuild(build("b2", "p1", "failed"));
    expect((await store.loadSnapshot()).hardLimitedPresetIds).toEqual(["p1"]);
    early.status = "failed";
    const snapshot = await store.loadSnapshot();
    expect(snapshot.hardLimitedPresetIds).toEqual(["p0", "p1"]);
    expect(snapshot.backoffs.map((row) => row.presetId)).toEqual(["p0", "p1"]);
    expect(snapshot).toMatchObject(scannedSnapshot(store, START_MS, 1));
  });

  it("leave the rows plain to read: spreads, JSON and equality see the same fields and values", () => {
    const store = new InMemoryStore({ clock: { now: () => new Date(START_MS) }, systemUserId: SYSTEM });
    const lifecycle = { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null };
    const workspace = { id: "ws-1", presetId: "p0", ownerId: SYSTEM, name: "ws-1", createdAt: new Date(START_MS), ready: true, deleted: false, lifecycle };
    store.insertWorkspace(workspace);
    workspace.ready = false;
    expect(store.workspace("ws-1")).toBe(workspace);
    expect({ ...workspace }).toEqual({ id: "ws-1", presetId: "p0", ownerId: SYSTEM, name: "ws-1", createdAt: new Date(START_MS), ready: false, deleted: false, lifecycle });
    expect(Object.keys(workspace)).toEqual(["id", "presetId", "ownerId", "name", "createdAt", "ready", "deleted", "lifecycle"]);
    expect(JSON.parse(JSON.stringify(workspace))).toEqual({ id: "ws-1", presetId: "p0", ownerId: SYSTEM, name: "ws-1", createdAt: new Date(START_MS).toISOString(), ready: false, deleted: false, lifecycle });
  });
});
