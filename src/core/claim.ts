/** Pure helpers for claims (SPEC §7): which prebuild to hand out, and which preset a request fits. */

import { _isExpired } from "./expiry.js";
import { _compareIds, _oldestFirst } from "./ordering.js";
import { _inactiveBecause } from "./state.js";
import type { Clock, PresetSnapshot, RunningPrebuild } from "./types.js";
import { _assertValidSnapshot, _readClock } from "./validate.js";

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
  _assertValidSnapshot(snapshot);
  const nowMs = _readClock(clock);
  if (_inactiveBecause(snapshot.preset) !== null) return null;
  let best: RunningPrebuild | null = null;
  for (const prebuild of snapshot.running) {
    if (!prebuild.ready || _isExpired(snapshot.preset, prebuild, nowMs)) continue;
    if (best === null || _oldestFirst(prebuild, best) < 0) best = prebuild;
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
 */
export function findMatchingPreset<P extends ParameterizedPreset>(
  presets: readonly P[],
  parameters: Readonly<Record<string, string>>,
): P | null {
  let best: P | null = null;
  let bestSize = -1;
  for (const preset of presets) {
    const entries = Object.entries(preset.parameters);
    const fits = entries.every(([name, value]) => Object.hasOwn(parameters, name) && parameters[name] === value);
    if (!fits) continue;
    if (entries.length > bestSize || (entries.length === bestSize && best !== null && _compareIds(preset.id, best.id) < 0)) {
      best = preset;
      bestSize = entries.length;
    }
  }
  return best;
}
