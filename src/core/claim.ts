/** Pure helpers for claims (SPEC §7): which prebuild to hand out, and which preset a request fits. */

import { ArgumentValidationError } from "./errors.js";
import { isExpired } from "./expiry.js";
import { compareIds, oldestFirst } from "./ordering.js";
import { inactiveBecause } from "./state.js";
import type { Clock, PresetSnapshot, RunningPrebuild } from "./types/index.js";
import { assertValidSnapshot, readClock } from "./validate/index.js";
import { array, describeValue, id, isRecord, issuesOf, object, type Rule } from "./validate/rules.js";

function isStringRecord(value: unknown): value is Readonly<Record<string, string>> {
  if (!isRecord(value) || Array.isArray(value)) return false;
  for (const key in value) if (typeof value[key] !== "string") return false;
  return true;
}

/** Template parameters: an object of string values; a value that is not a string is named by its key. */
export const parametersRule: Rule<Readonly<Record<string, string>>> = {
  is: isStringRecord,
  explain(value, path, issues) {
    if (isStringRecord(value)) return;
    if (!isRecord(value) || Array.isArray(value)) {
      issues.add(path, `must be an object whose values are strings, got ${describeValue(value)}`);
      return;
    }
    for (const key in value) if (typeof value[key] !== "string") issues.add([...path, key], `must be a string, got ${describeValue(value[key])}`);
  },
};
const parameterizedPresets = array(object({ id, parameters: parametersRule }));

/**
 * The prebuild a claim should take: a ready, unexpired prebuild of an active preset, the oldest
 * first (it would expire first). `null` when there is none: the host builds a workspace cold.
 *
 * @throws {SnapshotValidationError} when the snapshot is invalid.
 * @example
 * const candidate = selectClaimCandidate(snapshot, clock);
 * if (candidate === null) return buildCold();
 */
export function selectClaimCandidate(snapshot: PresetSnapshot, clock: Clock): RunningPrebuild | null {
  assertValidSnapshot(snapshot);
  const nowMs = readClock(clock);
  if (inactiveBecause(snapshot.preset) !== null) return null;
  let best: RunningPrebuild | null = null;
  for (const prebuild of snapshot.running) {
    if (!prebuild.ready || isExpired(snapshot.preset, prebuild, nowMs)) continue;
    if (best === null || oldestFirst(prebuild, best) < 0) best = prebuild;
  }
  return best;
}

/** A preset as {@link findMatchingPreset} sees it: its id and its parameter values. */
export interface ParameterizedPreset {
  /** The preset's id. */
  readonly id: string;
  /** The template parameters the preset sets. */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The preset of one template version that a workspace request fits, so that a request made
 * without choosing a preset can still claim a prebuild. Candidates are presets all of whose
 * parameters appear in `parameters` with equal values; the one setting most parameters wins,
 * ties going to the smallest id. `null` when no preset fits.
 *
 * @example
 * findMatchingPreset(
 *   [{ id: "small", parameters: { region: "eu" } }, { id: "large", parameters: { region: "eu", size: "xl" } }],
 *   { region: "eu", size: "xl", editor: "vim" },
 * ); // → the "large" preset
 * @throws {ArgumentValidationError} when `parameters` is not an object of strings, or a preset's parameters are not.
 */
export function findMatchingPreset<P extends ParameterizedPreset>(
  presets: readonly P[],
  parameters: Readonly<Record<string, string>>,
): P | null {
  if (!parametersRule.is(parameters) || !parameterizedPresets.is(presets)) {
    const issues = [...issuesOf(parameterizedPresets, presets, "presets", ["presets"]), ...issuesOf(parametersRule, parameters, "parameters", ["parameters"])];
    throw new ArgumentValidationError("findMatchingPreset arguments", issues);
  }
  let best: P | null = null;
  let bestSize = -1;
  for (const preset of presets) {
    const entries = Object.entries(preset.parameters);
    const fits = entries.every(([name, value]) => Object.hasOwn(parameters, name) && parameters[name] === value);
    if (!fits) continue;
    if (entries.length > bestSize || (entries.length === bestSize && best !== null && compareIds(preset.id, best.id) < 0)) {
      best = preset;
      bestSize = entries.length;
    }
  }
  return best;
}
