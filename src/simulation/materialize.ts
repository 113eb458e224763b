/** A scenario's demand written out as the claims it makes, to replay, edit or save as CSV. */

import { arrivalsAsTrace, claimArrivals } from "./demand.js";
import { runSettings, stepsOf, type SimulateOptions } from "./engine.js";
import { resolveScenario, type SimulationScenario } from "./scenario.js";
import type { ClaimTrace } from "./trace.js";

/**
 * The claims a simulation of `scenario` makes with these options: drawn from each preset's rates
 * with the seed, or replayed from its trace, in the order they are made. Simulating the scenario
 * with this trace instead of its demand, for the same days and seed, gives the same report.
 *
 * @throws {ScenarioValidationError} naming every bad field.
 * @example
 * const claims = materializeDemand(scenario, { days: 7, seed: 1 });
 * writeFileSync("claims.csv", formatClaimTrace(claims)); // an editable trace: add a burst, move the rush
 */
export function materializeDemand(scenario: SimulationScenario, options: Omit<SimulateOptions, "fastForward"> = {}): ClaimTrace {
  const resolved = resolveScenario(scenario);
  const settings = runSettings(resolved, options);
  return arrivalsAsTrace(resolved, claimArrivals(resolved, stepsOf(resolved, settings.days), settings.seed));
}
