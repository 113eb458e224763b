/**
 * Model-based tests of the gauges (SPEC §10: desired/running/eligible/hard_limited per preset,
 * paused globally), under most of the commands of the random-events test:
 * - after every cycle that read the store, each preset's gauges equal what the model counts in the
 *   store's rows at the cycle's snapshot — skipped presets included: a preset with nothing left
 *   must not go on reporting what it once had;
 * - after every cycle, the paused gauge equals the pause state, or is left alone when the pause
 *   could not be read.
 */

import { describe, expect, it } from "vitest";
import { arbitraries as a, runModel, tally } from "./commands.js";

// 150 runs each take ~2 s (see reconciler.model.test.ts for the budget); the counterexamples these
// checks found before the fix in de72e8f (a deprecated preset; a pause read failing while paused)
// are three commands long and turned up within the first few dozen runs.
const NUM_RUNS = 150;

const commands = [
  a.advance,
  a.cycle,
  a.cycle,
  a.round,
  a.claim,
  a.flipAgentReady,
  a.failureRate,
  a.storeFailure,
  a.promote,
  a.deprecate,
  a.pauseGlobal,
  a.pausePreset,
  a.desired,
  a.schedule,
];

describe("model: gauges report the state the cycle read", () => {
  it("keeps every preset's desired/running/eligible/hardLimited gauges true after every cycle", async () => {
    tally.gauges = { presets: true, paused: false };
    try {
      const coverage = await runModel(commands, NUM_RUNS, [0, 1]);
      // Checked for inactive presets (the ones a cycle may skip), not only for active ones.
      expect(coverage.gaugeChecks, JSON.stringify(coverage)).toBeGreaterThan(0);
    } finally {
      tally.gauges = { presets: false, paused: false };
    }
  }, 120_000);

  it("keeps the paused gauge true after every cycle", async () => {
    tally.gauges = { presets: false, paused: true };
    try {
      const coverage = await runModel(commands, NUM_RUNS, [0, 1]);
      // Checked while paused, not only while running.
      expect(coverage.gaugeChecks, JSON.stringify(coverage)).toBeGreaterThan(0);
    } finally {
      tally.gauges = { presets: false, paused: false };
    }
  }, 120_000);
});
