import { describe, expect, it, vi } from "vitest";
import { recommendConfiguration, ScenarioValidationError, schedulesForCounts, simulate, type SimulationScenario } from "../../src/testing.js";

vi.setConfig({ testTimeout: 60_000 });

/** Claims on Monday 2 June 2025 (UTC) at these times of day. */
function mondayClaims(...times: string[]): string[] {
  return times.map((time) => `2025-06-02T${time}Z`);
}

/** One preset, builds of exactly two minutes that never fail, and a day of traced claims. */
function traced(claims: readonly string[], current = 3): SimulationScenario {
  return {
    start: "2025-06-02T00:00:00Z",
    build: { minLatencySeconds: 120, maxLatencySeconds: 120 },
    presets: [{ id: "solo", desiredInstances: current, demand: { claims } }],
  };
}

describe("schedulesForCounts", () => {
  it("makes the smallest count the base, and one schedule per set of days sharing the hours of a larger count", () => {
    const counts = new Array<number>(168).fill(1);
    for (const day of [0, 1, 2, 3, 4]) for (const hour of [8, 9, 10, 14]) counts[day * 24 + hour] = 3;
    counts[0 * 24 + 9] = 4; // Monday 09:00
    for (const hour of [10, 11]) counts[5 * 24 + hour] = 2; // Saturday
    expect(schedulesForCounts(counts, "Europe/Berlin", 600)).toEqual({
      desiredInstances: 1,
      scheduling: {
        timezone: "Europe/Berlin",
        leadTimeSeconds: 600,
        schedules: [
          { cron: "* 10-11 * * 6", instances: 2 },
          { cron: "* 8,10,14 * * 1", instances: 3 },
          { cron: "* 8-10,14 * * 2-5", instances: 3 },
          { cron: "* 9 * * 1", instances: 4 },
        ],
      },
    });
  });

  it("uses * for a whole day or every day, and needs no scheduling for a flat week", () => {
    const counts = new Array<number>(168).fill(0);
    for (let hour = 0; hour < 24; hour += 1) counts[6 * 24 + hour] = 1; // all of Sunday
    for (let day = 0; day < 7; day += 1) counts[day * 24 + 12] = 2; // noon, every day
    expect(schedulesForCounts(counts, "UTC", 0).scheduling?.schedules).toEqual([
      { cron: "* 0-11,13-23 * * 0", instances: 1 },
      { cron: "* 12 * * *", instances: 2 },
    ]);
    expect(schedulesForCounts(new Array<number>(168).fill(2), "UTC", 300)).toEqual({ desiredInstances: 2, scheduling: null });
  });
});

describe("recommendConfiguration", () => {
  it("finds the one hour that needs a prebuild, with no lead time when builds are quick enough, and says what the current configuration costs", async () => {
    // Three claims twenty minutes apart in Monday's 10:00 hour: one prebuild then serves them all
    // (each replacement is ready two to three minutes after a claim); no other hour needs one.
    const scenario = traced(mondayClaims("10:10:00", "10:30:00", "10:50:00"));
    const recommendation = await recommendConfiguration(scenario, { targetWarmRate: 1 });
    const [solo] = recommendation.presets;
    expect(recommendation.metTarget).toBe(true);
    expect({ days: recommendation.days, seed: recommendation.seed, claims: recommendation.trace.length }).toEqual({ days: 1, seed: 1, claims: 3 });
    expect(solo?.preset).toEqual({ id: "solo", desiredInstances: 0, scheduling: { timezone: "UTC", schedules: [{ cron: "* 10 * * 1", instances: 1 }] } });
    expect(solo?.countsByHourOfWeek.flatMap((count, hour) => (count > 0 ? [[hour, count]] : []))).toEqual([[10, 1]]);
    expect({ rungs: solo?.rungs, leadTimeSeconds: solo?.leadTimeSeconds, rate: solo?.ratesByHourOfWeek[10] }).toEqual({ rungs: [3], leadTimeSeconds: 0, rate: 3 });
    expect({ claims: recommendation.recommended.claims, hits: recommendation.recommended.hits }).toEqual({ claims: 3, hits: 3 });
    // Three prebuilds all day cost far more, for the same three claims served warm.
    expect({ claims: recommendation.current.claims, hits: recommendation.current.hits }).toEqual({ claims: 3, hits: 3 });
    expect(recommendation.current.idlePrebuildHours).toBeGreaterThan(60);
    expect(recommendation.recommended.idlePrebuildHours).toBeLessThan(1);
  });

  it("gives the recommended preset's figures when the preset is simulated on its own", async () => {
    const scenario = traced(mondayClaims("10:10:00", "10:30:00", "10:50:00"));
    const recommendation = await recommendConfiguration(scenario, { targetWarmRate: 1 });
    const preset = recommendation.presets[0]?.preset;
    if (preset === undefined) throw new Error("no preset recommended");
    const report = await simulate({ ...scenario, presets: [{ ...preset, demand: { claims: mondayClaims("10:10:00", "10:30:00", "10:50:00") } }] }, { days: 1 });
    expect(report).toEqual(recommendation.recommended);
  });

  it("stacks a second prebuild for claims that come within one build of each other", async () => {
    const recommendation = await recommendConfiguration(traced(mondayClaims("14:20:00", "14:20:30", "14:40:00")), { targetWarmRate: 1 });
    expect(recommendation.presets[0]?.preset.scheduling?.schedules).toEqual([{ cron: "* 14 * * 1", instances: 2 }]);
    expect(recommendation.recommended.hits).toBe(3);
  });

  it("spends a miss the target allows on the costliest claim to serve", async () => {
    // Half the claims may miss: the lone claim at 03:00 is not worth an hour of a prebuild.
    const claims = mondayClaims("03:30:00", "10:10:00", "10:30:00", "10:50:00");
    const strict = await recommendConfiguration(traced(claims), { targetWarmRate: 1 });
    const lax = await recommendConfiguration(traced(claims), { targetWarmRate: 0.75 });
    expect(strict.presets[0]?.countsByHourOfWeek.flatMap((count, hour) => (count > 0 ? [hour] : []))).toEqual([3, 10]);
    expect(lax.presets[0]?.countsByHourOfWeek.flatMap((count, hour) => (count > 0 ? [hour] : []))).toEqual([10]);
    expect({ strict: strict.recommended.hits, lax: lax.recommended.hits }).toEqual({ strict: 4, lax: 3 });
  });

  it("is deterministic", async () => {
    const scenario = traced(mondayClaims("09:05:00", "09:07:00", "11:00:00", "11:45:00", "16:30:00"));
    const [first, second] = await Promise.all([recommendConfiguration(scenario), recommendConfiguration(scenario)]);
    expect(second).toEqual(first);
  });

  it("refuses a target outside (0, 1] and a budget below two simulations", async () => {
    const error = await recommendConfiguration(traced(mondayClaims("10:00:00")), { targetWarmRate: 1.5, maxSimulations: 1 }).catch((caught: unknown) => caught);
    expect((error as ScenarioValidationError).issues.map((issue) => issue.path)).toEqual(["options.targetWarmRate", "options.maxSimulations"]);
  });
});
