/**
 * Model-based test weighted towards healthy rounds, so that the convergence invariant (a pool
 * reaches its desired size within CONVERGENCE_ROUNDS healthy rounds and stays there) is checked
 * often, while claims, racing claims, schedule and count changes, promotions and occasional
 * failures keep disturbing it. Every step also runs the invariants of harness.ts.
 */

import { describe, expect, it } from "vitest";
import { arbitraries as a, runModel } from "./commands.js";

// See reconciler.model.test.ts for the time budget: 200 runs take ~4 s and give several hundred
// convergence checks (at least NUM_RUNS / 3 are demanded below).
const NUM_RUNS = 200;

describe("model: convergence of the pools with a healthy provisioner", () => {
  it("reaches and keeps the desired count, whatever happened before", async () => {
    const coverage = await runModel(
      [
        a.round,
        a.round,
        a.round,
        a.round,
        a.round,
        a.round,
        a.advance,
        a.cycle,
        a.racingCycle,
        a.shrinkWhileClaiming,
        a.claim,
        a.claim,
        a.claimByParameters,
        a.flipAgentReady,
        a.healthyOnly,
        a.healthyOnly,
        a.failureRate,
        a.desired,
        a.schedule,
        a.promote,
        a.pausePreset,
        a.outage,
        a.storeFailure,
      ],
      NUM_RUNS,
    );
    const seen = `coverage (convergence): ${JSON.stringify(coverage)}`;
    expect(coverage.convergenceChecks, seen).toBeGreaterThan(NUM_RUNS / 3);
    expect(coverage.claims, seen).toBeGreaterThan(0);
  }, 120_000);
});
