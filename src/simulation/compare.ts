/**
 * Comparing configurations: several scenarios run on the same claims and the same seed, so that
 * their figures differ only by what the scenarios configure.
 */

import { arrivalsAsTrace, claimArrivals } from "./demand.js";
import { runScenario, runSettings, stepsOf, type SimulateOptions } from "./engine.js";
import type { SimulationReport } from "./report.js";
import { resolveScenario, ScenarioValidationError, type SimulationScenario } from "./scenario.js";
import type { ClaimTrace } from "./trace.js";

/** A scenario to compare, with the name it is shown under. */
export interface NamedScenario {
  /** How the scenario is called in the comparison (a file name, "tuned", …). */
  readonly name: string;
  /** The scenario. */
  readonly scenario: SimulationScenario;
}

/** The figures of each scenario on the same claims. */
export interface Comparison {
  /** Days simulated. */
  readonly days: number;
  /** The seed of every run. */
  readonly seed: number;
  /** The claims every scenario replayed. */
  readonly trace: ClaimTrace;
  /** Each scenario's report, in the order given. */
  readonly results: readonly {
    /** The scenario's name. */
    readonly name: string;
    /** Its figures on the claims. */
    readonly report: SimulationReport;
  }[];
}

/**
 * The scenario with its presets' own demand replaced by `trace`.
 *
 * @example
 * const replay = withTrace(candidate, parseClaimTrace(readFileSync("last-month.csv", "utf8")));
 */
export function withTrace(scenario: SimulationScenario, trace: ClaimTrace): SimulationScenario {
  return { ...scenario, trace, presets: scenario.presets.map(({ demand: _ignored, ...preset }) => preset) };
}

/**
 * Runs every scenario on the claims of the first one's demand (its rates drawn with the seed, or
 * its trace), with the same seed and days, so that the figures compare the configurations alone.
 * The other scenarios' own demand is ignored; each must have every preset the claims name. The
 * first scenario's report is the one {@link simulate} gives for it.
 *
 * @throws {ScenarioValidationError} naming the scenario (`scenarios[1].presets[0].desiredInstances`).
 * @example
 * const { results } = await compareScenarios([
 *   { name: "today", scenario: current },
 *   { name: "with lead time", scenario: { ...current, presets: current.presets.map((p) => ({ ...p, scheduling: { ...p.scheduling, leadTimeSeconds: 600 } })) } },
 * ], { days: 28 });
 * for (const { name, report } of results) console.log(name, report.hitRate, report.idlePrebuildHours);
 */
export async function compareScenarios(scenarios: readonly NamedScenario[], options: SimulateOptions = {}): Promise<Comparison> {
  const first = scenarios[0];
  if (first === undefined) throw new ScenarioValidationError([{ path: "scenarios", message: "expected at least one scenario" }]);
  const resolvedFirst = inScenario(0, () => resolveScenario(first.scenario));
  const settings = runSettings(resolvedFirst, options);
  const trace = arrivalsAsTrace(resolvedFirst, claimArrivals(resolvedFirst, stepsOf(resolvedFirst, settings.days), settings.seed));
  const claimed = new Set(trace.map((claim) => claim.presetId));
  const results: { name: string; report: SimulationReport }[] = [];
  for (const [index, { name, scenario }] of scenarios.entries()) {
    const resolved = inScenario(index, () => {
      const ids = new Set(Array.isArray(scenario.presets) ? scenario.presets.map((preset) => preset.id) : []);
      const missing = [...claimed].filter((presetId) => !ids.has(presetId));
      if (missing.length > 0) throw new ScenarioValidationError(missing.map((presetId) => ({ path: "presets", message: `has no preset ${JSON.stringify(presetId)}, whose claims the first scenario's demand makes` })));
      return resolveScenario(withTrace(scenario, trace));
    });
    // Each run replays the same claims: drawn once, above, and given to every scenario as a trace.
    const report = await runScenario(resolved, settings, claimArrivals(resolved, stepsOf(resolved, settings.days), settings.seed));
    results.push({ name, report });
  }
  return { days: settings.days, seed: settings.seed, trace, results };
}

/** Runs `work`, naming the scenario in the paths of the problems it finds. */
function inScenario<T>(index: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ScenarioValidationError) throw new ScenarioValidationError(error.issues.map((issue) => ({ path: `scenarios[${index}].${issue.path}`, message: issue.message })));
    throw error;
  }
}
