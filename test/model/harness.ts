/**
 * Model-based testing harness: a model of what the host did (presets, templates, pauses, outages,
 * claims) next to the real Reconciler wired to the in-memory world, plus the invariants checked
 * after every step.
 *
 * The model never asks the library what the right answer is: desired counts, claim candidates,
 * preset matching and hard limits are computed here from the store's rows with plain code.
 */

import { expect } from "vitest";
import { Reconciler, type ClaimResult, type Preset, type PresetScheduling, type PresetStatus, type Provisioner } from "../../src/index.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryBuild, type MemoryPreset } from "../../src/testing.js";
import { callLog, instrument, withoutBuildTotals, recordingMetrics, recordingNotifier, START, SYSTEM_USER, type CallLog, type RecordingMetrics, type RecordingNotifier } from "../runtime/world.js";

export { SYSTEM_USER };

/** Build latencies of the simulated provisioner; a round advances by the longest. */
export const MIN_LATENCY_MS = 30_000;
export const MAX_LATENCY_MS = 90_000;
/** The store's hard limit (InMemoryStore default): the last 3 creates all failed. */
export const HARD_LIMIT = 3;
/** Healthy rounds after which the pool must be at its desired size (the brief: "within 3 cycles"). */
export const CONVERGENCE_ROUNDS = 3;
/**
 * Clean cycles after which an inactive preset has no running prebuild. A cycle counts for a preset
 * when it starts with none of the preset's creates in progress (its builds have finished), can read
 * the store, and neither the provisioner is down nor the preset (or everything) paused. The builds
 * finishing needs time to pass, so the cycles have advances in between. (One such cycle already
 * suffices today; two is the brief's bound.)
 */
export const INACTIVE_CYCLES = 2;

// ── schedules ────────────────────────────────────────────────────────────────

/** A cron window the model evaluates itself: whole hours (and optionally weekdays) in a fixed-offset zone. */
interface Window {
  readonly offsetMinutes: number;
  readonly hours: readonly [number, number];
  readonly days?: readonly [number, number];
  readonly instances: number;
}

export type ScheduleKey = "none" | "morningUtc" | "kolkataOverlap";

/** What the store gets (cron text) and what the model evaluates (windows), for each schedule. */
export const SCHEDULES: Record<ScheduleKey, { scheduling: PresetScheduling | null; windows: readonly Window[] }> = {
  none: { scheduling: null, windows: [] },
  // [08:00, 10:00) UTC every day: 3 instances.
  morningUtc: {
    scheduling: { timezone: "UTC", schedules: [{ cron: "* 8-9 * * *", instances: 3 }] },
    windows: [{ offsetMinutes: 0, hours: [8, 9], instances: 3 }],
  },
  // Asia/Kolkata is UTC+05:30 all year: overlapping windows, the largest count wins.
  kolkataOverlap: {
    scheduling: {
      timezone: "Asia/Kolkata",
      schedules: [
        { cron: "* 14-15 * * 1-5", instances: 0 },
        { cron: "* 13-14 * * *", instances: 2 },
      ],
    },
    windows: [
      { offsetMinutes: 330, hours: [14, 15], days: [1, 5], instances: 0 },
      { offsetMinutes: 330, hours: [13, 14], instances: 2 },
    ],
  },
};

// ── model ───────────────────────────────────────────────────────────────────

export interface ModelPreset {
  readonly id: string;
  readonly base: string;
  readonly templateId: string;
  readonly version: number;
  readonly parameters: Readonly<Record<string, string>>;
  desired: number;
  schedule: ScheduleKey;
  readonly ttlSeconds: number | null;
}

export interface ModelTemplate {
  readonly id: string;
  readonly organizationId: string;
  activeVersion: number;
  deprecated: boolean;
  /** Preset bases of the template, with their parameters, desired count and TTL. */
  readonly bases: readonly { base: string; parameters: Record<string, string>; desired: number; ttlSeconds: number | null }[];
}

export type StoreMethod = "loadSnapshot" | "isPaused" | "organizationsWithPrebuildStatus" | "setPresetStatus" | "claim" | "presetsOfTemplateVersion";

export interface Model {
  readonly templates: Map<string, ModelTemplate>;
  readonly presets: Map<string, ModelPreset>;
  failureRate: number;
  outage: boolean;
  storeFailure: StoreMethod | null;
  pausedGlobal: boolean;
  readonly pausedPresets: Set<string>;
  /** Prebuilds whose agents the test made stop reporting ready. */
  readonly unready: Set<string>;
  /** Every successfully claimed workspace and its owner. */
  readonly claims: Map<string, string>;
  successfulClaims: number;
  nextUser: number;
  /** The recorded status of each preset as last seen, and how many times it became hardLimited. */
  readonly lastStatus: Map<string, PresetStatus>;
  readonly hardLimitTransitions: Map<string, number>;
  /** Per inactive preset: clean cycles that started with no create of it in progress. */
  readonly inactiveCleanCycles: Map<string, number>;
  /** Per active preset: consecutive healthy rounds, and the desired count they aimed at. */
  readonly healthyRounds: Map<string, { rounds: number; desired: number }>;
}

export function templateVersionId(templateId: string, version: number): string {
  return `${templateId}-v${version}`;
}

export function presetId(base: string, version: number): string {
  return `${base}@v${version}`;
}

export function isActive(model: Model, preset: ModelPreset): boolean {
  const template = model.templates.get(preset.templateId);
  return template !== undefined && !template.deprecated && template.activeVersion === preset.version;
}

/** Desired instances by the model's own reading of the schedule windows (SPEC §3). */
export function modelDesired(model: Model, preset: ModelPreset, atMs: number): number {
  if (!isActive(model, preset)) return 0;
  let best: number | null = null;
  for (const window of SCHEDULES[preset.schedule].windows) {
    const local = new Date(atMs + window.offsetMinutes * 60_000);
    const hour = local.getUTCHours();
    const day = local.getUTCDay();
    const inHours = hour >= window.hours[0] && hour <= window.hours[1];
    const inDays = window.days === undefined || (day >= window.days[0] && day <= window.days[1]);
    if (inHours && inDays) best = Math.max(best ?? 0, window.instances);
  }
  return best ?? preset.desired;
}

export function toMemoryPreset(model: Model, preset: ModelPreset): MemoryPreset {
  const template = model.templates.get(preset.templateId);
  if (template === undefined) throw new Error(`no template ${preset.templateId}`);
  return {
    id: preset.id,
    name: `${preset.base} v${preset.version}`,
    organizationId: template.organizationId,
    templateId: template.id,
    templateVersionId: templateVersionId(template.id, preset.version),
    usingActiveVersion: template.activeVersion === preset.version,
    templateDeleted: false,
    templateDeprecated: template.deprecated,
    desiredInstances: preset.desired,
    ttlSeconds: preset.ttlSeconds,
    lastInvalidatedAt: null,
    scheduling: SCHEDULES[preset.schedule].scheduling,
    parameters: preset.parameters,
  };
}

function initialTemplates(): ModelTemplate[] {
  return [
    {
      id: "t1",
      organizationId: "org-1",
      activeVersion: 1,
      deprecated: false,
      bases: [
        { base: "t1.eu", parameters: { region: "eu" }, desired: 2, ttlSeconds: null },
        { base: "t1.big", parameters: { size: "xl" }, desired: 1, ttlSeconds: null },
        { base: "t1.eu-gpu", parameters: { region: "eu", size: "xl", gpu: "yes" }, desired: 1, ttlSeconds: null },
      ],
    },
    {
      id: "t2",
      organizationId: "org-2",
      activeVersion: 1,
      deprecated: false,
      bases: [{ base: "t2.main", parameters: {}, desired: 2, ttlSeconds: 2700 }],
    },
  ];
}

// ── real ────────────────────────────────────────────────────────────────────

export interface ProvisionerCall {
  readonly cycle: number;
  readonly method: "createPrebuilds" | "deletePrebuild" | "cancelPendingAndOrphanDelete";
  readonly presetId: string;
  readonly count: number;
  readonly workspaceId: string | null;
  /** For deletes: the workspace's owner and deletion flag when the reconciler asked. */
  readonly ownerAtCall: string | null;
  readonly deletedAtCall: boolean;
  /** For creates: whether the store's preset was active when the reconciler asked. */
  readonly activeAtCall: boolean;
  ok: boolean;
}

/** A claim made by the race hook, between the cycle's snapshot and its delete call. */
export interface RaceClaim {
  readonly presetId: string;
  readonly eligibleBefore: readonly string[];
  readonly presetActive: boolean;
  readonly result: ClaimResult | Error;
  readonly userId: string;
}

export interface Real {
  readonly clock: ManualClock;
  readonly memory: InMemoryStore;
  readonly simulator: SimulatedProvisioner;
  readonly log: CallLog;
  readonly storeFailures: Map<string, (args: readonly unknown[]) => unknown>;
  readonly metrics: RecordingMetrics;
  readonly notifier: RecordingNotifier;
  readonly reconciler: Reconciler;
  readonly calls: ProvisionerCall[];
  cycle: number;
  /** When set, the next delete call first lets this user claim from the deleted workspace's preset. */
  raceUser: string | null;
  readonly raceClaims: RaceClaim[];
  /** Notifications or metrics written while the reconciliation lock was held (must stay 0). */
  publishedUnderLock: number;
  /** True while the race hook's claim runs (its own metrics are not the cycle's). */
  racing: boolean;
  readonly capacity: number | null;
}

function lockHeld(memory: InMemoryStore): boolean {
  // The in-memory store keeps the lock in a private field; reading it is the only synchronous way
  // to tell whether a metrics write happens inside the locked part of the cycle.
  return (memory as unknown as { lockHeld: boolean }).lockHeld;
}

/** Records every provisioner call with its outcome, and can inject a racing claim before a delete. */
function recordingProvisioner(inner: Provisioner, real: () => Real): Provisioner {
  return {
    async createPrebuilds(preset: Preset, count: number) {
      const world = real();
      const stored = world.memory.listPresets().find((entry) => entry.id === preset.id);
      const call: ProvisionerCall = {
        cycle: world.cycle,
        method: "createPrebuilds",
        presetId: preset.id,
        count,
        workspaceId: null,
        ownerAtCall: null,
        deletedAtCall: false,
        activeAtCall: stored !== undefined && stored.usingActiveVersion && !stored.templateDeleted && !stored.templateDeprecated,
        ok: false,
      };
      world.calls.push(call);
      await inner.createPrebuilds(preset, count);
      call.ok = true;
    },
    async deletePrebuild(workspaceId: string) {
      const world = real();
      const target = world.memory.workspace(workspaceId);
      const stored = target === undefined ? undefined : world.memory.listPresets().find((entry) => entry.id === target.presetId);
      const active = stored !== undefined && stored.usingActiveVersion && !stored.templateDeleted && !stored.templateDeprecated;
      const eligibleBefore = target === undefined || !active ? [] : claimable(world, target.presetId, stored?.ttlSeconds ?? null);
      // The racing user strikes at the worst moment: the cycle is about to delete a claimable prebuild.
      if (world.raceUser !== null && target !== undefined && eligibleBefore.includes(workspaceId)) {
        const userId = world.raceUser;
        world.raceUser = null;
        let result: ClaimResult | Error;
        world.racing = true;
        try {
          result = await world.reconciler.claim({ presetId: target.presetId, claimant: { userId, workspaceName: "raced" } });
        } catch (error) {
          result = error instanceof Error ? error : new Error(String(error));
        } finally {
          world.racing = false;
        }
        world.raceClaims.push({ presetId: target.presetId, eligibleBefore, presetActive: active, result, userId });
      }
      const workspace = world.memory.workspace(workspaceId);
      const call: ProvisionerCall = {
        cycle: world.cycle,
        method: "deletePrebuild",
        presetId: workspace?.presetId ?? "?",
        count: 1,
        workspaceId,
        ownerAtCall: workspace?.ownerId ?? null,
        deletedAtCall: workspace?.deleted ?? true,
        activeAtCall: false,
        ok: false,
      };
      world.calls.push(call);
      await inner.deletePrebuild(workspaceId);
      call.ok = true;
    },
    async cancelPendingAndOrphanDelete(presetId: string) {
      const world = real();
      const call: ProvisionerCall = {
        cycle: world.cycle,
        method: "cancelPendingAndOrphanDelete",
        presetId,
        count: 0,
        workspaceId: null,
        ownerAtCall: null,
        deletedAtCall: false,
        activeAtCall: false,
        ok: false,
      };
      world.calls.push(call);
      const cancelled = await inner.cancelPendingAndOrphanDelete(presetId);
      call.ok = true;
      return cancelled;
    },
  };
}

export function setup(seed: number, capacity: number | null): { model: Model; real: Real } {
  const templates = initialTemplates();
  const model: Model = {
    templates: new Map(templates.map((template) => [template.id, template])),
    presets: new Map(),
    failureRate: 0,
    outage: false,
    storeFailure: null,
    pausedGlobal: false,
    pausedPresets: new Set(),
    unready: new Set(),
    claims: new Map(),
    successfulClaims: 0,
    nextUser: 1,
    lastStatus: new Map(),
    hardLimitTransitions: new Map(),
    inactiveCleanCycles: new Map(),
    healthyRounds: new Map(),
  };
  const clock = new ManualClock(START);
  const memory = new InMemoryStore({ clock, systemUserId: SYSTEM_USER, hardLimit: HARD_LIMIT });
  for (const template of templates) {
    for (const base of template.bases) {
      const preset: ModelPreset = { id: presetId(base.base, 1), base: base.base, templateId: template.id, version: 1, parameters: base.parameters, desired: base.desired, schedule: "none", ttlSeconds: base.ttlSeconds };
      model.presets.set(preset.id, preset);
      memory.upsertPreset(toMemoryPreset(model, preset));
    }
  }
  const simulator = new SimulatedProvisioner({
    store: memory,
    clock,
    seed,
    failureRate: 0,
    minLatencyMs: MIN_LATENCY_MS,
    maxLatencyMs: MAX_LATENCY_MS,
    ...(capacity === null ? {} : { capacity }),
  });
  const log = callLog();
  const storeFailures = new Map<string, (args: readonly unknown[]) => unknown>();
  const metricsInner = recordingMetrics();
  const notifierInner = recordingNotifier();
  let real: Real;
  const underLock = () => {
    if (lockHeld(memory) && !real.racing) real.publishedUnderLock += 1;
  };
  const metrics: RecordingMetrics = {
    ...metricsInner,
    incrementCounter: (name, labels, by) => {
      underLock();
      metricsInner.incrementCounter(name, labels, by);
    },
    setGauge: (name, labels, value) => {
      underLock();
      metricsInner.setGauge(name, labels, value);
    },
    observeHistogram: (name, labels, seconds) => {
      underLock();
      metricsInner.observeHistogram(name, labels, seconds);
    },
  };
  const notifier: RecordingNotifier = {
    ...notifierInner,
    hardLimitReached: async (preset) => {
      // Taking the lock succeeds only if the cycle has released it.
      const probe = await memory.withReconciliationLock(async () => undefined);
      if (!probe.acquired) real.publishedUnderLock += 1;
      await notifierInner.hardLimitReached(preset);
    },
  };
  const reconciler = new Reconciler({
    // Invariant 5 checks the counters of a store without loadBuildTotals: counted by the Reconciler's calls.
    store: withoutBuildTotals(instrument("store", memory, log, storeFailures)),
    provisioner: recordingProvisioner(instrument("provisioner", simulator, log), () => real),
    notifier,
    metrics,
    clock,
    systemUserId: SYSTEM_USER,
    maxDbConnections: 4,
  });
  real = { clock, memory, simulator, log, storeFailures, metrics, notifier, reconciler, calls: [], cycle: 0, raceUser: null, raceClaims: [], publishedUnderLock: 0, racing: false, capacity };
  return { model, real };
}

/** A fresh world; when `warm`, one cycle ran and its builds finished (failing at `failureRate`). */
export async function setupWorld(seed: number, capacity: number | null, warm: boolean, failureRate = 0): Promise<{ model: Model; real: Real }> {
  const world = setup(seed, capacity);
  world.model.failureRate = failureRate;
  world.real.simulator.failureRate = failureRate;
  if (warm) {
    world.real.cycle += 1;
    await world.real.reconciler.reconcileOnce();
    for (let step = 0; step === 0 || (buildsInProgress(world.real) > 0 && step < 60); step += 1) {
      world.real.clock.advance(MAX_LATENCY_MS);
      world.real.simulator.advance();
    }
  }
  return world;
}

// ── reading the store's rows (independently of the library) ─────────────────

function latestBuilds(real: Real): Map<string, MemoryBuild> {
  const latest = new Map<string, MemoryBuild>();
  for (const build of real.memory.listBuilds()) latest.set(build.workspaceId, build);
  return latest;
}

/** Prebuilds in the snapshot's sense: undeleted, system-owned, latest build a successful start. */
export function runningPrebuilds(real: Real, presetIdValue: string): { id: string; createdAt: Date; ready: boolean }[] {
  const latest = latestBuilds(real);
  return real.memory
    .listWorkspaces()
    .filter((workspace) => {
      const build = latest.get(workspace.id);
      return workspace.presetId === presetIdValue && !workspace.deleted && workspace.ownerId === SYSTEM_USER && build?.transition === "start" && build.status === "succeeded";
    })
    .map((workspace) => ({ id: workspace.id, createdAt: workspace.createdAt, ready: workspace.ready }));
}

/** Claimable prebuilds of a preset, oldest first then smallest id: ready and unexpired (SPEC §7). */
export function claimable(real: Real, presetIdValue: string, ttlSeconds: number | null): string[] {
  const nowMs = real.clock.now().getTime();
  return runningPrebuilds(real, presetIdValue)
    .filter((prebuild) => prebuild.ready && !(ttlSeconds !== null && ttlSeconds > 0 && nowMs - prebuild.createdAt.getTime() > ttlSeconds * 1000))
    .sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime() || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
    .map((prebuild) => prebuild.id);
}

function systemCreates(real: Real, presetIdValue: string): MemoryBuild[] {
  return real.memory.listBuilds().filter((build) => build.presetId === presetIdValue && build.transition === "start" && build.initiatorId === SYSTEM_USER);
}

/** Creates of the preset queued or running. */
export function startsInProgress(real: Real, presetIdValue: string): number {
  return systemCreates(real, presetIdValue).filter((build) => build.status === "pending" || build.status === "running").length;
}

/** Creates of the preset still queued, not picked up by a provisioner. */
export function startsQueued(real: Real, presetIdValue: string): number {
  return systemCreates(real, presetIdValue).filter((build) => build.status === "pending" && build.startedAt === null).length;
}

/** Builds of any kind still pending or running. */
export function buildsInProgress(real: Real): number {
  return real.memory.listBuilds().filter((build) => build.status === "pending" || build.status === "running").length;
}

function finishedCreates(real: Real, presetIdValue: string): MemoryBuild[] {
  return systemCreates(real, presetIdValue).filter((build) => build.status === "succeeded" || build.status === "failed");
}

/** Whether the latest finished create of the preset failed (then it may be backing off or hard-limited). */
export function latestCreateFailed(real: Real, presetIdValue: string): boolean {
  return finishedCreates(real, presetIdValue).at(-1)?.status === "failed";
}

/** The store's hard-limit rule, by hand: an active preset whose last HARD_LIMIT creates all failed. */
export function hardLimitedByRows(model: Model, real: Real, preset: ModelPreset): boolean {
  if (!isActive(model, preset)) return false;
  const finished = finishedCreates(real, preset.id);
  return finished.length >= HARD_LIMIT && finished.slice(-HARD_LIMIT).every((build) => build.status === "failed");
}

// ── coverage of the invariants (so that a test cannot pass vacuously) ───────

export interface Coverage {
  runs: number;
  claims: number;
  unavailableClaims: number;
  raceCollisions: number;
  convergenceChecks: number;
  inactiveChecks: number;
  hardLimitTransitions: number;
  failedCreates: number;
  statusChecks: number;
  planChecks: number;
  gaugeChecks: number;
}

export function emptyCoverage(): Coverage {
  return { runs: 0, claims: 0, unavailableClaims: 0, raceCollisions: 0, convergenceChecks: 0, inactiveChecks: 0, hardLimitTransitions: 0, failedCreates: 0, statusChecks: 0, planChecks: 0, gaugeChecks: 0 };
}

// ── the invariants checked after every step ─────────────────────────────────

function sumCounter(metrics: RecordingMetrics, name: string, presetIdValue?: string): number {
  let total = 0;
  for (const [key, value] of metrics.counters) {
    const [counter, labelled] = key.split(":");
    if (counter === name && (presetIdValue === undefined || labelled === presetIdValue)) total += value;
  }
  return total;
}

export function checkInvariants(model: Model, real: Real, coverage: Coverage): void {
  // 1. Claims: each workspace claimed once (checked when claimed); owners never change afterwards,
  //    and a claimed workspace is never deleted nor given a delete build.
  const deleteBuilds = real.memory.listBuilds().filter((build) => build.transition === "delete");
  for (const [workspaceId, owner] of model.claims) {
    const workspace = real.memory.workspace(workspaceId);
    expect(workspace?.ownerId, `owner of claimed ${workspaceId}`).toBe(owner);
    expect(workspace?.deleted, `claimed ${workspaceId} deleted`).toBe(false);
    expect(deleteBuilds.filter((build) => build.workspaceId === workspaceId), `delete builds of claimed ${workspaceId}`).toEqual([]);
  }

  // 2. The reconciler never deletes a workspace that is not a prebuild: every delete call named a
  //    live, system-owned workspace when it was made, except a workspace that a racing claim took
  //    in between, and that delete must have been refused; every delete build in the store is of a
  //    system-owned workspace.
  const raced = new Set(real.raceClaims.flatMap((race) => (race.result instanceof Error || race.result.status !== "claimed" ? [] : [race.result.workspace.workspaceId])));
  for (const call of real.calls) {
    if (call.method !== "deletePrebuild" || call.workspaceId === null) continue;
    if (raced.has(call.workspaceId) && call.ownerAtCall !== SYSTEM_USER) {
      expect(call.ok, `delete of just-claimed ${call.workspaceId} went through`).toBe(false);
      continue;
    }
    expect({ workspace: call.workspaceId, owner: call.ownerAtCall, deleted: call.deletedAtCall }).toEqual({ workspace: call.workspaceId, owner: SYSTEM_USER, deleted: false });
  }
  for (const build of deleteBuilds) expect(real.memory.workspace(build.workspaceId)?.ownerId, `owner of deleted ${build.workspaceId}`).toBe(SYSTEM_USER);

  // 3. Inactive presets: never a create; after INACTIVE_CYCLES clean cycles that each started with
  //    none of its creates in progress, no running prebuild of it remains.
  for (const call of real.calls) if (call.method === "createPrebuilds") expect(call.activeAtCall, `create for inactive ${call.presetId}`).toBe(true);
  for (const preset of model.presets.values()) {
    if (isActive(model, preset)) continue;
    if ((model.inactiveCleanCycles.get(preset.id) ?? 0) >= INACTIVE_CYCLES) {
      coverage.inactiveChecks += 1;
      expect(runningPrebuilds(real, preset.id).map((prebuild) => prebuild.id), `running prebuilds of inactive ${preset.id}`).toEqual([]);
    }
  }

  // 4. Hard limit: one notification per transition of the recorded status to hardLimited, and
  //    nothing published while the reconciliation lock is held.
  for (const preset of model.presets.values()) {
    const status = real.memory.presetStatus(preset.id);
    if (status === "hardLimited" && (model.lastStatus.get(preset.id) ?? "normal") !== "hardLimited") {
      model.hardLimitTransitions.set(preset.id, (model.hardLimitTransitions.get(preset.id) ?? 0) + 1);
      coverage.hardLimitTransitions += 1;
    }
    model.lastStatus.set(preset.id, status);
    const notified = real.notifier.hardLimits.filter((id) => id === preset.id).length;
    expect(notified, `hard-limit notifications of ${preset.id}`).toBe(model.hardLimitTransitions.get(preset.id) ?? 0);
  }
  expect(real.publishedUnderLock, "notifications/metrics while the lock was held").toBe(0);

  // 5. Counters equal the events: claimed = successful claims; created/failed = the counts of the
  //    createPrebuilds calls that resolved/threw, per preset.
  expect(sumCounter(real.metrics, "claimed"), "claimed counter").toBe(model.successfulClaims);
  for (const preset of model.presets.values()) {
    const creates = real.calls.filter((call) => call.method === "createPrebuilds" && call.presetId === preset.id);
    const created = creates.filter((call) => call.ok).reduce((sum, call) => sum + call.count, 0);
    const failed = creates.filter((call) => !call.ok).reduce((sum, call) => sum + call.count, 0);
    expect({ preset: preset.id, created: sumCounter(real.metrics, "created", preset.id), failed: sumCounter(real.metrics, "failed", preset.id) }).toEqual({ preset: preset.id, created, failed });
  }
}

/** Checks a claim's outcome against the model's own choice, and records it. */
export function recordClaim(
  model: Model,
  coverage: Coverage,
  expected: { presetId: string | null; eligible: readonly string[]; userId: string },
  result: ClaimResult,
): void {
  if (expected.presetId === null) {
    expect(result).toMatchObject({ status: "unavailable", presetId: null });
    coverage.unavailableClaims += 1;
    return;
  }
  const oldest = expected.eligible[0];
  if (oldest === undefined) {
    expect(result).toMatchObject({ status: "unavailable", presetId: expected.presetId });
    coverage.unavailableClaims += 1;
    return;
  }
  expect(result.status, `claim from ${expected.presetId} with ${expected.eligible.length} eligible`).toBe("claimed");
  if (result.status !== "claimed") return;
  expect(result.workspace).toMatchObject({ workspaceId: oldest, presetId: expected.presetId, ownerId: expected.userId });
  expect(model.claims.has(result.workspace.workspaceId), `workspace ${result.workspace.workspaceId} claimed twice`).toBe(false);
  model.claims.set(result.workspace.workspaceId, expected.userId);
  model.successfulClaims += 1;
  model.healthyRounds.delete(expected.presetId);
  coverage.claims += 1;
}

// ── the model's own plan for one preset (SPEC §4–§5 with the store's backoff rule) ─────────────

/** The store's backoff lookback and the reconciler's default backoff interval. */
const BACKOFF_LOOKBACK_MS = 3_600_000;
const BACKOFF_INTERVAL_MS = 60_000;

export interface ExpectedActions {
  /** Workspaces the cycle must ask to delete. */
  readonly deletes: readonly string[];
  /** Instances the cycle must ask to create (0: no create call). */
  readonly create: number;
  /** Whether the cycle must cancel queued creates. */
  readonly cancel: boolean;
  /** Whether the cycle must report a backoff instead of a create. */
  readonly backoff: boolean;
  /** Whether the cycle may skip the preset (inactive, nothing running, nothing queued). */
  readonly skippable: boolean;
}

/** What a cycle at `nowMs` must ask the provisioner to do for `preset`, from the store's rows. */
export function expectedActions(model: Model, real: Real, preset: ModelPreset, nowMs: number): ExpectedActions {
  const running = runningPrebuilds(real, preset.id);
  if (!isActive(model, preset)) {
    const queued = startsQueued(real, preset.id);
    return { deletes: running.map((prebuild) => prebuild.id).sort(), create: 0, cancel: queued > 0, backoff: false, skippable: running.length === 0 && queued === 0 };
  }
  const ttl = preset.ttlSeconds;
  const expired = running.filter((prebuild) => ttl !== null && ttl > 0 && nowMs - prebuild.createdAt.getTime() > ttl * 1000);
  const unexpired = running.filter((prebuild) => !expired.includes(prebuild));
  const desired = modelDesired(model, preset, nowMs);
  const surplus = [...unexpired]
    .sort((left, right) => Number(left.ready) - Number(right.ready) || left.createdAt.getTime() - right.createdAt.getTime() || (left.id < right.id ? -1 : 1))
    .slice(0, Math.max(unexpired.length - desired, 0));
  const toCreate = Math.max(desired - unexpired.length - startsInProgress(real, preset.id), 0);
  const finished = finishedCreates(real, preset.id);
  const latest = finished.at(-1);
  const hardLimited = hardLimitedByRows(model, real, preset);
  let backingOff = false;
  if (latest?.status === "failed") {
    const recent = finished.filter((build) => build.status === "failed" && nowMs - build.createdAt.getTime() <= BACKOFF_LOOKBACK_MS).length;
    backingOff = recent > 0 && nowMs <= latest.createdAt.getTime() + recent * BACKOFF_INTERVAL_MS;
  }
  return {
    deletes: [...expired, ...surplus].map((prebuild) => prebuild.id).sort(),
    create: hardLimited || backingOff ? 0 : toCreate,
    cancel: false,
    backoff: toCreate > 0 && !hardLimited && backingOff,
    skippable: false,
  };
}
