/**
 * Model-based tests: random sequences of host, user and infrastructure events against a real
 * Reconciler wired to the in-memory store and simulated provisioner. Every step is followed by the
 * invariants of harness.ts `checkInvariants` (claims, deletions, inactive presets, hard-limit
 * notifications, counters, nothing published under the lock) and by the checks of the command
 * itself (commands.ts: what the cycle reported, pauses, aborted cycles, recorded statuses,
 * cancelled queues, claim outcomes, convergence after healthy rounds).
 */

import { describe, expect, it } from "vitest";
import { arbitraries as a, runModel } from "./commands.js";

// Why these numbers: a run (a fresh world and ~15 steps on average, at most 30, each step a few
// in-memory cycles) takes about 20 ms, so 250 + 150 runs take ~8 s here; with the convergence and
// gauge files beside it the folder runs in ~15-20 s on 2 cores, inside the ~40 s budget with room
// for shrinking a failure. Fewer runs start to miss the rarer shapes that the coverage assertions
// below demand (a claim racing a surplus delete, a hard limit reached, an inactive preset drained);
// more runs mostly repeat the same shapes.
const RANDOM_RUNS = 250;
const FAILURE_RUNS = 150;

describe("model: the Reconciler under random events", () => {
  it("keeps every invariant after every step", async () => {
    const coverage = await runModel(
      [
        a.advance,
        a.advance,
        a.cycle,
        a.cycle,
        a.racingCycle,
        a.shrinkWhileClaiming,
        a.round,
        a.claim,
        a.claim,
        a.claimByParameters,
        a.flipAgentReady,
        a.failureRate,
        a.outage,
        a.storeFailure,
        a.promote,
        a.deprecate,
        a.pauseGlobal,
        a.pausePreset,
        a.desired,
        a.desired,
        a.schedule,
      ],
      RANDOM_RUNS,
    );
    const seen = `coverage (random events): ${JSON.stringify(coverage)}`;
    // The invariants were exercised, not passed vacuously.
    expect(coverage.claims, seen).toBeGreaterThan(0);
    expect(coverage.unavailableClaims, seen).toBeGreaterThan(0);
    expect(coverage.raceCollisions, seen).toBeGreaterThan(0);
    expect(coverage.inactiveChecks, seen).toBeGreaterThan(0);
    expect(coverage.failedCreates, seen).toBeGreaterThan(0);
    expect(coverage.statusChecks, seen).toBeGreaterThan(0);
  }, 120_000);

  it("keeps every invariant through bursts of failing builds, hard limits and recoveries", async () => {
    const coverage = await runModel(
      [
        a.failing,
        a.healthyOnly,
        a.failureRate,
        a.cycle,
        a.cycle,
        a.cycle,
        a.round,
        a.round,
        a.advance,
        a.advance,
        a.advance,
        a.claim,
        a.racingCycle,
        a.promote,
        a.deprecate,
        a.desired,
        a.desired,
        a.storeFailure,
        a.outage,
        a.pausePreset,
      ],
      FAILURE_RUNS,
      [0, 1, 1],
    );
    const seen = `coverage (failures): ${JSON.stringify(coverage)}`;
    expect(coverage.hardLimitTransitions, seen).toBeGreaterThan(0);
    expect(coverage.failedCreates, seen).toBeGreaterThan(0);
    expect(coverage.statusChecks, seen).toBeGreaterThan(0);
  }, 120_000);
});
