import { type Metrics, type Notifier, type Preset, type Provisioner, type Store } from "../../src/index.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../../src/testing.js";

export const SYSTEM_USER = "prebuilds-system";
export const START = new Date("2025-06-02T08:00:00.000Z"); // a Monday

export function memoryPreset(id: string, overrides: Partial<MemoryPreset> = {}): MemoryPreset {
  return {
    id,
    name: `${id}-name`,
    organizationId: "org-1",
    templateId: "template-1",
    templateVersionId: "version-1",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 2,
    ttlSeconds: null,
    lastInvalidatedAt: null,
    scheduling: null,
    parameters: {},
    ...overrides,
  };
}

/** Every call made to a port, in order, with the arguments. */
export interface CallLog {
  readonly calls: { readonly port: string; readonly method: string; readonly args: readonly unknown[] }[];
  count(port: string, method?: string): number;
}

export function callLog(): CallLog {
  const calls: CallLog["calls"] = [];
  return {
    calls,
    count: (port, method) => calls.filter((call) => call.port === port && (method === undefined || call.method === method)).length,
  };
}

/** Wraps every method of a port so that calls are logged and can be made to fail. */
export function instrument<T extends object>(port: string, target: T, log: CallLog, failures: Map<string, (args: readonly unknown[]) => unknown> = new Map()): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        log.calls.push({ port, method: property, args });
        const failure = failures.get(property);
        if (failure !== undefined) {
          const error = failure(args);
          if (error instanceof Error) {
            if (property === "incrementCounter" || property === "setGauge" || property === "observeHistogram") throw error;
            return Promise.reject(error);
          }
        }
        return (value as (...callArgs: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

export const STORE_WRITES = [
  "addSystemUserToOrganization",
  "createPrebuildsGroup",
  "addSystemUserToPrebuildsGroup",
  "setPresetStatus",
  "claim",
] as const;

export interface RecordingMetrics extends Metrics {
  readonly counters: Map<string, number>;
  readonly gauges: Map<string, number>;
  readonly histograms: Map<string, number[]>;
}

export function recordingMetrics(): RecordingMetrics {
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  const histograms = new Map<string, number[]>();
  const key = (name: string, labels: { presetId: string } | null) => (labels === null ? name : `${name}:${labels.presetId}`);
  return {
    counters,
    gauges,
    histograms,
    incrementCounter: (name, labels, by) => void counters.set(key(name, labels), (counters.get(key(name, labels)) ?? 0) + by),
    setGauge: (name, labels, value) => void gauges.set(key(name, labels), value),
    observeHistogram: (name, labels, seconds) => void histograms.set(key(name, labels), [...(histograms.get(key(name, labels)) ?? []), seconds]),
  };
}

export interface RecordingNotifier extends Notifier {
  readonly hardLimits: string[];
  readonly replacements: string[];
}

export function recordingNotifier(): RecordingNotifier {
  const hardLimits: string[] = [];
  const replacements: string[] = [];
  return {
    hardLimits,
    replacements,
    hardLimitReached: async (preset: Preset) => void hardLimits.push(preset.id),
    resourcesReplaced: async (claim, resources) => void replacements.push(`${claim.workspaceId}:${resources.map((entry) => entry.resource).join(",")}`),
  };
}

export interface World {
  readonly clock: ManualClock;
  readonly memory: InMemoryStore;
  readonly simulator: SimulatedProvisioner;
  readonly log: CallLog;
  readonly storeFailures: Map<string, (args: readonly unknown[]) => unknown>;
  readonly provisionerFailures: Map<string, (args: readonly unknown[]) => unknown>;
  readonly store: Store;
  readonly provisioner: Provisioner;
  /** Moves time and lets the simulated builds progress. */
  advance(ms: number): void;
}

/**
 * The store without `loadBuildTotals`: the Reconciler then counts created, failed and claimed
 * prebuilds by its own calls, the behaviour these tests were written for.
 */
export function withoutBuildTotals<T extends object>(store: T): T {
  return new Proxy(store, {
    get: (object, property, receiver) => (property === "loadBuildTotals" ? undefined : Reflect.get(object, property, receiver)),
    has: (object, property) => property !== "loadBuildTotals" && Reflect.has(object, property),
  });
}

/** `buildTotals: true` lets the Reconciler see the store's `loadBuildTotals`; by default it does not. */
export function makeWorld(presets: MemoryPreset[], options: { failureRate?: number; hardLimit?: number; seed?: number; capacity?: number; buildTotals?: boolean } = {}): World {
  const clock = new ManualClock(START);
  const memory = new InMemoryStore({ clock, systemUserId: SYSTEM_USER, ...(options.hardLimit === undefined ? {} : { hardLimit: options.hardLimit }) });
  for (const preset of presets) memory.upsertPreset(preset);
  const simulator = new SimulatedProvisioner({ store: memory, clock, seed: options.seed ?? 1, failureRate: options.failureRate ?? 0, minLatencyMs: 30_000, maxLatencyMs: 90_000, ...(options.capacity === undefined ? {} : { capacity: options.capacity }) });
  const log = callLog();
  const storeFailures = new Map<string, (args: readonly unknown[]) => unknown>();
  const provisionerFailures = new Map<string, (args: readonly unknown[]) => unknown>();
  return {
    clock,
    memory,
    simulator,
    log,
    storeFailures,
    provisionerFailures,
    store: options.buildTotals === true ? instrument("store", memory, log, storeFailures) : withoutBuildTotals(instrument("store", memory, log, storeFailures)),
    provisioner: instrument("provisioner", simulator, log, provisionerFailures),
    advance(ms) {
      clock.advance(ms);
      simulator.advance();
    },
  };
}

/** Ready, unclaimed, undeleted prebuilds of a preset. */
export function readyPrebuilds(world: World, presetId: string): number {
  return world.memory.listWorkspaces().filter((workspace) => workspace.presetId === presetId && !workspace.deleted && workspace.ready && workspace.ownerId === SYSTEM_USER).length;
}
