/**
 * The commands of the model-based tests: what a host, its users and its infrastructure can do to
 * a running Reconciler, each with the checks that only make sense right after it.
 */

import fc from "fast-check";
import { expect } from "vitest";
import type { ClaimRequest } from "../../src/index.js";
import {
  buildsInProgress,
  checkInvariants,
  claimable,
  emptyCoverage,
  expectedActions,
  CONVERGENCE_ROUNDS,
  hardLimitedByRows,
  isActive,
  latestCreateFailed,
  MAX_LATENCY_MS,
  modelDesired,
  presetId,
  recordClaim,
  runningPrebuilds,
  SCHEDULES,
  setupWorld,
  startsInProgress,
  startsQueued,
  templateVersionId,
  toMemoryPreset,
  type Coverage,
  type ExpectedActions,
  type Model,
  type ModelPreset,
  type Real,
  type ScheduleKey,
  type StoreMethod,
} from "./harness.js";

/** Where the commands tally which invariants they exercised (one test file per worker). */
export const tally: { coverage: Coverage; gauges: { presets: boolean; paused: boolean } } = { coverage: emptyCoverage(), gauges: { presets: false, paused: false } };

/** A command; `run` ends with the invariants that must hold after every step. */
export abstract class Step implements fc.AsyncCommand<Model, Real> {
  check(model: Readonly<Model>): boolean {
    void model;
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await this.apply(model, real, tally.coverage);
    checkInvariants(model, real, tally.coverage);
  }
  protected abstract apply(model: Model, real: Real, coverage: Coverage): Promise<void>;
  abstract toString(): string;
}

function presetIds(model: Readonly<Model>): string[] {
  return [...model.presets.keys()].sort();
}

function pickPreset(model: Readonly<Model>, index: number): ModelPreset {
  const ids = presetIds(model);
  const preset = model.presets.get(ids[index % ids.length] ?? "");
  if (preset === undefined) throw new Error("no presets");
  return preset;
}

const TEMPLATE_IDS = ["t1", "t2"] as const;

// ── time ─────────────────────────────────────────────────────────────────────

/** Simulated time passes; the provisioner finishes and starts builds. */
export class Advance extends Step {
  constructor(readonly ms: number) {
    super();
  }
  protected async apply(_model: Model, real: Real): Promise<void> {
    real.clock.advance(this.ms);
    real.simulator.advance();
  }
  toString(): string {
    return `advance(${Math.round(this.ms / 1000)} s)`;
  }
}

// ── cycles ───────────────────────────────────────────────────────────────────

interface Before {
  readonly gauges: { desired: number; running: number; eligible: number; hardLimited: number };
  readonly active: boolean;
  readonly inProgress: number;
  readonly hardLimited: boolean;
  readonly expected: ExpectedActions;
}

/** One reconcileOnce with the checks that need the state just before it. */
async function cycle(model: Model, real: Real, coverage: Coverage, raceUser: string | null): Promise<Set<string>> {
  const before = new Map<string, Before>();
  const nowMs = real.clock.now().getTime();
  for (const preset of model.presets.values()) {
    const active = isActive(model, preset);
    const hardLimited = hardLimitedByRows(model, real, preset);
    before.set(preset.id, {
      gauges: {
        desired: modelDesired(model, preset, nowMs),
        running: runningPrebuilds(real, preset.id).length,
        eligible: active ? claimable(real, preset.id, preset.ttlSeconds).length : 0,
        hardLimited: hardLimited ? 1 : 0,
      },
      active,
      inProgress: startsInProgress(real, preset.id),
      hardLimited,
      expected: expectedActions(model, real, preset, nowMs),
    });
  }
  // The pause is read first; the snapshot only when not paused globally.
  const aborting = model.storeFailure === "isPaused" || (model.storeFailure === "loadSnapshot" && !model.pausedGlobal) ? model.storeFailure : null;
  const callsFrom = real.calls.length;
  const racesFrom = real.raceClaims.length;
  const pausedGaugeBefore = real.metrics.gauges.get("paused");
  real.cycle += 1;
  real.raceUser = raceUser;
  const stats = await real.reconciler.reconcileOnce();
  real.raceUser = null;
  const calls = real.calls.slice(callsFrom);

  // A claim that raced the cycle (between its snapshot and a delete) is an ordinary claim.
  const racedPresets = new Set<string>();
  for (const race of real.raceClaims.slice(racesFrom)) {
    racedPresets.add(race.presetId);
    expect(race.result instanceof Error, `racing claim rejected (store claim failing: ${String(model.storeFailure === "claim")})`).toBe(model.storeFailure === "claim");
    if (race.result instanceof Error) continue;
    recordClaim(model, coverage, { presetId: race.presetId, eligible: race.presetActive ? race.eligibleBefore : [], userId: race.userId }, race.result);
    if (race.result.status === "claimed") {
      const claimed = race.result.workspace.workspaceId;
      if (calls.some((call) => call.method === "deletePrebuild" && call.workspaceId === claimed)) coverage.raceCollisions += 1;
    }
  }

  // What the cycle reported matches what happened at the ports.
  expect(stats.lockAcquired).toBe(true);
  expect(stats.errors).toBe(stats.failures.length);
  expect(stats.failures.filter((failure) => failure.operation.startsWith("provisioner.")).length, "provisioner failures reported").toBe(calls.filter((call) => !call.ok).length);
  expect(stats.paused).toBe(model.pausedGlobal && model.storeFailure !== "isPaused");
  if (model.outage) expect(calls.filter((call) => call.ok), "calls that succeeded during an outage").toEqual([]);
  if (aborting !== null) expect(stats.failures).toContainEqual({ presetId: null, operation: `store.${aborting}`, message: `${aborting}: connection reset`, code: null });
  const progressed = !model.pausedGlobal && aborting === null;
  if (!progressed) expect(calls, "provisioner calls of a paused or aborted cycle").toEqual([]);
  for (const paused of model.pausedPresets) expect(calls.filter((call) => call.presetId === paused), `calls for paused preset ${paused}`).toEqual([]);
  if (progressed) {
    const planned = [...before.entries()].filter(([id]) => !model.pausedPresets.has(id)).map(([, state]) => state.expected);
    expect({
      presetsTotal: stats.presetsTotal,
      presetsReconciled: stats.presetsReconciled,
      creates: stats.actions.create,
      cancels: stats.actions.cancelPending,
      backoffs: stats.actions.backoff,
    }).toEqual({
      presetsTotal: model.presets.size,
      presetsReconciled: [...before.values()].filter((state) => !state.expected.skippable).length,
      creates: calls.filter((call) => call.method === "createPrebuilds" && call.ok).length,
      cancels: calls.filter((call) => call.method === "cancelPendingAndOrphanDelete" && call.ok).length,
      backoffs: planned.filter((expected) => expected.backoff).length,
    });
  }

  for (const preset of model.presets.values()) {
    const state = before.get(preset.id);
    if (state === undefined) continue;
    // The cycle asked the provisioner for exactly what the model plans from the same rows.
    if (progressed && !model.pausedPresets.has(preset.id)) {
      const mine = calls.filter((call) => call.presetId === preset.id);
      expect({
        preset: preset.id,
        deletes: mine.flatMap((call) => (call.method === "deletePrebuild" && call.workspaceId !== null ? [call.workspaceId] : [])).sort(),
        create: mine.filter((call) => call.method === "createPrebuilds").reduce((sum, call) => sum + call.count, 0),
        creates: mine.filter((call) => call.method === "createPrebuilds").length,
        cancel: mine.some((call) => call.method === "cancelPendingAndOrphanDelete"),
      }).toEqual({ preset: preset.id, deletes: state.expected.deletes, create: state.expected.create, creates: state.expected.create > 0 ? 1 : 0, cancel: state.expected.cancel });
      coverage.planChecks += 1;
    }
    const clean = progressed && !model.outage && !model.pausedPresets.has(preset.id);
    if (!state.active && clean) {
      // Queued creates of an inactive preset are cancelled in the same cycle.
      expect(startsQueued(real, preset.id), `queued creates of inactive ${preset.id}`).toBe(0);
      if (state.inProgress === 0) model.inactiveCleanCycles.set(preset.id, (model.inactiveCleanCycles.get(preset.id) ?? 0) + 1);
    }
    // The recorded status follows the store's hard-limit rule after every cycle that could write it.
    if (progressed && model.storeFailure !== "setPresetStatus" && !model.pausedPresets.has(preset.id)) {
      coverage.statusChecks += 1;
      expect(real.memory.presetStatus(preset.id), `recorded status of ${preset.id}`).toBe(state.hardLimited ? "hardLimited" : "normal");
    }
  }
  coverage.failedCreates += calls.filter((call) => call.method === "createPrebuilds" && !call.ok).length;
  // Gauges describe the state the cycle read: every preset's, skipped ones included (a preset
  // with nothing left must not go on reporting what it had), and the pause only when it was read.
  if (tally.gauges.paused) {
    // Read: the gauge is the pause state. Not read: it may keep its old value, never claim the opposite of the truth.
    const truth = model.pausedGlobal ? 1 : 0;
    const allowed = model.storeFailure === "isPaused" ? [pausedGaugeBefore, truth] : [truth];
    expect(allowed, `paused gauge (paused: ${String(model.pausedGlobal)}, pause read failing: ${String(model.storeFailure === "isPaused")})`).toContain(real.metrics.gauges.get("paused"));
    if (model.pausedGlobal) coverage.gaugeChecks += 1;
  }
  if (tally.gauges.presets) {
    if (progressed) {
      for (const preset of model.presets.values()) {
        const state = before.get(preset.id);
        if (state === undefined) continue;
        const gauge = (name: string) => real.metrics.gauges.get(`${name}:${preset.id}`) ?? 0;
        expect({ preset: preset.id, desired: gauge("desired"), running: gauge("running"), eligible: gauge("eligible"), hardLimited: gauge("hardLimited") }, "gauges").toEqual({ preset: preset.id, ...state.gauges });
        if (!state.active) coverage.gaugeChecks += 1;
      }
    }
  }
  return racedPresets;
}

/** A reconciliation cycle. */
export class Cycle extends Step {
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    await cycle(model, real, coverage, null);
  }
  toString(): string {
    return "cycle";
  }
}

/** A cycle during which a user claims from the pool just before the cycle deletes one of its prebuilds. */
export class CycleWithRacingClaim extends Step {
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    const user = `user-${model.nextUser}`;
    model.nextUser += 1;
    await cycle(model, real, coverage, user);
  }
  toString(): string {
    return "cycleWithRacingClaim";
  }
}

/** The host lowers a pool's desired count, and a user claims from it just as the cycle deletes the surplus. */
export class ShrinkWhileClaiming extends Step {
  constructor(
    readonly index: number,
    readonly desired: number,
  ) {
    super();
  }
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    await new SetDesired(this.index, this.desired).applyTo(model, real);
    const user = `user-${model.nextUser}`;
    model.nextUser += 1;
    await cycle(model, real, coverage, user);
  }
  toString(): string {
    return `shrinkWhileClaiming(preset #${this.index}, ${this.desired})`;
  }
}

/**
 * A round: a cycle, then enough time for every build to finish. A round is healthy for an active
 * preset when the provisioner is healthy (failure rate 0, no outage), nothing is paused, the cycle
 * can read the store, the preset is not backing off or hard-limited (its latest create did not
 * fail), nobody claims from it during the round and its desired count is the same at both ends.
 * After CONVERGENCE_ROUNDS consecutive healthy rounds aiming at the same count, its pool holds
 * exactly that many running prebuilds, all ready — and stays so for every further healthy round.
 */
export class Round extends Step {
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    const startMs = real.clock.now().getTime();
    const healthyProvisioner = model.failureRate === 0 && !model.outage && !model.pausedGlobal && model.storeFailure !== "loadSnapshot" && model.storeFailure !== "isPaused";
    const healthyAtStart = new Map<string, boolean>();
    for (const preset of model.presets.values()) {
      healthyAtStart.set(preset.id, healthyProvisioner && isActive(model, preset) && !model.pausedPresets.has(preset.id) && !latestCreateFailed(real, preset.id));
    }
    const raced = await cycle(model, real, coverage, null);
    for (let step = 0; step === 0 || (buildsInProgress(real) > 0 && step < 60); step += 1) {
      real.clock.advance(MAX_LATENCY_MS);
      real.simulator.advance();
    }
    expect(buildsInProgress(real), "builds still running after the round").toBe(0);
    const endMs = real.clock.now().getTime();
    for (const preset of model.presets.values()) {
      const desiredAtStart = modelDesired(model, preset, startMs);
      const desiredAtEnd = modelDesired(model, preset, endMs);
      const previous = model.healthyRounds.get(preset.id);
      if (healthyAtStart.get(preset.id) !== true || raced.has(preset.id) || desiredAtStart !== desiredAtEnd) {
        model.healthyRounds.delete(preset.id);
        continue;
      }
      const rounds = previous !== undefined && previous.desired === desiredAtStart ? previous.rounds + 1 : 1;
      model.healthyRounds.set(preset.id, { rounds, desired: desiredAtStart });
      if (rounds >= CONVERGENCE_ROUNDS) {
        coverage.convergenceChecks += 1;
        const running = runningPrebuilds(real, preset.id);
        expect({ preset: preset.id, running: running.length, notReady: running.filter((prebuild) => !prebuild.ready).length }).toEqual({
          preset: preset.id,
          running: desiredAtEnd,
          notReady: running.filter((prebuild) => model.unready.has(prebuild.id)).length,
        });
      }
    }
  }
  toString(): string {
    return "round";
  }
}

/** A running prebuild's agent stops (or starts again) reporting ready. */
export class FlipAgentReady extends Step {
  constructor(readonly index: number) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    const running = [...model.presets.keys()].flatMap((id) => runningPrebuilds(real, id).map((prebuild) => prebuild.id)).sort();
    const target = running.length === 0 ? undefined : real.memory.workspace(running[this.index % running.length] ?? "");
    if (target === undefined) return;
    target.ready = !target.ready;
    if (target.ready) model.unready.delete(target.id);
    else model.unready.add(target.id);
  }
  toString(): string {
    return `flipAgentReady(#${this.index})`;
  }
}

// ── claims ───────────────────────────────────────────────────────────────────

/** A user claims from a preset (an index past the last preset names an unknown one). */
export class ClaimFromPreset extends Step {
  constructor(readonly index: number) {
    super();
  }
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    const ids = presetIds(model);
    const index = this.index % (ids.length + 1);
    const target = index < ids.length ? (ids[index] ?? "") : "no-such-preset";
    const preset = model.presets.get(target);
    const userId = `user-${model.nextUser}`;
    model.nextUser += 1;
    const eligible = preset !== undefined && isActive(model, preset) ? claimable(real, target, preset.ttlSeconds) : [];
    await doClaim(model, real, coverage, { presetId: target, claimant: { userId, workspaceName: "dev" } }, { presetId: target, eligible, userId });
  }
  toString(): string {
    return `claim(preset #${this.index})`;
  }
}

export const PARAMETER_SETS: readonly Record<string, string>[] = [
  {},
  { region: "eu" },
  { region: "eu", size: "xl" },
  { region: "eu", size: "xl", gpu: "yes" },
  { region: "us", size: "xl" },
  { region: "ap" },
  { region: "eu", editor: "vim" },
];

/** The preset a request fits, by SPEC §7: all its parameters equal, most parameters, then smallest id. */
function expectedMatch(model: Model, versionId: string, parameters: Record<string, string>): ModelPreset | null {
  let best: ModelPreset | null = null;
  for (const preset of model.presets.values()) {
    if (templateVersionId(preset.templateId, preset.version) !== versionId) continue;
    const entries = Object.entries(preset.parameters);
    if (!entries.every(([name, value]) => parameters[name] === value)) continue;
    const size = entries.length;
    const bestSize = best === null ? -1 : Object.keys(best.parameters).length;
    if (size > bestSize || (size === bestSize && best !== null && preset.id < best.id)) best = preset;
  }
  return best;
}

/** A user claims by template version and parameters (version may not exist). */
export class ClaimByParameters extends Step {
  constructor(
    readonly template: number,
    readonly version: number,
    readonly parameters: number,
  ) {
    super();
  }
  protected async apply(model: Model, real: Real, coverage: Coverage): Promise<void> {
    const templateId = TEMPLATE_IDS[this.template % TEMPLATE_IDS.length] ?? "t1";
    const versionId = templateVersionId(templateId, this.version);
    const parameters = PARAMETER_SETS[this.parameters % PARAMETER_SETS.length] ?? {};
    const match = expectedMatch(model, versionId, parameters);
    const userId = `user-${model.nextUser}`;
    model.nextUser += 1;
    const eligible = match !== null && isActive(model, match) ? claimable(real, match.id, match.ttlSeconds) : [];
    await doClaim(model, real, coverage, { templateVersionId: versionId, parameters, claimant: { userId, workspaceName: "dev" } }, { presetId: match?.id ?? null, eligible, userId });
  }
  toString(): string {
    return `claimByParameters(${TEMPLATE_IDS[this.template % TEMPLATE_IDS.length]}-v${this.version}, ${JSON.stringify(PARAMETER_SETS[this.parameters % PARAMETER_SETS.length])})`;
  }
}

async function doClaim(model: Model, real: Real, coverage: Coverage, request: ClaimRequest, expected: { presetId: string | null; eligible: readonly string[]; userId: string }): Promise<void> {
  const failing = model.storeFailure === "claim" && expected.presetId !== null ? "claim" : model.storeFailure === "presetsOfTemplateVersion" && !("presetId" in request) ? "presetsOfTemplateVersion" : null;
  if (failing !== null) {
    // The store cannot be read: the claim fails loudly, and nothing is handed out.
    await expect(real.reconciler.claim(request)).rejects.toThrow(`${failing}: connection reset`);
    return;
  }
  recordClaim(model, coverage, expected, await real.reconciler.claim(request));
}

// ── the provisioner's health ────────────────────────────────────────────────

/** Builds start failing (or succeeding) with this probability from now on. */
export class SetFailureRate extends Step {
  constructor(readonly rate: number) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    model.failureRate = this.rate;
    real.simulator.failureRate = this.rate;
  }
  toString(): string {
    return `failureRate(${this.rate})`;
  }
}

/** The provisioner becomes unreachable (every call rejects), or reachable again. */
export class SetOutage extends Step {
  constructor(readonly down: boolean) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    model.outage = this.down;
    real.simulator.outage = this.down ? new Error("provisioner unreachable") : null;
  }
  toString(): string {
    return this.down ? "outage(start)" : "outage(end)";
  }
}

/** One store method starts failing (null: the store heals). */
export class SetStoreFailure extends Step {
  constructor(readonly method: StoreMethod | null) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    model.storeFailure = this.method;
    real.storeFailures.clear();
    const method = this.method;
    if (method !== null) real.storeFailures.set(method, () => new Error(`${method}: connection reset`));
  }
  toString(): string {
    return `storeFailure(${this.method ?? "healed"})`;
  }
}

// ── templates and presets ───────────────────────────────────────────────────

/** A template gets a new active version: the old presets become inactive, new ones appear. */
export class Promote extends Step {
  constructor(readonly template: number) {
    super();
  }
  override check(model: Readonly<Model>): boolean {
    return (model.templates.get(TEMPLATE_IDS[this.template % TEMPLATE_IDS.length] ?? "")?.activeVersion ?? 99) < 4;
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    const template = model.templates.get(TEMPLATE_IDS[this.template % TEMPLATE_IDS.length] ?? "");
    if (template === undefined) throw new Error("no template");
    const old = template.activeVersion;
    template.activeVersion = old + 1;
    for (const base of template.bases) {
      const previous = model.presets.get(presetId(base.base, old));
      if (previous === undefined) throw new Error(`no preset ${base.base} v${old}`);
      real.memory.updatePreset(previous.id, (stored) => ({ ...stored, usingActiveVersion: false }));
      const next: ModelPreset = { ...previous, id: presetId(base.base, old + 1), version: old + 1 };
      model.presets.set(next.id, next);
      real.memory.upsertPreset(toMemoryPreset(model, next));
    }
  }
  toString(): string {
    return `promote(${TEMPLATE_IDS[this.template % TEMPLATE_IDS.length]})`;
  }
}

/** A template is deprecated: every preset of it becomes inactive, for good. */
export class Deprecate extends Step {
  constructor(readonly template: number) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    const template = model.templates.get(TEMPLATE_IDS[this.template % TEMPLATE_IDS.length] ?? "");
    if (template === undefined) throw new Error("no template");
    template.deprecated = true;
    for (const preset of model.presets.values()) {
      if (preset.templateId === template.id) real.memory.updatePreset(preset.id, (stored) => ({ ...stored, templateDeprecated: true }));
    }
  }
  toString(): string {
    return `deprecate(${TEMPLATE_IDS[this.template % TEMPLATE_IDS.length]})`;
  }
}

function syncPause(model: Model, real: Real): void {
  real.memory.setPaused({ global: model.pausedGlobal, presetIds: [...model.pausedPresets].sort() });
}

/** Reconciliation is paused or resumed for every preset. */
export class PauseGlobal extends Step {
  constructor(readonly paused: boolean) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    model.pausedGlobal = this.paused;
    syncPause(model, real);
  }
  toString(): string {
    return this.paused ? "pauseAll" : "resumeAll";
  }
}

/** Reconciliation is paused or resumed for one preset. */
export class PausePreset extends Step {
  constructor(
    readonly index: number,
    readonly paused: boolean,
  ) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    const preset = pickPreset(model, this.index);
    if (this.paused) model.pausedPresets.add(preset.id);
    else model.pausedPresets.delete(preset.id);
    syncPause(model, real);
  }
  toString(): string {
    return `${this.paused ? "pause" : "resume"}(preset #${this.index})`;
  }
}

/** A preset's base desired count changes. */
export class SetDesired extends Step {
  constructor(
    readonly index: number,
    readonly desired: number,
  ) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    await this.applyTo(model, real);
  }
  async applyTo(model: Model, real: Real): Promise<void> {
    const preset = pickPreset(model, this.index);
    preset.desired = this.desired;
    model.healthyRounds.delete(preset.id);
    real.memory.updatePreset(preset.id, (stored) => ({ ...stored, desiredInstances: this.desired }));
  }
  toString(): string {
    return `desired(preset #${this.index}, ${this.desired})`;
  }
}

/** A preset's schedule changes. */
export class SetSchedule extends Step {
  constructor(
    readonly index: number,
    readonly schedule: ScheduleKey,
  ) {
    super();
  }
  protected async apply(model: Model, real: Real): Promise<void> {
    const preset = pickPreset(model, this.index);
    preset.schedule = this.schedule;
    model.healthyRounds.delete(preset.id);
    real.memory.updatePreset(preset.id, (stored) => ({ ...stored, scheduling: SCHEDULES[this.schedule].scheduling }));
  }
  toString(): string {
    return `schedule(preset #${this.index}, ${this.schedule})`;
  }
}

// ── arbitraries ─────────────────────────────────────────────────────────────

const presetIndex = fc.nat({ max: 15 });
const STORE_METHODS: readonly (StoreMethod | null)[] = ["loadSnapshot", "isPaused", "organizationsWithPrebuildStatus", "setPresetStatus", "claim", "presetsOfTemplateVersion", null, null, null];

export const arbitraries = {
  advance: fc.integer({ min: 10_000, max: 30 * 60_000 }).map((ms) => new Advance(ms)),
  cycle: fc.constant(null).map(() => new Cycle()),
  racingCycle: fc.constant(null).map(() => new CycleWithRacingClaim()),
  round: fc.constant(null).map(() => new Round()),
  shrinkWhileClaiming: fc.tuple(presetIndex, fc.integer({ min: 0, max: 1 })).map(([index, desired]) => new ShrinkWhileClaiming(index, desired)),
  claim: fc.nat({ max: 16 }).map((index) => new ClaimFromPreset(index)),
  flipAgentReady: fc.nat({ max: 20 }).map((index) => new FlipAgentReady(index)),
  claimByParameters: fc.tuple(fc.nat({ max: 1 }), fc.integer({ min: 1, max: 5 }), fc.nat({ max: PARAMETER_SETS.length - 1 })).map(([template, version, parameters]) => new ClaimByParameters(template, version, parameters)),
  failureRate: fc.constantFrom(0, 0, 0.3, 1).map((rate) => new SetFailureRate(rate)),
  healthyOnly: fc.constant(null).map(() => new SetFailureRate(0)),
  failing: fc.constant(null).map(() => new SetFailureRate(1)),
  outage: fc.boolean().map((down) => new SetOutage(down)),
  storeFailure: fc.constantFrom(...STORE_METHODS).map((method) => new SetStoreFailure(method)),
  promote: fc.nat({ max: 1 }).map((template) => new Promote(template)),
  deprecate: fc.nat({ max: 1 }).map((template) => new Deprecate(template)),
  pauseGlobal: fc.boolean().map((paused) => new PauseGlobal(paused)),
  pausePreset: fc.tuple(presetIndex, fc.boolean()).map(([index, paused]) => new PausePreset(index, paused)),
  desired: fc.tuple(presetIndex, fc.integer({ min: 0, max: 4 })).map(([index, desired]) => new SetDesired(index, desired)),
  schedule: fc.tuple(presetIndex, fc.constantFrom<ScheduleKey>("none", "morningUtc", "kolkataOverlap")).map(([index, schedule]) => new SetSchedule(index, schedule)),
};

/**
 * Runs `numRuns` random command sequences (up to 30 commands, on a cold or a warm world, with
 * unlimited provisioner capacity or 3 builds at a time, builds failing at one of
 * `initialFailureRates` until a command changes it) and returns what they exercised.
 */
export async function runModel(commandArbitraries: fc.Arbitrary<Step>[], numRuns: number, initialFailureRates: readonly number[] = [0]): Promise<Coverage> {
  tally.coverage = emptyCoverage();
  await fc.assert(
    fc.asyncProperty(
      fc.commands(commandArbitraries, { maxCommands: 30, size: "medium" }),
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.constantFrom<number | null>(null, null, 3),
      fc.boolean(),
      fc.constantFrom(...initialFailureRates),
      async (commands, seed, capacity, warm, failureRate) => {
        tally.coverage.runs += 1;
        await fc.asyncModelRun(() => setupWorld(seed, capacity, warm, failureRate), commands);
      },
    ),
    { numRuns, ...(process.env["MODEL_SEED"] === undefined ? {} : { seed: Number(process.env["MODEL_SEED"]) }) },
  );
  return tally.coverage;
}
