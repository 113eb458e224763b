/**
 * Property 9: planCycle (SPEC §6) against calculateActions on each preset's own snapshot, and the
 * create budget against a direct implementation of its rule.
 */

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  calculateActions,
  calculateState,
  canSkipReconciliation,
  type CyclePlan,
  planCycle,
  type PresetSnapshot,
  type ReconciliationAction,
} from "../../src/index.js";
import { multiCaseArb, shuffleRows, toGlobal } from "./arbitraries.js";
import { clockAt, createCount, decisions } from "./oracle.js";

// Property runs take seconds; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 60_000 });

function planById(plan: CyclePlan): Map<string, CyclePlan["presets"][number]> {
  return new Map(plan.presets.map((entry) => [entry.presetId, entry]));
}

const nonCreate = (actions: readonly ReconciliationAction[]): ReconciliationAction[] => actions.filter((a) => a.type !== "create");

/**
 * SPEC §6 budget rule, one instance at a time: to the preset whose (toCreate - granted) / desired
 * is largest, ties by the larger remaining count, then by the smaller preset id.
 */
function modelGrants(requests: readonly { presetId: string; requested: number; desired: number }[], budget: number): Map<string, number> {
  const granted = new Map(requests.map((r) => [r.presetId, 0]));
  for (let left = budget; left > 0; left -= 1) {
    let best: (typeof requests)[number] | null = null;
    for (const request of requests) {
      const missing = request.requested - (granted.get(request.presetId) ?? 0);
      if (missing <= 0) continue;
      if (best === null) {
        best = request;
        continue;
      }
      const bestMissing = best.requested - (granted.get(best.presetId) ?? 0);
      const byFraction = missing * best.desired - bestMissing * request.desired;
      if (byFraction > 0 || (byFraction === 0 && (missing > bestMissing || (missing === bestMissing && request.presetId < best.presetId)))) {
        best = request;
      }
    }
    if (best === null) break;
    granted.set(best.presetId, (granted.get(best.presetId) ?? 0) + 1);
  }
  return granted;
}

describe("property 9: planCycle", () => {
  it("plans each preset exactly as calculateActions would, skips exactly the skippable, counts right", () => {
    fc.assert(
      fc.property(multiCaseArb, fc.nat(), fc.integer(), ({ nowMs, snapshots, policy }, rowSplit, seed) => {
        const clock = clockAt(nowMs);
        const global = toGlobal(snapshots, rowSplit);
        const plan = planCycle(global, clock, policy);
        expect(plan.invalid).toEqual([]);
        expect(plan.presetsTotal).toBe(snapshots.length);
        const expectedPlanned = snapshots.filter((s) => !canSkipReconciliation(s, clock));
        expect(plan.presetsReconciled).toBe(expectedPlanned.length);
        // In the order of GlobalSnapshot.presets, skipped ones left out.
        expect(plan.presets.map((p) => p.presetId)).toEqual(expectedPlanned.map((s) => s.preset.id));
        for (const snapshot of expectedPlanned) {
          const entry = planById(plan).get(snapshot.preset.id);
          expect(entry?.actions).toEqual(calculateActions(snapshot, clock, policy));
          expect(entry?.state).toEqual(calculateState(snapshot, clock, policy));
          expect(entry?.blocked).toBe(snapshot.hardLimited ? "hardLimited" : null);
        }
        // Row order does not matter.
        expect(planCycle(shuffleRows(global, seed), clock, policy)).toEqual(plan);
      }),
      { numRuns: 1000 },
    );
  });

  it("shuffling the presets only reorders the plan", () => {
    fc.assert(
      fc.property(multiCaseArb, fc.nat(), ({ nowMs, snapshots, policy }, seed) => {
        const clock = clockAt(nowMs);
        const plan = planCycle(toGlobal(snapshots, 0), clock, policy);
        const reversed: PresetSnapshot[] = [...snapshots].reverse();
        const other = planCycle(shuffleRows(toGlobal(reversed, 1), seed), clock, policy);
        expect(other.presets.map((p) => p.presetId)).toEqual([...plan.presets.map((p) => p.presetId)].reverse());
        expect(planById(other)).toEqual(planById(plan));
        expect([other.presetsTotal, other.presetsReconciled]).toEqual([plan.presetsTotal, plan.presetsReconciled]);
      }),
      { numRuns: 1000 },
    );
  });

  it("maxCreatesPerCycle caps creates fairly and never touches deletes, cancellations or backoffs", () => {
    let saturated = 0;
    fc.assert(
      fc.property(multiCaseArb, fc.integer({ min: 0, max: 15 }), ({ nowMs, snapshots, policy }, budget) => {
        const clock = clockAt(nowMs);
        const global = toGlobal(snapshots, 0);
        const free = planCycle(global, clock, policy);
        const capped = planCycle(global, clock, { ...policy, maxCreatesPerCycle: budget });
        expect(capped.invalid).toEqual([]);
        expect(capped.presets.map((p) => p.presetId)).toEqual(free.presets.map((p) => p.presetId));
        expect([capped.presetsTotal, capped.presetsReconciled]).toEqual([free.presetsTotal, free.presetsReconciled]);
        const freeById = planById(free);
        let total = 0;
        let wanted = 0;
        const requests: { presetId: string; requested: number; desired: number }[] = [];
        for (const entry of capped.presets) {
          const unbudgeted = freeById.get(entry.presetId);
          if (unbudgeted === undefined) throw new Error("preset missing from the unbudgeted plan");
          const got = createCount(entry.actions);
          const want = createCount(unbudgeted.actions);
          expect(got).toBeLessThanOrEqual(want);
          for (const action of entry.actions) if (action.type === "create") expect(action.count).toBeGreaterThan(0);
          // Deletes, cancellations and backoffs are untouched (reasons included); order kept.
          expect(nonCreate(entry.actions)).toEqual(nonCreate(unbudgeted.actions));
          expect(decisions(entry.actions).map((d) => d.type)).toEqual(
            decisions(unbudgeted.actions)
              .filter((d) => d.type !== "create" || got > 0)
              .map((d) => d.type),
          );
          expect(entry.state).toEqual(unbudgeted.state);
          if (got === want) {
            expect(entry.actions).toEqual(unbudgeted.actions);
          } else if (got > 0) {
            // "A partly cut create says so in its reason."
            const cut = entry.actions.find((a) => a.type === "create");
            const full = unbudgeted.actions.find((a) => a.type === "create");
            expect(cut?.reason).not.toBe(full?.reason);
            expect(cut?.reason).toContain(String(got));
          }
          total += got;
          wanted += want;
          if (want > 0) requests.push({ presetId: entry.presetId, requested: want, desired: entry.state.desired });
        }
        expect(total).toBeLessThanOrEqual(budget);
        if (wanted >= budget) {
          saturated += 1;
          expect(total).toBe(budget);
        } else expect(total).toBe(wanted);
        // Exactly the SPEC's fair share.
        const grants = modelGrants(requests, budget);
        for (const entry of capped.presets) expect(createCount(entry.actions)).toBe(grants.get(entry.presetId) ?? 0);
      }),
      { numRuns: 1000 },
    );
    expect(saturated).toBeGreaterThan(50);
  });
});
