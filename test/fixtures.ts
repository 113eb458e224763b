import type { Clock, GlobalSnapshot, Preset, PresetSnapshot, RunningPrebuild } from "../src/index.js";

export const NOW = new Date("2025-06-02T10:00:00.000Z"); // a Monday

export function clockAt(at: Date | string): Clock {
  const instant = typeof at === "string" ? new Date(at) : at;
  return { now: () => instant };
}

export function makePreset(overrides: Partial<Preset> = {}): Preset {
  return {
    id: "preset-a",
    name: "eu-small",
    organizationId: "org-1",
    templateId: "template-1",
    templateVersionId: "version-2",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 2,
    ttlSeconds: null,
    lastInvalidatedAt: null,
    scheduling: null,
    ...overrides,
  };
}

export function makePrebuild(id: string, createdAt: string, ready = true, presetId = "preset-a"): RunningPrebuild {
  return { id, presetId, createdAt: new Date(createdAt), ready };
}

export function makeSnapshot(overrides: Partial<PresetSnapshot> = {}): PresetSnapshot {
  return {
    preset: makePreset(),
    running: [],
    inProgress: { start: 0, stop: 0, delete: 0 },
    pendingNonActive: 0,
    backoff: null,
    hardLimited: false,
    ...overrides,
  };
}

export function emptyGlobal(overrides: Partial<GlobalSnapshot> = {}): GlobalSnapshot {
  return { presets: [], running: [], inProgress: [], pendingNonActive: [], backoffs: [], hardLimitedPresetIds: [], ...overrides };
}

/** The error `run` throws; fails the test when it throws nothing. */
export function thrownError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error("expected an error, but nothing was thrown");
}
