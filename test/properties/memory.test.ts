/**
 * Properties of the memory a plan returns (SPEC §11, §12; issue 10 §3, expectations):
 *   (a) with random memory and snapshots, a delete asked for is not asked again while it is expected;
 *   (b) over a store that shows builds late, creates never take a pool above its desired count;
 *   (c) without memory and without the new policy settings, plans are exactly what they were;
 *   (d) with memory, nextChangeAt is still never later than the first change of the decisions.
 */

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  calculateActions,
  EMPTY_MEMORY,
  nextChangeAt,
  type GlobalSnapshot,
  planCycle,
  type PresetMemory,
  type PresetMemoryRow,
  type PresetSnapshot,
  type ReconcilePolicy,
  type RunningPrebuild,
} from "../../src/index.js";
import { caseArb, DAY_MS, HOUR_MS, MINUTE_MS, multiCaseArb, toGlobal } from "./arbitraries.js";
import { clockAt, decisions, deletedIds } from "./oracle.js";

// Property runs take seconds; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 120_000 });

const SECOND_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Random memory for a snapshot: expectations about its own prebuilds and about strangers, fresh
// and expired, and stabilization peaks in the order the core keeps them (each smaller, later).

function memoryArb(snapshot: PresetSnapshot, nowMs: number): fc.Arbitrary<PresetMemory> {
  const ownIds = snapshot.running.map((prebuild) => prebuild.id);
  const someId = ownIds.length > 0 ? fc.oneof(fc.constantFrom(...ownIds), fc.constantFrom("gone-1", "gone-2")) : fc.constantFrom("gone-1", "gone-2");
  const expiry = fc.integer({ min: -2 * MINUTE_MS, max: 2 * MINUTE_MS }).map((offset) => new Date(nowMs + offset));
  const expectedCreates = fc.option(
    fc.integer({ min: 0, max: 4 }).chain((count) =>
      fc.record({
        count: fc.constant(count),
        fromEarlierCalls: fc.integer({ min: 0, max: count }),
        startingBaseline: fc.integer({ min: 0, max: 4 }),
        runningBaseline: fc.uniqueArray(someId, { maxLength: 4 }),
        askedAt: fc.integer({ min: -3 * MINUTE_MS, max: 0 }).map((offset) => new Date(nowMs + offset)),
        expiresAt: expiry,
      }),
    ),
  );
  const expectedDeletes = fc.uniqueArray(fc.record({ workspaceId: someId, expiresAt: expiry }), { selector: (entry) => entry.workspaceId, maxLength: 4 });
  const desiredPeaks = fc
    .uniqueArray(fc.integer({ min: 1, max: 10 * MINUTE_MS }), { maxLength: 3 })
    .chain((ages) =>
      fc.uniqueArray(fc.integer({ min: 0, max: 8 }), { minLength: ages.length, maxLength: ages.length }).map((counts) => {
        const oldestFirst = [...ages].sort((left, right) => right - left);
        const largestFirst = [...counts].sort((left, right) => right - left);
        return oldestFirst.map((age, index) => ({ at: new Date(nowMs - age), desired: largestFirst[index] ?? 0 }));
      }),
    );
  return fc.record({
    expectedCreates,
    expectedDeletes,
    desiredPeaks,
    createWindow: fc.integer({ min: 1, max: 16 }),
    createWindowUsed: fc.boolean(),
  });
}

const newPolicyArb: fc.Arbitrary<Partial<ReconcilePolicy>> = fc.record(
  {
    expectationTtlMs: fc.integer({ min: SECOND_MS, max: 5 * MINUTE_MS }),
    scaleDownStabilizationMs: fc.constantFrom(0, 30 * SECOND_MS, 5 * MINUTE_MS),
    slowStart: fc.boolean(),
    maxCreatesInFlight: fc.integer({ min: 0, max: 10 }),
    maxCreatesPerCycle: fc.integer({ min: 0, max: 10 }),
    hardLimitRetryMs: fc.constantFrom(0, MINUTE_MS, HOUR_MS),
    backoff: fc.constantFrom({ kind: "linear" } as const, { kind: "exponential", capMs: 10 * MINUTE_MS } as const),
  },
  { requiredKeys: [] },
);

const memoryCaseArb = fc
  .record({ base: multiCaseArb, rowSplit: fc.nat(), newPolicy: newPolicyArb })
  .chain(({ base, rowSplit, newPolicy }) =>
    fc.tuple(...base.snapshots.map((snapshot) => fc.option(memoryArb(snapshot, base.nowMs), { freq: 4 }))).map((memories) => {
      const memory: PresetMemoryRow[] = [];
      memories.forEach((remembered, index) => {
        const presetId = base.snapshots[index]?.preset.id;
        if (remembered !== null && presetId !== undefined) memory.push({ presetId, ...remembered });
      });
      const policy: Partial<ReconcilePolicy> = { ...(base.policy ?? {}), ...newPolicy };
      return { nowMs: base.nowMs, global: { ...toGlobal(base.snapshots, rowSplit), memory }, policy };
    }),
  );

function memoryRows(plan: ReturnType<typeof planCycle>): PresetMemoryRow[] {
  return plan.presets.map((entry) => ({ presetId: entry.presetId, ...entry.memory }));
}

describe("(a) expected deletes are not asked again", () => {
  it("while the store still shows them, no cycle deletes a workspace an earlier cycle asked to delete", () => {
    let deletes = 0;
    fc.assert(
      fc.property(memoryCaseArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), ({ nowMs, global, policy }, steps) => {
        const ttlMs = policy.expectationTtlMs ?? 60_000;
        let plan = planCycle(global, clockAt(nowMs), policy);
        const asked = new Map<string, number>(); // workspace id → when its delete expectation ends
        for (const entry of plan.presets) for (const id of deletedIds(entry.actions)) asked.set(id, nowMs + ttlMs);
        let atMs = nowMs;
        for (const step of steps) {
          // The store has not caught up: the same rows, the memory the last plan returned, a little later.
          atMs = Math.min(nowMs + ttlMs, atMs + Math.floor(step * ttlMs));
          plan = planCycle({ ...global, memory: memoryRows(plan) }, clockAt(atMs), policy);
          for (const entry of plan.presets) {
            for (const id of deletedIds(entry.actions)) {
              const until = asked.get(id);
              if (until !== undefined && atMs <= until) expect.fail(`${id} deleted again at +${atMs - nowMs} ms, its delete is expected until +${until - nowMs} ms`);
              asked.set(id, atMs + ttlMs);
              deletes += 1;
            }
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(deletes > 0).toBe(true);
  });

  it("a plan with memory deletes nothing its memory expects, and never one id twice", () => {
    fc.assert(
      fc.property(memoryCaseArb, ({ nowMs, global, policy }) => {
        const plan = planCycle(global, clockAt(nowMs), policy);
        expect(plan.invalid).toEqual([]);
        const shown = new Set(global.running.map((prebuild) => prebuild.id));
        for (const entry of plan.presets) {
          const expected = (global.memory ?? []).find((row) => row.presetId === entry.presetId);
          const pending = new Set((expected?.expectedDeletes ?? []).filter((row) => nowMs <= row.expiresAt.getTime() && shown.has(row.workspaceId)).map((row) => row.workspaceId));
          const ids = deletedIds(entry.actions);
          expect(ids.filter((id) => pending.has(id))).toEqual([]);
          expect(new Set(ids).size).toBe(ids.length);
          // What the plan deleted is expected next; what it still expects is carried over.
          expect(entry.memory.expectedDeletes.map((row) => row.workspaceId).sort()).toEqual([...pending, ...ids].sort());
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) A store that shows builds late. Reality: builds are made by the plan of cycle k (after it
// is planned), start, and run from cycle k + buildCycles; claims take running ones between cycles;
// deletes take effect at once. The store's snapshot at cycle c shows reality as it was after
// cycle c − lag: with lag 1 it is an ordinary store, with more it lags (a queue, a replica).

interface Build {
  readonly id: string;
  readonly presetId: string;
  readonly madeAt: number;
  readonly runningFrom: number;
  /** When it left the pool: deleted by the plan of that cycle, or claimed half a cycle before it. */
  goneAt: number | null;
}

interface LagWorld {
  readonly presetIds: readonly string[];
  readonly lag: number;
  readonly buildCycles: number;
  /** Desired count per preset per cycle. */
  readonly desired: readonly (readonly number[])[];
  /** Whether a claim takes a running prebuild before each cycle, per preset. */
  readonly claims: readonly (readonly boolean[])[];
  readonly policy: Partial<ReconcilePolicy>;
}

const CYCLE_MS = 10 * SECOND_MS;
const START_MS = Date.UTC(2025, 5, 2, 10);
const RANDOM_CYCLES = 40;

const lagWorldArb: fc.Arbitrary<LagWorld> = fc
  .record({
    presetCount: fc.integer({ min: 1, max: 3 }),
    lag: fc.integer({ min: 1, max: 5 }),
    buildCycles: fc.integer({ min: 0, max: 3 }),
    policy: fc.record(
      {
        slowStart: fc.boolean(),
        maxCreatesPerCycle: fc.integer({ min: 1, max: 6 }),
        maxCreatesInFlight: fc.integer({ min: 1, max: 12 }),
        scaleDownStabilizationMs: fc.constantFrom(0, 30 * SECOND_MS),
      },
      { requiredKeys: [] },
    ),
  })
  .chain(({ presetCount, lag, buildCycles, policy }) => {
    const presetIds = ["a", "b", "c"].slice(0, presetCount);
    // A desired count that holds for a few cycles, then jumps: up and down.
    const series = fc
      .array(fc.record({ count: fc.integer({ min: 0, max: 6 }), cycles: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 12 })
      .map((runs) => {
        const values = runs.flatMap((run) => Array.from({ length: run.cycles }, () => run.count));
        while (values.length < RANDOM_CYCLES) values.push(...values);
        return values.slice(0, RANDOM_CYCLES);
      });
    return fc.record({
      presetIds: fc.constant(presetIds),
      lag: fc.constant(lag),
      buildCycles: fc.constant(buildCycles),
      desired: fc.tuple(...presetIds.map(() => series)),
      claims: fc.tuple(...presetIds.map(() => fc.array(fc.boolean(), { minLength: RANDOM_CYCLES, maxLength: RANDOM_CYCLES }))),
      policy: fc.constant(policy),
    });
  });

/** The store's snapshot at cycle `cycle`: reality after cycle `cycle − lag`. */
function lagged(world: LagWorld, builds: readonly Build[], cycle: number, desired: (presetId: string) => number, memory: ReadonlyMap<string, PresetMemory>): GlobalSnapshot {
  const seenUpTo = cycle - world.lag;
  const running: RunningPrebuild[] = [];
  const starting = new Map<string, number>();
  for (const build of builds) {
    if (build.madeAt > seenUpTo || (build.goneAt !== null && build.goneAt <= seenUpTo)) continue;
    if (build.runningFrom <= seenUpTo) running.push({ id: build.id, presetId: build.presetId, createdAt: new Date(START_MS + build.madeAt * CYCLE_MS), ready: true });
    else starting.set(build.presetId, (starting.get(build.presetId) ?? 0) + 1);
  }
  return {
    presets: world.presetIds.map((id) => ({
      id,
      name: id,
      organizationId: "org",
      templateId: "template",
      templateVersionId: "version",
      usingActiveVersion: true,
      templateDeleted: false,
      templateDeprecated: false,
      desiredInstances: desired(id),
    })),
    running,
    inProgress: [...starting].map(([presetId, count]) => ({ presetId, transition: "start" as const, count })),
    pendingNonActive: [],
    backoffs: [],
    hardLimitedPresetIds: [],
    memory: [...memory].map(([presetId, remembered]) => ({ presetId, ...remembered })),
  };
}

function alive(builds: readonly Build[], presetId: string): Build[] {
  return builds.filter((build) => build.presetId === presetId && build.goneAt === null);
}

describe("(b) a store that shows builds late", () => {
  it("creates never take running + starting (visible or not) above the desired count, no delete is asked twice, and the pools settle", () => {
    let creates = 0;
    let hidden = 0;
    fc.assert(
      fc.property(lagWorldArb, (world) => {
        const builds: Build[] = [];
        const memory = new Map<string, PresetMemory>();
        const deletedOnce = new Set<string>();
        const last = world.desired.map((series) => series[series.length - 1] ?? 0);
        // Settling may take one round trip through the store per build when a single create may be
        // in flight: allow that for every build of every pool, and stop once nothing has happened
        // for longer than a round trip plus an expectation's life (a build claimed before the store
        // showed it is expected until then, and only then made again).
        const roundTrip = world.lag + world.buildCycles + 2;
        const expectationCycles = Math.ceil(60_000 / CYCLE_MS);
        const settleCycles = (last.reduce((sum, count) => sum + count, 0) + 2) * roundTrip + expectationCycles + 10;
        let quiet = 0;
        for (let cycle = 0; cycle < RANDOM_CYCLES + settleCycles && quiet <= roundTrip + expectationCycles; cycle += 1) {
          const settling = cycle >= RANDOM_CYCLES;
          const desiredOf = (presetId: string) => {
            const index = world.presetIds.indexOf(presetId);
            return settling ? (last[index] ?? 0) : (world.desired[index]?.[cycle] ?? 0);
          };
          // Claims happen in reality, half a cycle before the plan; the store shows them late too.
          world.presetIds.forEach((presetId, index) => {
            if (settling || world.claims[index]?.[cycle] !== true) return;
            const claimable = alive(builds, presetId).find((build) => build.runningFrom <= cycle - 1);
            if (claimable !== undefined) claimable.goneAt = cycle - 1;
          });
          const plan = planCycle(lagged(world, builds, cycle, desiredOf, memory), clockAt(START_MS + cycle * CYCLE_MS), world.policy);
          expect(plan.invalid).toEqual([]);
          memory.clear();
          quiet = settling && plan.presets.every((entry) => entry.actions.length === 0) ? quiet + 1 : 0;
          for (const entry of plan.presets) {
            memory.set(entry.presetId, entry.memory);
            const aliveNow = alive(builds, entry.presetId);
            hidden += aliveNow.filter((build) => build.madeAt > cycle - world.lag).length;
            for (const action of entry.actions) {
              if (action.type === "create") {
                creates += action.count;
                if (aliveNow.length + action.count > desiredOf(entry.presetId)) {
                  expect.fail(`cycle ${cycle}, preset ${entry.presetId}: ${aliveNow.length} alive + create ${action.count} > desired ${desiredOf(entry.presetId)} (${action.reason})`);
                }
                for (let index = 0; index < action.count; index += 1) {
                  builds.push({ id: `${entry.presetId}-${builds.length}`, presetId: entry.presetId, madeAt: cycle, runningFrom: cycle + world.buildCycles, goneAt: null });
                }
              } else if (action.type === "delete") {
                for (const id of action.workspaceIds) {
                  if (deletedOnce.has(id)) expect.fail(`cycle ${cycle}: ${id} deleted twice`);
                  deletedOnce.add(id);
                  const build = builds.find((candidate) => candidate.id === id);
                  if (build !== undefined && build.goneAt === null) build.goneAt = cycle;
                }
              }
            }
          }
        }
        world.presetIds.forEach((presetId, index) => {
          expect(alive(builds, presetId).length).toBe(last[index]);
        });
      }),
      { numRuns: 500 },
    );
    // The runs did create, and often while earlier creates were still hidden from the store.
    expect(creates > 0 && hidden > 0).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) Without memory and the new settings, plans are what they were before memory existed.

const NEUTRAL: Partial<ReconcilePolicy> = {
  backoff: { kind: "linear" },
  hardLimitRetryMs: null,
  maxCreatesInFlight: null,
  slowStart: false,
  scaleDownStabilizationMs: 0,
};

describe("(c) plans without memory and without the new settings", () => {
  it("are the same with no memory rows, an empty list, empty memory or the new settings at their neutral values", () => {
    fc.assert(
      fc.property(multiCaseArb, fc.nat(), fc.option(fc.integer({ min: 0, max: 12 })), ({ nowMs, snapshots, policy }, rowSplit, budget) => {
        const global = toGlobal(snapshots, rowSplit);
        const basePolicy = { ...(policy ?? {}), ...(budget === null ? {} : { maxCreatesPerCycle: budget }) };
        const clock = clockAt(nowMs);
        const plan = planCycle(global, clock, basePolicy);
        expect(planCycle({ ...global, memory: [] }, clock, basePolicy)).toEqual(plan);
        expect(planCycle({ ...global, memory: global.presets.map((preset) => ({ presetId: preset.id, ...EMPTY_MEMORY })) }, clock, basePolicy)).toEqual(plan);
        expect(planCycle(global, clock, { ...basePolicy, ...NEUTRAL })).toEqual(plan);
      }),
      { numRuns: 500 },
    );
  });

  it("return exactly the memory of what they asked for: their creates and deletes, nothing else", () => {
    fc.assert(
      fc.property(multiCaseArb, fc.nat(), ({ nowMs, snapshots, policy }, rowSplit) => {
        const plan = planCycle(toGlobal(snapshots, rowSplit), clockAt(nowMs), policy);
        const expiresAt = new Date(nowMs + 60_000);
        for (const entry of plan.presets) {
          const snapshot = snapshots.find((candidate) => candidate.preset.id === entry.presetId) as PresetSnapshot;
          const created = entry.actions.reduce((sum, action) => sum + (action.type === "create" ? action.count : 0), 0);
          const runningBaseline = snapshot.running.map((prebuild) => prebuild.id).sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
          expect(entry.memory).toEqual({
            ...EMPTY_MEMORY,
            expectedCreates: created === 0 ? null : { count: created, fromEarlierCalls: 0, startingBaseline: snapshot.inProgress.start, runningBaseline, askedAt: new Date(nowMs), expiresAt },
            expectedDeletes: deletedIds(entry.actions).map((workspaceId) => ({ workspaceId, expiresAt })),
          });
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (d) Expectations expire, peaks leave the window, probes come due: nextChangeAt must see each.

describe("(d) nextChangeAt with memory", () => {
  it("the decisions stay as they are from now until just before the next change", () => {
    const withMemoryArb = fc
      .record({ c: caseArb(), newPolicy: newPolicyArb, fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }) })
      .chain(({ c, newPolicy, fractions }) =>
        memoryArb(c.snapshot, c.nowMs).map((memory) => ({
          snapshot: { ...c.snapshot, memory },
          nowMs: c.nowMs,
          policy: { ...(c.policy ?? {}), ...newPolicy },
          fractions,
        })),
      );
    fc.assert(
      fc.property(withMemoryArb, ({ snapshot, nowMs, policy, fractions }) => {
        const next = nextChangeAt(snapshot, clockAt(nowMs), policy);
        const end = next?.getTime() ?? nowMs + 8 * DAY_MS;
        const now = decisions(calculateActions(snapshot, clockAt(nowMs), policy));
        const samples = [nowMs + 1, end - 1, ...fractions.map((fraction) => nowMs + 1 + Math.floor(fraction * (end - nowMs - 2)))];
        for (const at of samples) {
          if (at <= nowMs || at >= end) continue;
          const then = decisions(calculateActions(snapshot, clockAt(at), policy));
          if (JSON.stringify(then) !== JSON.stringify(now)) {
            expect.fail(`decisions change at +${at - nowMs} ms (${JSON.stringify(then)} instead of ${JSON.stringify(now)}), but nextChangeAt says ${next?.toISOString() ?? "null"}`);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
