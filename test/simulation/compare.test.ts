import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { compareScenarios, ScenarioValidationError, simulate, type SimulationScenario } from "../../src/testing.js";

vi.setConfig({ testTimeout: 60_000 });

const EXAMPLE = JSON.parse(readFileSync(join(process.cwd(), "examples", "scenarios", "business-hours.json"), "utf8")) as SimulationScenario & { $schema?: string };
const { $schema: _editorHint, ...businessHours } = EXAMPLE;
/** The example's presets with no prebuilds at all, and no demand of their own. */
const empty: SimulationScenario = { ...businessHours, presets: businessHours.presets.map(({ demand: _demand, ...preset }) => ({ ...preset, desiredInstances: 0, scheduling: null })) };

describe("compareScenarios", () => {
  it("runs every scenario on the first one's claims and seed; the first gives its own report", async () => {
    const comparison = await compareScenarios(
      [
        { name: "today", scenario: businessHours },
        { name: "none", scenario: empty },
      ],
      { days: 2, seed: 4 },
    );
    const alone = await simulate(businessHours, { days: 2, seed: 4 });
    const [today, none] = comparison.results;
    expect(comparison.days).toBe(2);
    expect(comparison.seed).toBe(4);
    expect(today).toEqual({ name: "today", report: alone });
    expect(comparison.trace).toHaveLength(alone.claims);
    // Without prebuilds every claim misses, and the claims are the same ones, hour by hour.
    expect({ name: none?.name, claims: none?.report.claims, hits: none?.report.hits, idle: none?.report.idlePrebuildHours, builds: none?.report.buildsStarted }).toEqual({
      name: "none",
      claims: alone.claims,
      hits: 0,
      idle: 0,
      builds: 0,
    });
    expect(none?.report.hourly.claims).toEqual(alone.hourly.claims);
  });

  it("names the scenario that lacks a preset the claims come from, and a bad field of any scenario", async () => {
    const missing = { ...businessHours, presets: businessHours.presets.slice(0, 1) };
    const error = await compareScenarios([{ name: "a", scenario: businessHours }, { name: "b", scenario: missing }], { days: 1 }).catch((caught: unknown) => caught);
    expect((error as ScenarioValidationError).issues).toEqual([{ path: "scenarios[1].presets", message: 'has no preset "us-dev", whose claims the first scenario\'s demand makes' }]);
    const bad = { ...businessHours, stepSeconds: -5 };
    const second = await compareScenarios([{ name: "a", scenario: businessHours }, { name: "b", scenario: bad }], { days: 1 }).catch((caught: unknown) => caught);
    expect((second as ScenarioValidationError).issues).toEqual([{ path: "scenarios[1].stepSeconds", message: "expected a number of seconds > 0, got -5" }]);
    const none = await compareScenarios([]).catch((caught: unknown) => caught);
    expect((none as ScenarioValidationError).issues).toEqual([{ path: "scenarios", message: "expected at least one scenario" }]);
  });
});
