/**
 * A seeded chaos soak of the Reconciler over the in-memory world (issue 10 §4): two replicas share
 * one store; every step moves time, injects faults (hung, failing and late port calls, a lost lock,
 * a provisioner that shows builds late, permanent and transient build failures, replica restarts
 * mid-cycle, claims racing cycles, clock jumps) and checks the invariants. Then the faults stop and
 * the pools must converge within a bounded number of cycles.
 */

import {
  desiredInstances,
  isPresetActive,
  PermanentBuildError,
  Reconciler,
  type Clock,
  type FencedCallContext,
  type Preset,
  type Provisioner,
  type Store,
} from "../../src/index.js";
import { InMemoryStore, SimulatedProvisioner, type MemoryPreset } from "../../src/testing.js";
import { seededRandom } from "../../src/internal/random.js";

const SYSTEM = "prebuilds-soak";
const START = Date.parse("2025-06-02T06:00:00.000Z");

/** A clock the soak moves by hand, forwards and (for the clock-jump fault) backwards. */
class SoakClock implements Clock {
  constructor(public nowMs: number) {}
  now(): Date {
    return new Date(this.nowMs);
  }
}

/** The kinds of fault the soak injects. */
export const FAULT_KINDS = [
  "providerHang",
  "providerFailure",
  "providerLate",
  "storeHang",
  "storeFailure",
  "lockLost",
  "laggingBuilds",
  "transientBuildFailures",
  "permanentBuildFailure",
  "replicaRestart",
  "claimRace",
  "clockJump",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a soak run measured. */
export interface SoakReport {
  readonly seed: number;
  readonly steps: number;
  readonly cycles: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly claims: { readonly served: number; readonly missed: number };
  /** Invariant violations; each must be 0. */
  readonly violations: {
    /** A claimed workspace was deleted. */
    readonly claimedDeleted: number;
    /** A side effect was attempted by a replica that did not hold the lock at that moment. */
    readonly actedWithoutLock: number;
    /** A replica created prebuilds beyond the desired count, counting what it could know (the store, and its own creates not yet visible). */
    readonly overProvisioned: number;
  };
  /** Prebuilds above desired that came from creates another replica (or a restarted one) made and the store did not show yet, or from a replica's own hidden creates once such a create showed and stood in for them: not knowable, reported for the record. */
  readonly unknowableExcess: number;
  /** Cycles after the last fault until every pool was exactly at its desired size with nothing in flight. */
  readonly cyclesToConverge: number;
  readonly converged: boolean;
}

interface Replica {
  instance: number;
  reconciler: Reconciler;
}

/** Per-call fault switches for one port method. */
type CallFault = "none" | "hang" | "fail" | "late";

function presetsFor(): MemoryPreset[] {
  const base = {
    organizationId: "org",
    templateId: "template",
    templateVersionId: "v1",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    lastInvalidatedAt: null,
    parameters: {},
  };
  return [
    { ...base, id: "steady", name: "steady", desiredInstances: 3, ttlSeconds: null, scheduling: null },
    { ...base, id: "office", name: "office", desiredInstances: 1, ttlSeconds: 4 * 3600, scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 8-17 * * 1-5", instances: 4 }], leadTimeSeconds: 900 } },
    { ...base, id: "shortlived", name: "shortlived", desiredInstances: 2, ttlSeconds: 1800, scheduling: null },
    { ...base, id: "fragile", name: "fragile", desiredInstances: 2, ttlSeconds: null, scheduling: null },
    { ...base, id: "night", name: "night", desiredInstances: 0, ttlSeconds: null, scheduling: { timezone: "America/New_York", schedules: [{ cron: "* 0-5 * * *", instances: 2 }] } },
  ];
}

/** Runs one soak. Same seed and steps, same faults and same report. */
export async function runMemorySoak(options: { readonly seed: number; readonly steps: number; readonly convergeWithin?: number }): Promise<SoakReport> {
  const random = seededRandom(options.seed);
  const chance = (probability: number) => random() < probability;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const clock = new SoakClock(START);
  const store = new InMemoryStore({ clock, systemUserId: SYSTEM, hardLimit: 3 });
  for (const preset of presetsFor()) store.upsertPreset(preset);
  const simulator = new SimulatedProvisioner({ store, clock, seed: options.seed, minLatencyMs: 60_000, maxLatencyMs: 180_000, failureRate: 0 });

  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const violations = { claimedDeleted: 0, actedWithoutLock: 0, overProvisioned: 0 };
  let unknowableExcess = 0;
  let cycles = 0;
  const claims = { served: 0, missed: 0 };
  const claimedIds = new Set<string>();
  /**
   * Creates accepted while builds show late, by the replica instance that asked, not yet in the store.
   * `shadowed`: since the call, a create of the same preset by another instance (unknown to this one) became
   * visible, which this instance cannot tell apart from its own (see `deliverInvisible`).
   */
  const invisible: { at: number; preset: Preset; count: number; instance: number; shadowed: boolean }[] = [];
  let lagMs = 0;
  /** Presets whose configuration cannot build until the admin changes it. */
  const permanentlyBroken = new Set<string>();
  const providerFault: Record<string, CallFault> = {};
  const storeFault: Record<string, CallFault> = {};
  let releaseLate: (() => void)[] = [];
  let nextInstance = 0;

  /** Whether the lease token names the current holding of the lock. */
  const holdsLock = (context: FencedCallContext | undefined) => store.lockHeld && context?.fencingToken === currentToken;
  let currentToken: string | null = null;

  const desiredNow = (preset: Preset) => (isPresetActive(preset) ? desiredInstances(preset, clock.now()) : 0);
  /** Prebuilds that exist and are not going away: being built or running, unexpired, not being deleted. */
  const alive = (presetId: string): number => {
    const preset = store.listPresets().find((candidate) => candidate.id === presetId);
    if (preset === undefined) return 0;
    const latest = new Map<string, { transition: string; status: string }>();
    for (const build of store.listBuilds()) latest.set(build.workspaceId, build);
    let count = 0;
    for (const workspace of store.listWorkspaces()) {
      if (workspace.presetId !== presetId || workspace.deleted || workspace.ownerId !== SYSTEM) continue;
      const build = latest.get(workspace.id);
      if (build === undefined || build.transition !== "start" || !["pending", "running", "succeeded"].includes(build.status)) continue;
      const expiredByAge = preset.ttlSeconds ? clock.nowMs - workspace.createdAt.getTime() > preset.ttlSeconds * 1000 : false;
      if (!expiredByAge) count += 1;
    }
    return count;
  };

  function faultyProvisioner(instance: number): Provisioner {
    const gate = async <T>(method: string, context: FencedCallContext | undefined, act: () => Promise<T>): Promise<T | undefined> => {
      if (!holdsLock(context)) violations.actedWithoutLock += 1;
      const fault = providerFault[method] ?? "none";
      if (fault === "hang") return new Promise<never>(() => {});
      if (fault === "fail") throw new Error(`${method}: provisioner unavailable`);
      if (fault === "late") {
        // The work happens, but the reply comes after the deadline; a fenced provisioner re-checks the token when it acts.
        await new Promise<void>((resolve) => releaseLate.push(resolve));
        if (!holdsLock(context)) return undefined;
      }
      return act();
    };
    return {
      createPrebuilds: async (preset, count, context) => {
        await gate("createPrebuilds", context, async () => {
          if (permanentlyBroken.has(preset.id)) throw new PermanentBuildError(`preset ${preset.id} does not validate`);
          const ownUnshadowed = (entry: (typeof invisible)[number]) => entry.instance === instance && !entry.shadowed;
          const known = alive(preset.id) + invisible.filter((entry) => entry.preset.id === preset.id && ownUnshadowed(entry)).reduce((sum, entry) => sum + entry.count, 0);
          const unknown = invisible.filter((entry) => entry.preset.id === preset.id && !ownUnshadowed(entry)).reduce((sum, entry) => sum + entry.count, 0);
          const desired = Math.max(desiredNow(preset), desiredBefore.get(preset.id) ?? 0);
          const excess = Math.max(0, known + count - desired);
          violations.overProvisioned += excess;
          unknowableExcess += Math.max(0, known + unknown + count - desired) - excess;
          if (lagMs > 0) invisible.push({ at: clock.nowMs + lagMs, preset, count, instance, shadowed: false });
          else await simulator.createPrebuilds(preset, count, context);
        });
      },
      deletePrebuild: async (workspaceId, context) => {
        await gate("deletePrebuild", context, () => simulator.deletePrebuild(workspaceId, context));
      },
      cancelPendingAndOrphanDelete: async (presetId, context) => (await gate("cancelPendingAndOrphanDelete", context, () => simulator.cancelPendingAndOrphanDelete(presetId, context))) ?? 0,
    };
  }

  function faultyStore(): Store {
    const wrapped = Object.create(store) as Store;
    for (const method of ["loadSnapshot", "isPaused", "organizationsWithPrebuildStatus", "setPresetStatus"] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (wrapped as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const fault = storeFault[method] ?? "none";
        if (fault === "hang") return new Promise(() => {});
        if (fault === "fail") return Promise.reject(new Error(`${method}: connection reset`));
        return original(...args);
      };
    }
    wrapped.withReconciliationLock = (work, context) =>
      store.withReconciliationLock((lease) => {
        currentToken = lease.fencingToken;
        return work(lease);
      }, context);
    return wrapped;
  }

  const newReplica = (): Replica => {
    const instance = nextInstance;
    nextInstance += 1;
    return {
      instance,
      reconciler: new Reconciler({
        store: faultyStore(),
        provisioner: faultyProvisioner(instance),
        clock,
        systemUserId: SYSTEM,
        maxDbConnections: 4,
        timeouts: { storeMs: 15, provisionerMs: 15, notifierMs: 15, cycleMs: 200 },
        // Expectations outlive the worst lag the soak injects (2 min, plus a 2-minute jump back).
        policy: { backoff: { kind: "exponential", capMs: 600_000 }, hardLimitRetryMs: 300_000, expectationTtlMs: 300_000 },
      }),
    };
  };
  const replicas = [newReplica(), newReplica()];
  const desiredBefore = new Map<string, number>();

  const healAll = () => {
    for (const key of Object.keys(providerFault)) providerFault[key] = "none";
    for (const key of Object.keys(storeFault)) storeFault[key] = "none";
    simulator.failureRate = 0;
    lagMs = 0;
    // The admin fixes each broken preset: a new configuration lifts its block.
    for (const presetId of permanentlyBroken) store.updatePreset(presetId, (preset) => ({ ...preset, name: `${preset.name}'` }));
    permanentlyBroken.clear();
  };

  const deliverInvisible = async () => {
    for (let index = invisible.length - 1; index >= 0; index -= 1) {
      const entry = invisible[index];
      if (entry === undefined || entry.at > clock.nowMs) continue;
      invisible.splice(index, 1);
      // Why a create showing here makes other instances' hidden creates of the preset unknowable to them:
      // builds carry no sign of who asked for them (SPEC §10: the Provisioner creates "N builds for a
      // preset" and names none; createPrebuilds returns void), so a replica counts its call as shown at
      // the first new build of the preset after the call (docs/decision-rules.md §20). This create was
      // made by another replica, or by this replica's life before a restart, while the store hid it;
      // once it shows, it stands in for their still hidden creates, which from then on count as
      // unknowable too (seed 2 at 3 000 steps: a restarted replica's
      // create was taken for its successor's, a claim then left one missing, and the successor created
      // while its own create was still hidden). Only this case: an instance's own earlier creates (whose
      // order the replica tracks) and hidden creates nothing stood in for stay known.
      for (const other of invisible) if (other.preset.id === entry.preset.id && other.instance !== entry.instance) other.shadowed = true;
      await simulator.createPrebuilds(entry.preset, entry.count);
    }
  };

  const checkClaimed = () => {
    for (const workspace of store.listWorkspaces()) if (claimedIds.has(workspace.id) && workspace.deleted) violations.claimedDeleted += 1;
  };

  const cycleAll = async (extra: Promise<unknown>[] = []) => {
    for (const preset of store.listPresets()) desiredBefore.set(preset.id, desiredNow(preset));
    const results = await Promise.all([...replicas.map((replica) => replica.reconciler.reconcileOnce()), ...extra]);
    cycles += replicas.length;
    return results;
  };

  const claimOne = async () => {
    const preset = pick(store.listPresets());
    const result = await replicas[0]?.reconciler.claim({ presetId: preset.id, claimant: { userId: `user-${claims.served + claims.missed}`, workspaceName: "w" } }).catch(() => null);
    if (result?.status === "claimed") {
      claims.served += 1;
      claimedIds.add(result.workspace.workspaceId);
    } else claims.missed += 1;
  };

  for (let step = 0; step < options.steps; step += 1) {
    clock.nowMs += 5_000 + Math.floor(random() * 55_000);
    simulator.advance();
    await deliverInvisible();
    // Faults: each step may start one and heal another.
    if (chance(0.3)) {
      const kind = pick(FAULT_KINDS);
      faults[kind] += 1;
      switch (kind) {
        case "providerHang":
        case "providerFailure":
        case "providerLate":
          providerFault[pick(["createPrebuilds", "deletePrebuild", "cancelPendingAndOrphanDelete"])] = kind === "providerHang" ? "hang" : kind === "providerFailure" ? "fail" : "late";
          break;
        case "storeHang":
        case "storeFailure":
          storeFault[pick(["loadSnapshot", "isPaused", "organizationsWithPrebuildStatus", "setPresetStatus"])] = kind === "storeHang" ? "hang" : "fail";
          break;
        case "lockLost":
          // Lost in the middle of a cycle, as a dying database connection would.
          setTimeout(() => store.loseLock(), 0);
          break;
        case "laggingBuilds":
          lagMs = 30_000 + Math.floor(random() * 90_000);
          break;
        case "transientBuildFailures":
          simulator.failureRate = 0.5;
          break;
        case "permanentBuildFailure":
          permanentlyBroken.add(pick(["fragile", "shortlived"]));
          break;
        case "replicaRestart": {
          const index = Math.floor(random() * replicas.length);
          const old = replicas[index];
          // Stopped mid-cycle: its memory is gone, a fresh instance takes its place.
          setTimeout(() => void old?.reconciler.stop(), 0);
          replicas[index] = newReplica();
          break;
        }
        case "claimRace":
          await cycleAll([claimOne(), claimOne(), claimOne()]);
          break;
        case "clockJump":
          // An hour forward (the world moves on with it: builds finish, queued ones show), or two minutes back.
          clock.nowMs += chance(0.5) ? 3_600_000 : -120_000;
          simulator.advance();
          await deliverInvisible();
          break;
        default: {
          const unknown: never = kind;
          throw new Error(`unknown fault ${String(unknown)}`);
        }
      }
    }
    if (chance(0.2)) healAll();
    if (chance(0.3)) await claimOne();
    await cycleAll();
    for (const release of releaseLate) release();
    releaseLate = [];
    checkClaimed();
  }

  // The faults stop: the pools must converge.
  healAll();
  for (const release of releaseLate) release();
  releaseLate = [];
  const limit = options.convergeWithin ?? 40;
  let cyclesToConverge = 0;
  let converged = false;
  for (let round = 0; round < limit && !converged; round += 1) {
    clock.nowMs += 60_000;
    simulator.advance();
    await deliverInvisible();
    await cycleAll();
    cyclesToConverge += 1;
    checkClaimed();
    converged = invisible.length === 0 && store.listPresets().every((preset) => settled(preset));
  }
  function settled(preset: Preset): boolean {
    const snapshotBuilds = store.listBuilds().filter((build) => build.presetId === preset.id && (build.status === "pending" || build.status === "running"));
    return snapshotBuilds.length === 0 && alive(preset.id) === desiredNow(preset);
  }
  await Promise.all(replicas.map((replica) => replica.reconciler.stop()));
  return { seed: options.seed, steps: options.steps, cycles, faults, claims, violations, unknowableExcess, cyclesToConverge, converged };
}
