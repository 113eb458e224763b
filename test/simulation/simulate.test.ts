/**
 * The library simulator: the figures of the example scenario (the ones the CLI printed before the
 * engine moved into the library), determinism, fast-forward that changes nothing, traces replayed
 * exactly, and scenario errors with their paths.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { materializeDemand, ScenarioValidationError, simulate, type SimulationScenario } from "../../src/testing.js";

vi.setConfig({ testTimeout: 60_000 });

const EXAMPLE = JSON.parse(readFileSync(join(process.cwd(), "examples", "scenarios", "business-hours.json"), "utf8")) as SimulationScenario & { $schema?: string };
const { $schema: _editorHint, ...businessHours } = EXAMPLE;

/** One preset whose builds take exactly five minutes and never fail: outcomes can be worked out by hand. */
function exactScenario(claims: readonly string[], desiredInstances = 2): SimulationScenario {
  return {
    start: "2025-06-02T00:00:00Z",
    build: { minLatencySeconds: 300, maxLatencySeconds: 300 },
    presets: [{ id: "solo", desiredInstances, demand: { claims } }],
  };
}

describe("simulate", () => {
  it("gives the example scenario's figures, as the command printed them before the move into the library", async () => {
    const report = await simulate(businessHours, { days: 7, seed: 1 });
    expect({ ...report, hourly: undefined, presets: undefined }).toEqual({
      claims: 136,
      hits: 136,
      hitRate: 1,
      waitP50Seconds: 5,
      waitP95Seconds: 5,
      idlePrebuildHours: 425.6,
      buildsStarted: 174,
      buildsFailed: 9,
      hourly: undefined,
      presets: undefined,
    });
    expect(report.hourly.desired).toHaveLength(168);
    expect(report.presets.map(({ presetId, claims, hits }) => ({ presetId, claims, hits }))).toEqual([
      { presetId: "eu-dev", claims: 103, hits: 103 },
      { presetId: "us-dev", claims: 33, hits: 33 },
    ]);
  });

  it("is deterministic: the same seed gives the same report, another seed another", async () => {
    const [first, second, other] = await Promise.all([simulate(businessHours, { days: 2, seed: 7 }), simulate(businessHours, { days: 2, seed: 7 }), simulate(businessHours, { days: 2, seed: 8 })]);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it.each<[string, SimulationScenario]>([
    ["the example (failures, a build capacity, two zones)", businessHours],
    ["scarce capacity and many failures (backoff, hard limit)", { ...businessHours, build: { minLatencySeconds: 120, maxLatencySeconds: 600, failureRate: 0.4, capacity: 2 } }],
    [
      "a target expression over demand and a lead time",
      {
        ...businessHours,
        presets: businessHours.presets.map((preset) => ({
          ...preset,
          desiredInstancesExpression: "max(scheduled_target, claims_10m) + (claims_10m > 0 ? 1 : 0) + min(misses_30m, 6)",
          scheduling: preset.scheduling === undefined || preset.scheduling === null ? null : { ...preset.scheduling, leadTimeSeconds: 900 },
        })),
      },
    ],
    ["scale-down stabilization and slow start", { ...businessHours, policy: { scaleDownStabilizationMs: 600_000, slowStart: true, hardLimitRetryMs: 1_800_000 } }],
    // Creates cut by the budget are made in the next cycles: a cycle that acted is followed by another.
    ["a budget of one create per cycle", { ...businessHours, policy: { maxCreatesPerCycle: 1 } }],
    // Failures leave the store's lookback with no write, shortening an exponential backoff.
    [
      "exponential backoff over failures that leave the lookback",
      { ...businessHours, build: { minLatencySeconds: 60, maxLatencySeconds: 120, failureRate: 0.6 }, policy: { backoff: { kind: "exponential", capMs: 3 * 3_600_000, jitter: 0 }, hardLimitRetryMs: 600_000 } },
    ],
    ["a trace with claims between steps", { ...exactScenario(["2025-06-02T08:00:30Z", "2025-06-02T08:00:31Z", "2025-06-02T08:02:59Z", "2025-06-02T09:30:00.250Z", "2025-06-03T07:00:00Z"], 1), stepSeconds: 120 }],
  ])("fast-forward gives the report of a cycle at every step: %s", async (_, scenario) => {
    const fast = await simulate(scenario, { days: 2, seed: 3 });
    const everyStep = await simulate(scenario, { days: 2, seed: 3, fastForward: false });
    expect(fast).toEqual(everyStep);
  });

  it("replays a trace exactly: each claim once, at its instant, served as the pool allows", async () => {
    // The first cycle at 00:00 queues 2 builds, ready at 00:05. At 08:00:10 and 08:00:20 both are
    // claimed; their replacements are queued at the 08:01 cycle, so 08:00:30 and 08:04:00 find
    // nothing, and 08:06:30 finds a replacement (ready at 08:06).
    const claims = ["2025-06-02T08:00:10Z", "2025-06-02T08:00:20Z", "2025-06-02T08:00:30Z", "2025-06-02T08:04:00Z", "2025-06-02T08:06:30Z"];
    const report = await simulate(exactScenario(claims), { days: 1 });
    expect({ claims: report.claims, hits: report.hits, buildsStarted: report.buildsStarted }).toEqual({ claims: 5, hits: 3, buildsStarted: 2 + 3 });
    expect(report.hourly.claims[8]).toBe(5);
    expect(report.hourly.claims.reduce((sum, count) => sum + count, 0)).toBe(5);
  });

  it("replays every claim of a drawn demand: the trace of a run gives the run's report", async () => {
    const trace = materializeDemand(businessHours, { days: 3, seed: 5 });
    const drawn = await simulate(businessHours, { days: 3, seed: 5 });
    const replayed = await simulate({ ...businessHours, trace, presets: businessHours.presets.map(({ demand: _demand, ...preset }) => preset) }, { days: 3, seed: 5 });
    expect(trace).toHaveLength(drawn.claims);
    expect(replayed).toEqual(drawn);
  });

  it("simulates a trace through its last claim by default, and leaves out what comes after the days asked for", async () => {
    const claims = ["2025-06-02T10:00:00Z", "2025-06-04T10:00:00Z", "2025-06-09T23:59:00Z"];
    const whole = await simulate(exactScenario(claims), {});
    expect({ claims: whole.claims, hours: whole.hourly.claims.length }).toEqual({ claims: 3, hours: 8 * 24 });
    const part = await simulate(exactScenario(claims), { days: 2 });
    expect({ claims: part.claims, hours: part.hourly.claims.length }).toEqual({ claims: 1, hours: 2 * 24 });
  });

  it("counts idle prebuild-hours per preset, adding up to the total", async () => {
    const report = await simulate(businessHours, { days: 2, seed: 2 });
    const [eu, us] = report.presets;
    expect(Math.abs((eu?.idlePrebuildHours ?? 0) + (us?.idlePrebuildHours ?? 0) - report.idlePrebuildHours)).toBeLessThanOrEqual(0.1 + 1e-9);
    expect((eu?.claims ?? 0) + (us?.claims ?? 0)).toBe(report.claims);
  });

  it("reports every problem of a scenario with its path", async () => {
    const bad = {
      start: "yesterday",
      stepSeconds: 0,
      build: { failureRate: 2 },
      policy: { maxCreatesPerCycel: 3 },
      presets: [
        { id: "a", desiredInstances: -1, demand: { weekdays: [1, 2] } },
        { id: "a", desiredInstances: 1, demand: { claims: ["2025-06-02 08:00"] } },
        { id: "b", desiredInstances: 1, desiredInstancesExpression: "claims_7m + 1", demand: { timezone: "Mars/Base", weekdays: new Array(24).fill(0) } },
      ],
    } as unknown as SimulationScenario;
    const error = await simulate(bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScenarioValidationError);
    expect((error as ScenarioValidationError).issues.map((issue) => issue.path)).toEqual([
      "start",
      "build.failureRate",
      "stepSeconds",
      "policy.maxCreatesPerCycel",
      "presets[0].desiredInstances",
      "presets[1].id",
      "presets[2].desiredInstancesExpression",
    ]);
  });

  it("reports demand problems once the presets are sound, and claims before the start", async () => {
    const error = await simulate({
      start: "2025-06-02T00:00:00Z",
      presets: [
        { id: "a", desiredInstances: 1, demand: { weekdays: [1, 2] } },
        { id: "b", desiredInstances: 1, demand: { claims: ["2025-06-01T23:59:59Z", "2025-06-02 08:00", 7] } },
        { id: "c", desiredInstances: 1, demand: { timezone: "Mars/Base", weekdays: new Array<number>(24).fill(0) } },
        { id: "d", desiredInstances: 1 },
      ],
    } as unknown as SimulationScenario).catch((caught: unknown) => caught);
    expect((error as ScenarioValidationError).issues).toEqual([
      { path: "presets[0].demand.weekdays", message: "expected 24 claim rates per hour (numbers ≥ 0)" },
      { path: "presets[1].demand.claims[0]", message: "2025-06-01T23:59:59.000Z is before the scenario's start" },
      { path: "presets[1].demand.claims[1]", message: '"2025-06-02 08:00" is not an ISO 8601 date-time with an offset' },
      { path: "presets[1].demand.claims[2]", message: "7 is not an ISO 8601 date-time with an offset" },
      { path: "presets[2].demand.timezone", message: 'unknown time zone "Mars/Base"; use an IANA name such as "Europe/Berlin"' },
      { path: "presets[3].demand", message: 'expected an object with "timezone" and "hourOfWeek" or "weekdays"/"weekends", or with "claims"' },
    ]);
  });

  it("names the trace line of a claim for an unknown preset, and a preset that also has its own demand", async () => {
    const error = await simulate({
      start: "2025-06-02T00:00:00Z",
      trace: [
        { at: new Date("2025-06-02T08:00:00Z"), presetId: "solo", line: 2 },
        { at: new Date("2025-06-02T09:00:00Z"), presetId: "other", line: 3 },
      ],
      presets: [{ id: "solo", desiredInstances: 1, demand: { weekdays: new Array<number>(24).fill(1) } }],
    }).catch((caught: unknown) => caught);
    expect((error as ScenarioValidationError).issues).toEqual([
      { path: "presets[0].demand", message: "the scenario has a trace, which gives every preset's claims: leave demand out" },
      { path: "trace line 3", message: 'names no preset of the scenario: "other"' },
    ]);
  });

  it("refuses options it cannot use", async () => {
    const error = await simulate(businessHours, { days: 0, seed: -1 }).catch((caught: unknown) => caught);
    expect((error as ScenarioValidationError).issues.map((issue) => issue.path)).toEqual(["options.days", "options.seed"]);
  });
});
