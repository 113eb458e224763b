/**
 * `Reconciler.reconcileOnce()` against the in-memory world, with every store and provisioner call
 * counted by a wrapper: the steady state, a cycle where 10 % of presets need work, and the three
 * scenarios the Go system benchmarks (no-ops, connection contention, mix) with maxDbConnections 10.
 */

import { Reconciler, UNCLAIMED_LIFECYCLE, type Preset, type Provisioner, type ReconcileStats } from "../src/index.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";
import { NOW, NOW_MS } from "./data.js";
import { CallCounter, counting, time, type RunOptions, type Timing } from "./measure.js";

const SYSTEM_USER = "prebuilds-system";
const HOUR_MS = 3_600_000;
const MAX_DB_CONNECTIONS = 10;

/** Store methods that write. Everything else the reconciler calls on the store reads or locks. */
export const STORE_WRITES = ["addSystemUserToOrganization", "createPrebuildsGroup", "addSystemUserToPrebuildsGroup", "setPresetStatus", "claim"] as const;
const OTHER_READS = ["isPaused", "organizationsWithPrebuildStatus", "presetsOfTemplateVersion"] as const;

/** How one preset of a world starts out. */
interface PresetLayout {
  readonly active: boolean;
  readonly desired: number;
  /** Ready prebuilds, created an hour ago (well within the 24 h TTL). */
  readonly fresh: number;
  /** Prebuilds created 25 h ago: past the TTL. */
  readonly expired: number;
  /** Two schedules in Europe/Berlin that want `desired` now (Monday 10:00 there). */
  readonly scheduled: boolean;
}

/** What one cycle of a scenario did, from the counting wrappers. */
export interface CycleCounts {
  readonly snapshotReads: number;
  readonly otherReads: number;
  readonly locks: number;
  readonly writes: number;
  readonly provisionerCalls: number;
  readonly provisionerByMethod: Readonly<Record<string, number>>;
  /** The most provisioner calls that were in flight at once. */
  readonly maxConcurrentProvisionerCalls: number;
  readonly stats: Pick<ReconcileStats, "presetsTotal" | "presetsReconciled" | "actions" | "errors">;
}

/** One scenario's figures. */
export interface ReconcilerResult {
  readonly name: string;
  readonly description: string;
  readonly presets: number;
  readonly timing: Timing;
  readonly counts: CycleCounts;
  /** For scenarios with a slow provisioner: calls × latency ÷ concurrency, the least a cycle can take. */
  readonly floorMs: number | null;
  readonly concurrency: number;
}

interface World {
  readonly reconciler: Reconciler;
  readonly store: CallCounter;
  readonly provisioner: CallCounter;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A provisioner that takes `latencyMs` per call (a network round trip), then does what the simulator does. */
function slowProvisioner(inner: Provisioner, latencyMs: number): Provisioner {
  return {
    async createPrebuilds(preset: Preset, count: number) {
      await sleep(latencyMs);
      return inner.createPrebuilds(preset, count);
    },
    async deletePrebuild(workspaceId: string) {
      await sleep(latencyMs);
      return inner.deletePrebuild(workspaceId);
    },
    async cancelPendingAndOrphanDelete(presetId: string) {
      await sleep(latencyMs);
      return inner.cancelPendingAndOrphanDelete(presetId);
    },
  };
}

async function buildWorld(presetCount: number, layout: (index: number) => PresetLayout, latencyMs: number): Promise<World> {
  const clock = new ManualClock(NOW);
  const memory = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
  const organizations = new Set<string>();
  for (let index = 0; index < presetCount; index += 1) {
    const shape = layout(index);
    const organizationId = `org-${index % 20}`;
    organizations.add(organizationId);
    const preset: MemoryPreset = {
      id: `preset-${String(index).padStart(5, "0")}`,
      name: `preset ${index}`,
      organizationId,
      templateId: `template-${index % 100}`,
      templateVersionId: `version-${index % 100}`,
      usingActiveVersion: shape.active,
      templateDeleted: false,
      templateDeprecated: false,
      desiredInstances: shape.desired,
      ttlSeconds: 24 * 3600,
      lastInvalidatedAt: null,
      scheduling: shape.scheduled
        ? { timezone: "Europe/Berlin", schedules: [{ cron: "* 8-18 * * 1-5", instances: shape.desired }, { cron: "* 8-14 * * 6", instances: 1 }] }
        : null,
      parameters: { region: `region-${index % 3}` },
    };
    memory.upsertPreset(preset);
    const ages = [...Array<number>(shape.fresh).fill(HOUR_MS), ...Array<number>(shape.expired).fill(25 * HOUR_MS)];
    for (const ageMs of ages) {
      const createdAt = new Date(NOW_MS - ageMs);
      const id = memory.newId("ws");
      memory.insertWorkspace({ id, presetId: preset.id, ownerId: SYSTEM_USER, name: `prebuild-${id}`, createdAt, ready: true, deleted: false, lifecycle: UNCLAIMED_LIFECYCLE });
      memory.insertBuild({ id: memory.newId("build"), workspaceId: id, presetId: preset.id, transition: "start", status: "succeeded", createdAt, startedAt: createdAt, initiatorId: SYSTEM_USER });
    }
  }
  // The system user is already a member everywhere: a world that has run before.
  for (const organizationId of organizations) {
    await memory.addSystemUserToOrganization(organizationId);
    await memory.createPrebuildsGroup(organizationId);
    await memory.addSystemUserToPrebuildsGroup(organizationId);
  }
  const simulator = new SimulatedProvisioner({ store: memory, clock, seed: 1 });
  const store = new CallCounter();
  const provisioner = new CallCounter();
  const reconciler = new Reconciler({
    store: counting(memory, store),
    provisioner: counting(latencyMs > 0 ? slowProvisioner(simulator, latencyMs) : simulator, provisioner),
    clock,
    systemUserId: SYSTEM_USER,
    maxDbConnections: MAX_DB_CONNECTIONS,
  });
  return { reconciler, store, provisioner };
}

async function countOneCycle(world: World): Promise<CycleCounts> {
  world.store.reset();
  world.provisioner.reset();
  const stats = await world.reconciler.reconcileOnce();
  if (stats.errors > 0) throw new Error(`cycle failed: ${stats.failures.map((failure) => `${failure.operation}: ${failure.message}`).join("; ")}`);
  return {
    snapshotReads: world.store.count("loadSnapshot"),
    otherReads: world.store.total(OTHER_READS),
    locks: world.store.count("withReconciliationLock"),
    writes: world.store.total(STORE_WRITES),
    provisionerCalls: world.provisioner.total(),
    provisionerByMethod: Object.fromEntries(world.provisioner.calls),
    maxConcurrentProvisionerCalls: world.provisioner.maxInFlight,
    stats: { presetsTotal: stats.presetsTotal, presetsReconciled: stats.presetsReconciled, actions: stats.actions, errors: stats.errors },
  };
}

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly presets: number;
  readonly layout: (index: number) => PresetLayout;
  /** Provisioner latency per call, ms. */
  readonly latencyMs: number;
  /** Whether a cycle changes the world (then every timed cycle gets a fresh world, built untimed). */
  readonly mutates: boolean;
  readonly run: RunOptions;
}

const PRESETS = 1_000;
const steady = (index: number): PresetLayout => ({ active: true, desired: 10, fresh: 10, expired: 0, scheduled: index % 2 === 0 });
const idle = (): PresetLayout => ({ active: false, desired: 2, fresh: 0, expired: 0, scheduled: false });
const empty = (): PresetLayout => ({ active: true, desired: 2, fresh: 0, expired: 0, scheduled: false });

const SCENARIOS: readonly Scenario[] = [
  {
    name: "steady state",
    description: "1,000 active presets, each with its 10 ready prebuilds (half on schedules in Europe/Berlin): nothing due",
    presets: PRESETS,
    layout: steady,
    latencyMs: 0,
    mutates: false,
    run: { time: 1_500, iterations: 20, warmupIterations: 5 },
  },
  {
    name: "10% need work",
    description: "as the steady state, but one preset in 20 lacks 2 prebuilds and one in 20 has 1 of its 10 expired",
    presets: PRESETS,
    layout: (index) => (index % 20 === 0 ? { ...steady(index), fresh: 8 } : index % 20 === 10 ? { ...steady(index), fresh: 9, expired: 1 } : steady(index)),
    latencyMs: 0,
    mutates: true,
    run: { time: 500, iterations: 10, warmupIterations: 2 },
  },
  {
    name: "Go: no-ops",
    description: "1,000 inactive presets with nothing to do: every one skipped by canSkipReconciliation",
    presets: PRESETS,
    layout: idle,
    latencyMs: 0,
    mutates: false,
    run: { time: 1_000, iterations: 50, warmupIterations: 10 },
  },
  {
    name: "Go: connection contention",
    description: "1,000 active presets that each need 2 creates; provisioner 1 ms per call",
    presets: PRESETS,
    layout: empty,
    latencyMs: 1,
    mutates: true,
    run: { time: 0, iterations: 5, warmupIterations: 1 },
  },
  {
    name: "Go: mix",
    description: "990 idle inactive presets and 10 that each need 2 creates; provisioner 1 ms per call",
    presets: PRESETS,
    layout: (index) => (index % 100 === 0 ? empty() : idle()),
    latencyMs: 1,
    mutates: true,
    run: { time: 500, iterations: 10, warmupIterations: 2 },
  },
];

/** Runs every scenario: counts from one cycle, then timing with tinybench. */
export async function benchmarkReconciler(log: (line: string) => void): Promise<ReconcilerResult[]> {
  const results: ReconcilerResult[] = [];
  for (const scenario of SCENARIOS) {
    const counted = await buildWorld(scenario.presets, scenario.layout, scenario.latencyMs);
    if (!scenario.mutates) await counted.reconciler.reconcileOnce(); // the steady state is what follows a cycle
    const counts = await countOneCycle(counted);
    let world = scenario.mutates ? await buildWorld(scenario.presets, scenario.layout, scenario.latencyMs) : counted;
    const hooks = scenario.mutates
      ? {
          beforeEach: async () => {
            world = await buildWorld(scenario.presets, scenario.layout, scenario.latencyMs);
          },
        }
      : {};
    const timing = await time(scenario.name, () => world.reconciler.reconcileOnce(), { ...scenario.run, hooks });
    const concurrency = counted.reconciler.concurrency;
    const floorMs = scenario.latencyMs > 0 ? (Math.ceil(counts.provisionerCalls / concurrency) * scenario.latencyMs) : null;
    results.push({ name: scenario.name, description: scenario.description, presets: scenario.presets, timing, counts, floorMs, concurrency });
    log(`  ${scenario.name.padEnd(26)} ${timing.medianMs.toFixed(2)} ms median; snapshot reads ${counts.snapshotReads}, writes ${counts.writes}, provisioner calls ${counts.provisionerCalls}`);
  }
  return results;
}
