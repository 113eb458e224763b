/**
 * The worked examples of docs/decision-rules.md, one per rule of SPEC §3–§7 and §11–§12.
 *
 *   node --import tsx examples/decision-rules.ts
 *
 * Every output shown in that page was pasted from this script's output.
 */

import {
  afterExecution,
  calculateActions,
  calculateState,
  canSkipReconciliation,
  describeAction,
  desiredInstances,
  findMatchingPreset,
  nextChangeAt,
  planCycle,
  PolicyValidationError,
  presetConfigurationKey,
  selectClaimCandidate,
  validatePolicy,
  validatePreset,
  type ClaimEvent,
  type Clock,
  type CyclePlan,
  type GlobalSnapshot,
  type Preset,
  type PresetMemoryRow,
  type PresetSnapshot,
  type ReconcilePolicy,
  type RunningPrebuild,
} from "../src/index.js";

// Shared helpers: an active preset "p1" that wants 2, and a snapshot of it with nothing in it.
function preset(overrides: Partial<Preset> = {}): Preset {
  return {
    id: "p1",
    name: "eu-dev",
    organizationId: "org",
    templateId: "tpl",
    templateVersionId: "tv-2",
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
function prebuild(id: string, createdAt: string, ready = true, presetId = "p1"): RunningPrebuild {
  return { id, presetId, createdAt: new Date(createdAt), ready };
}
function snapshot(overrides: Partial<PresetSnapshot> = {}): PresetSnapshot {
  const empty = { running: [], inProgress: { start: 0, stop: 0, delete: 0 }, pendingNonActive: 0, backoff: null, hardLimited: false };
  return { preset: preset(), ...empty, ...overrides };
}
function at(iso: string): Clock {
  return { now: () => new Date(iso) };
}
function show(title: string, value: unknown): void {
  console.log(`\n## ${title}\n${JSON.stringify(value, null, 2)}`);
}

// §3 Schedules: the largest matching schedule wins; windows are exact. 2026-06-01 is a Monday (CEST, UTC+2).
const scheduled = preset({
  desiredInstances: 1,
  scheduling: {
    timezone: "Europe/Berlin",
    schedules: [
      { cron: "* 9-18 * * 1-5", instances: 3 },
      { cron: "* 12-13 * * 1-5", instances: 5 },
    ],
  },
});
const instants = ["2026-06-01T06:59:59Z", "2026-06-01T07:00:00Z", "2026-06-01T10:30:00Z", "2026-06-01T16:59:59Z", "2026-06-01T17:00:00Z", "2026-06-06T10:30:00Z"];
show("3 schedules", Object.fromEntries(instants.map((iso) => [iso, desiredInstances(scheduled, new Date(iso))])));

// §3 Inactive presets want 0, whatever their schedules say.
const deprecated = snapshot({
  preset: preset({ templateDeprecated: true, scheduling: { timezone: "UTC", schedules: [{ cron: "* * * * *", instances: 4 }] } }),
  running: [prebuild("ws-1", "2026-06-01T08:00:00Z")],
});
show("3 inactive wants 0", calculateState(deprecated, at("2026-06-01T10:00:00Z")));

// §4 Expiry: older than the TTL (strictly), or created strictly before the last invalidation.
const expiring = snapshot({
  preset: preset({ desiredInstances: 3, ttlSeconds: 3600, lastInvalidatedAt: new Date("2026-06-01T09:15:00Z") }),
  running: [
    prebuild("ws-a", "2026-06-01T09:00:00Z"), // exactly 1 h old: not past the TTL, but created before the invalidation
    prebuild("ws-b", "2026-06-01T09:15:00Z"), // created at the invalidation instant: unexpired
    prebuild("ws-c", "2026-06-01T09:30:00Z", false), // unexpired, not ready
    prebuild("ws-d", "2026-06-01T08:59:59Z"), // 1 h 1 s old: expired
  ],
  inProgress: { start: 1, stop: 0, delete: 2 },
});
show("4 state and expiry", calculateState(expiring, at("2026-06-01T10:00:00Z")));

// §5.1 Inactive preset: cancel queued creates, delete every running prebuild; backoff is ignored.
const outdated = snapshot({
  preset: preset({ usingActiveVersion: false }),
  running: [prebuild("ws-new", "2026-06-01T09:00:00Z"), prebuild("ws-old", "2026-05-30T09:00:00Z", false)],
  pendingNonActive: 3,
  backoff: { failedBuilds: 2, lastBuildAt: new Date("2026-06-01T09:59:00Z") },
});
show("5.1 inactive preset", calculateActions(outdated, at("2026-06-01T10:00:00Z")));

// §5.2 Active preset: delete the expired, then create what is missing (starting builds count).
const active = snapshot({
  preset: preset({ desiredInstances: 4, ttlSeconds: 86_400 }),
  running: [prebuild("ws-1", "2026-05-31T08:00:00Z"), prebuild("ws-2", "2026-05-31T09:00:00Z"), prebuild("ws-3", "2026-06-01T07:00:00Z")],
  inProgress: { start: 1, stop: 0, delete: 0 },
  pendingNonActive: 5, // ignored: the preset is active
});
show("5.2 active preset", calculateActions(active, at("2026-06-01T10:00:00Z")));

// §5.2 Surplus: not-ready first, then oldest, then smallest id.
const surplus = snapshot({
  preset: preset({ desiredInstances: 1 }),
  running: [
    prebuild("ws-b", "2026-06-01T08:00:00Z"),
    prebuild("ws-a", "2026-06-01T08:00:00Z"),
    prebuild("ws-young-unready", "2026-06-01T09:50:00Z", false),
    prebuild("ws-old", "2026-06-01T07:00:00Z"),
  ],
});
show("5.2 surplus", calculateActions(surplus, at("2026-06-01T10:00:00Z")));

// §5.3 Backoff: until = lastBuildAt + failedBuilds × backoffIntervalMs; deletions still happen.
const failing = snapshot({
  preset: preset({ desiredInstances: 2, ttlSeconds: 3600 }),
  running: [prebuild("ws-1", "2026-06-01T08:30:00Z")],
  backoff: { failedBuilds: 3, lastBuildAt: new Date("2026-06-01T09:58:00Z") },
});
const policy = { backoffIntervalMs: 60_000 };
show("5.3 backoff at 10:00:59", calculateActions(failing, at("2026-06-01T10:00:59Z"), policy));
show("5.3 action types at 10:01:00 and 10:01:00.001", [
  calculateActions(failing, at("2026-06-01T10:01:00Z"), policy).map((action) => action.type),
  calculateActions(failing, at("2026-06-01T10:01:00.001Z"), policy).map((action) => action.type),
]);

// §5.4 Hard limit: neither create nor backoff; deletions still happen; the plan says "hardLimited".
const hardLimited: GlobalSnapshot = {
  presets: [preset({ desiredInstances: 2, ttlSeconds: 3600 })],
  running: [prebuild("ws-1", "2026-06-01T08:00:00Z")],
  inProgress: [],
  pendingNonActive: [],
  backoffs: [{ presetId: "p1", failedBuilds: 5, lastBuildAt: new Date("2026-06-01T09:59:00Z") }],
  hardLimitedPresetIds: ["p1"],
};
show("5.4 hard limit", planCycle(hardLimited, at("2026-06-01T10:00:00Z")).presets);

// §5 canSkipReconciliation: inactive and nothing left to do.
const deletedTemplate = preset({ templateDeleted: true });
show("5 canSkipReconciliation", {
  inactiveAndEmpty: canSkipReconciliation(snapshot({ preset: deletedTemplate })),
  inactiveWithQueuedCreate: canSkipReconciliation(snapshot({ preset: deletedTemplate, pendingNonActive: 1 })),
  activeAndEmpty: canSkipReconciliation(snapshot()),
});

// §6 planCycle: skip what needs nothing, report what is invalid, plan the rest.
const global: GlobalSnapshot = {
  presets: [preset({ id: "p-ok", desiredInstances: 1 }), preset({ id: "p-gone", usingActiveVersion: false }), preset({ id: "p-bad", desiredInstances: -1 })],
  running: [prebuild("ws-1", "2026-06-01T09:00:00Z", true, "p-ok")],
  inProgress: [{ presetId: "p-ok", transition: "stop", count: 1 }],
  pendingNonActive: [],
  backoffs: [],
  hardLimitedPresetIds: ["p-unknown"],
};
const plan = planCycle(global, at("2026-06-01T10:00:00Z"));
show("6 planCycle", { ...plan, invalid: plan.invalid.map(({ presetId, error }) => ({ presetId, code: error.code, issues: error.issues })) });

// §6 Budget: one instance at a time to the largest missing fraction; ties by remaining count, then id.
const hungry: GlobalSnapshot = {
  presets: [preset({ id: "p-big", desiredInstances: 10 }), preset({ id: "p-small", desiredInstances: 2 }), preset({ id: "p-mid", desiredInstances: 4 })],
  running: [prebuild("ws-m1", "2026-06-01T09:00:00Z", true, "p-mid"), prebuild("ws-m2", "2026-06-01T09:00:00Z", true, "p-mid")],
  inProgress: [],
  pendingNonActive: [],
  backoffs: [],
  hardLimitedPresetIds: [],
};
const budgeted = planCycle(hungry, at("2026-06-01T10:00:00Z"), { maxCreatesPerCycle: 5 });
show("6 budget", budgeted.presets.map(({ presetId, actions }) => ({ presetId, actions })));

// §6 nextChangeAt: the next schedule boundary, expiry or end of backoff.
const businessHours = snapshot({
  preset: preset({
    desiredInstances: 1,
    ttlSeconds: 8 * 3600,
    scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 3 }] },
  }),
  running: [prebuild("ws-1", "2026-06-01T09:00:00Z")],
});
show("6 nextChangeAt", {
  "Monday 12:00 Berlin": nextChangeAt(businessHours, at("2026-06-01T10:00:00Z")),
  "Monday 19:30 Berlin": nextChangeAt(businessHours, at("2026-06-01T17:30:00Z")),
  "no schedule, no TTL, no backoff": nextChangeAt(snapshot(), at("2026-06-01T17:30:00Z")),
});

// §7 Claims: a ready, unexpired prebuild of an active preset, the oldest first.
const claimable = snapshot({
  preset: preset({ ttlSeconds: 3600 }),
  running: [
    prebuild("ws-expired", "2026-06-01T08:30:00Z"),
    prebuild("ws-unready", "2026-06-01T09:05:00Z", false),
    prebuild("ws-older", "2026-06-01T09:10:00Z"),
    prebuild("ws-newer", "2026-06-01T09:40:00Z"),
  ],
});
show("7 selectClaimCandidate", selectClaimCandidate(claimable, at("2026-06-01T10:00:00Z")));

// §7 Matching: every preset parameter must appear with an equal value; most parameters win, then smallest id.
const presets = [
  { id: "eu", parameters: { region: "eu" } },
  { id: "eu-xl", parameters: { region: "eu", size: "xl" } },
  { id: "eu-gpu", parameters: { region: "eu", gpu: "a100" } },
  { id: "eu-vim", parameters: { region: "eu", editor: "vim" } },
];
show("7 findMatchingPreset", {
  "region=eu size=xl editor=vim": findMatchingPreset(presets, { region: "eu", size: "xl", editor: "vim" })?.id ?? null,
  "region=eu size=s": findMatchingPreset(presets, { region: "eu", size: "s" })?.id ?? null,
  "region=us": findMatchingPreset(presets, { region: "us" })?.id ?? null,
});

// Two more helpers for the rules of SPEC §11–§12: a global snapshot with nothing in it but what is
// given, and the memory rows a plan hands to the next one (what the Reconciler keeps between cycles).
function world(overrides: Partial<GlobalSnapshot> = {}): GlobalSnapshot {
  return { presets: [preset()], running: [], inProgress: [], pendingNonActive: [], backoffs: [], hardLimitedPresetIds: [], ...overrides };
}
function remembered(plan: CyclePlan): PresetMemoryRow[] {
  return plan.presets.map(({ presetId, memory }) => ({ presetId, ...memory }));
}

// §12 Exponential backoff: min(cap, base × 2^(failed − 1)), shortened by a jitter drawn from the preset id and the count.
const exponential: Partial<ReconcilePolicy> = { backoffIntervalMs: 60_000, backoff: { kind: "exponential", capMs: 600_000, jitter: 0.2 } };
const lastFailure = "2026-06-01T10:00:00Z";
function waitSeconds(presetId: string, failedBuilds: number): number | null {
  const failed = snapshot({ preset: preset({ id: presetId }), backoff: { failedBuilds, lastBuildAt: new Date(lastFailure) } });
  const backoff = calculateActions(failed, at(lastFailure), exponential).find((action) => action.type === "backoff");
  return backoff?.type === "backoff" ? (backoff.until.getTime() - Date.parse(lastFailure)) / 1000 : null;
}
show(
  "12 exponential backoff: wait after the last failed create",
  [1, 2, 3, 4, 5, 6].map((failed) => {
    const uncut = Math.min(600, 60 * 2 ** (failed - 1));
    return `${failed} failed: p1 waits ${waitSeconds("p1", failed)} s, p2 waits ${waitSeconds("p2", failed)} s (without jitter ${uncut} s)`;
  }),
);
show(
  "12 exponential backoff: the action",
  calculateActions(snapshot({ backoff: { failedBuilds: 4, lastBuildAt: new Date(lastFailure) } }), at("2026-06-01T10:05:00Z"), exponential),
);

// §12 Hard limit with probes: one create of 1 once hardLimitRetryMs has passed since the last failed create.
const limited = world({
  backoffs: [{ presetId: "p1", failedBuilds: 3, lastBuildAt: new Date("2026-06-01T09:30:00Z") }],
  hardLimitedPresetIds: ["p1"],
});
const probing = { hardLimitRetryMs: 30 * 60_000 };
const blockedView = (plan: CyclePlan) => plan.presets.map(({ actions, blocked, blockedReason, nextChangeAt }) => ({ actions, blocked, blockedReason, nextChangeAt }))[0];
show("12 hard limit with probes", {
  "09:50, probe due at 10:00": blockedView(planCycle(limited, at("2026-06-01T09:50:00Z"), probing)),
  "10:00": blockedView(planCycle(limited, at("2026-06-01T10:00:00Z"), probing)),
  "10:00, the probe's build is starting": blockedView(planCycle({ ...limited, inProgress: [{ presetId: "p1", transition: "start", count: 1 }] }, at("2026-06-01T10:00:00Z"), probing)),
  "10:00, no backoff row": blockedView(planCycle({ ...limited, backoffs: [] }, at("2026-06-01T10:00:00Z"), probing)),
  "10:00, without hardLimitRetryMs": blockedView(planCycle(limited, at("2026-06-01T10:00:00Z"))),
});
show(
  "12 hard limit: status changes",
  planCycle(limited, at("2026-06-01T10:00:00Z"), probing).statusChanges.map(({ presetId, from, to }) => ({ presetId, from, to })),
);

// §12 validationFailed: recorded with the configuration key that failed; lifted once the configuration has another key.
const failedKey = presetConfigurationKey(preset());
const recordedFailure = { recordedStatuses: [{ presetId: "p1", status: "validationFailed" as const, configurationKey: failedKey }] };
const validationView = (plan: CyclePlan) => ({
  presets: plan.presets.map(({ presetId, actions, blocked, blockedReason }) => ({ presetId, actions, blocked, blockedReason })),
  statusChanges: plan.statusChanges.map(({ presetId, from, to }) => ({ presetId, from, to })),
});
show("12 validationFailed", {
  failedKey,
  "same configuration": validationView(planCycle(world(recordedFailure), at("2026-06-01T10:00:00Z"))),
  "new template version tv-3": validationView(planCycle(world({ ...recordedFailure, presets: [preset({ templateVersionId: "tv-3" })] }), at("2026-06-01T10:00:00Z"))),
});

// §12 A cap on creates in flight across presets: starting builds count; shared by the largest missing fraction.
const queued = world({
  presets: [preset({ id: "p-busy", desiredInstances: 6 }), preset({ id: "p-new", desiredInstances: 4 }), preset({ id: "p-over", desiredInstances: 1 })],
  running: [prebuild("ws-o1", "2026-06-01T09:00:00Z", true, "p-over"), prebuild("ws-o2", "2026-06-01T09:10:00Z", true, "p-over")],
  inProgress: [{ presetId: "p-busy", transition: "start", count: 3 }],
});
show(
  "12 maxCreatesInFlight",
  planCycle(queued, at("2026-06-01T10:00:00Z"), { maxCreatesInFlight: 5 }).presets.map(({ presetId, state, actions }) => ({ presetId, starting: state.starting, actions })),
);

// §12 Slow start: a preset's creates in flight grow 1, 2, 4, … while its builds succeed, and drop back to 1 after a failure.
const slowStart = { slowStart: true };
const growing = (running: RunningPrebuild[], starting: number, memory: PresetMemoryRow[], backoffs: GlobalSnapshot["backoffs"] = []) =>
  world({ presets: [preset({ desiredInstances: 10 })], running, inProgress: starting > 0 ? [{ presetId: "p1", transition: "start", count: starting }] : [], backoffs, memory });
const round1 = [prebuild("ws-1", "2026-06-01T10:04:00Z")];
const round2 = [...round1, prebuild("ws-2", "2026-06-01T10:09:00Z"), prebuild("ws-3", "2026-06-01T10:09:00Z")];
const round3 = [...round2, prebuild("ws-4", "2026-06-01T10:14:00Z"), prebuild("ws-5", "2026-06-01T10:14:00Z")];
const twoFailed = [{ presetId: "p1", failedBuilds: 2, lastBuildAt: new Date("2026-06-01T10:14:00Z") }];
const steps: { label: string; plan: CyclePlan }[] = [];
const step = (label: string, next: (memory: PresetMemoryRow[]) => GlobalSnapshot, iso: string) => {
  const memory = steps.length === 0 ? [] : remembered((steps.at(-1) as { plan: CyclePlan }).plan);
  steps.push({ label, plan: planCycle(next(memory), at(iso), slowStart) });
};
step("10:00 nothing yet", (memory) => growing([], 0, memory), "2026-06-01T10:00:00Z");
step("10:01 1 starting", (memory) => growing([], 1, memory), "2026-06-01T10:01:00Z");
step("10:05 1 running", (memory) => growing(round1, 0, memory), "2026-06-01T10:05:00Z");
step("10:06 2 starting", (memory) => growing(round1, 2, memory), "2026-06-01T10:06:00Z");
step("10:10 3 running", (memory) => growing(round2, 0, memory), "2026-06-01T10:10:00Z");
step("10:11 4 starting", (memory) => growing(round2, 4, memory), "2026-06-01T10:11:00Z");
step("10:15 5 running, 2 failed at 10:14", (memory) => growing(round3, 0, memory, twoFailed), "2026-06-01T10:15:00Z");
step("10:17 backoff over", (memory) => growing(round3, 0, memory, twoFailed), "2026-06-01T10:17:00Z");
show(
  "12 slow start",
  steps.map(({ label, plan }) => {
    const planned = plan.presets[0];
    const actions = planned === undefined || planned.actions.length === 0 ? "nothing" : planned.actions.map(describeAction).join(", ");
    return `${label}: ${actions} (window ${planned?.memory.createWindow ?? "-"})`;
  }),
);
show("12 slow start: the first create", steps[0]?.plan.presets[0]?.actions);

// §12 Expectations: creates and deletes asked for count as starting and deleting until the snapshot shows them.
const asked = planCycle(world({ presets: [preset({ desiredInstances: 3 })] }), at("2026-06-01T10:00:00Z"));
show("12 expectations: the plan at 10:00", { actions: asked.presets[0]?.actions, memory: asked.presets[0]?.memory });
// 20 s later the store shows one of the three builds, and an administrator has raised the count to 5.
const lagging = world({ presets: [preset({ desiredInstances: 5 })], inProgress: [{ presetId: "p1", transition: "start", count: 1 }], memory: remembered(asked) });
const later = planCycle(lagging, at("2026-06-01T10:00:20Z")).presets[0];
show("12 expectations: the plan at 10:00:20", { starting: later?.state.starting, actions: later?.actions, nextChangeAt: later?.nextChangeAt, expectedCreates: later?.memory.expectedCreates });
if (later !== undefined) {
  show("12 expectations: afterExecution when that create of 2 failed", afterExecution(later.memory, { createsNotMade: 2, deletesNotMade: [] }).expectedCreates);
  const expired = planCycle({ ...lagging, memory: [{ presetId: "p1", ...later.memory }] }, at("2026-06-01T10:01:20.001Z")).presets[0];
  show("12 expectations: 10:01:20.001, the other builds never showed", expired?.actions);
}
const surplusTwo = world({ running: [prebuild("ws-1", "2026-06-01T08:00:00Z"), prebuild("ws-2", "2026-06-01T09:00:00Z")], presets: [preset({ desiredInstances: 1 })] });
const deleting = planCycle(surplusTwo, at("2026-06-01T10:00:00Z"));
const stillShown = planCycle({ ...surplusTwo, memory: remembered(deleting) }, at("2026-06-01T10:00:20Z")).presets[0];
show("12 expectations: a delete the store does not show yet", {
  "10:00": deleting.presets[0]?.actions.map(describeAction),
  "10:00:20": { actual: stillShown?.state.actual, deleting: stillShown?.state.deleting, actions: stillShown?.actions },
});

// §11 Lead time: the scheduled target at t is the largest scheduled count in [t, t + leadTimeSeconds].
const warm = preset({ desiredInstances: 0, scheduling: { timezone: "Europe/Berlin", leadTimeSeconds: 900, schedules: [{ cron: "* 9-17 * * 1-5", instances: 3 }] } });
show(
  "11 lead time: desired count",
  Object.fromEntries(["2026-06-01T06:44:59Z", "2026-06-01T06:45:00Z", "2026-06-01T15:59:59Z", "2026-06-01T16:00:00Z"].map((iso) => [iso, calculateState(snapshot({ preset: warm }), at(iso)).desired])),
);
show("11 lead time: the create at 08:50 in Berlin", calculateActions(snapshot({ preset: warm }), at("2026-06-01T06:50:00Z")));
show("11 lead time: nextChangeAt", {
  "Monday 08:00 Berlin": nextChangeAt(snapshot({ preset: warm }), at("2026-06-01T06:00:00Z")),
  "Friday 19:00 Berlin": nextChangeAt(snapshot({ preset: warm }), at("2026-06-05T17:00:00Z")),
});

// §11 Scale-down stabilization: surplus goes only once the desired count has been lower for the whole window.
const stabilized = { scaleDownStabilizationMs: 300_000 };
const fourRunning = ["ws-1", "ws-2", "ws-3", "ws-4"].map((id) => prebuild(id, "2026-06-01T09:00:00Z"));
const pool = (desired: number, memory: PresetMemoryRow[]) => world({ presets: [preset({ desiredInstances: desired })], running: fourRunning, memory });
const at1000 = planCycle(pool(4, []), at("2026-06-01T10:00:00Z"), stabilized);
const at1002 = planCycle(pool(3, remembered(at1000)), at("2026-06-01T10:02:00Z"), stabilized);
const at1005 = planCycle(pool(1, remembered(at1002)), at("2026-06-01T10:05:30Z"), stabilized);
const stabilizationView = (plan: CyclePlan) => {
  const planned = plan.presets[0];
  return { desired: planned?.state.desired, extraneous: planned?.state.extraneous, actions: planned?.actions, nextChangeAt: planned?.nextChangeAt, desiredPeaks: planned?.memory.desiredPeaks };
};
show("11 scale-down stabilization", { "10:00": stabilizationView(at1000), "10:02": stabilizationView(at1002), "10:05:30": stabilizationView(at1005) });

// §11 Target expressions: desired = the expression's value over the pool and recent demand, clamped; failing → scheduled target.
const claim = (iso: string, outcome: ClaimEvent["outcome"] = "claimed"): ClaimEvent => ({ presetId: "p1", at: new Date(iso), outcome });
const demand = [claim("2026-06-01T09:25:00Z"), claim("2026-06-01T09:40:00Z"), claim("2026-06-01T09:52:00Z"), claim("2026-06-01T09:58:00Z", "missed"), claim("2026-06-01T09:59:30Z")];
const driven = (expression: string) => snapshot({ preset: preset({ desiredInstancesExpression: expression }), claimEvents: demand });
const targetView = (expression: string, policy?: Partial<ReconcilePolicy>) => {
  const { desired, scheduledTarget, targetSource, expressionError } = calculateState(driven(expression), at("2026-06-01T10:00:00Z"), policy);
  return { expression, desired, scheduledTarget, targetSource, expressionError };
};
show("11 target expressions: state", [
  targetView("max(scheduled_target, claims_30m + misses_30m)"),
  targetView("claims_60m / 3"),
  targetView("claims_30m * 1000"),
  targetView("claims_30m * 1000", { maxExpressionTarget: 20 }),
]);
show("11 target expressions: reasons", [
  ...calculateActions(driven("max(scheduled_target, claims_30m + misses_30m)"), at("2026-06-01T10:00:00Z")),
  ...calculateActions(driven("claims_60m / 3"), at("2026-06-01T10:00:00Z")),
]);
show("11 target expressions: nextChangeAt", nextChangeAt(driven("max(scheduled_target, claims_30m + misses_30m)"), at("2026-06-01T10:00:00Z")));
show("11 target expressions: validatePreset", validatePreset(preset({ desiredInstancesExpression: "max(scheduled_target, claims_30m + misses_30)" })));

// §12 Policy settings: every one has a default; an unknown one is an error, with a suggestion for a typo.
const mistyped = { maxCreatePerCycle: 5, backoff: { kind: "exponential" }, hardLimitRetryMs: -1 } as unknown as Partial<ReconcilePolicy>;
show("12 validatePolicy", validatePolicy(mistyped));
try {
  planCycle(world(), at("2026-06-01T10:00:00Z"), mistyped);
} catch (error) {
  if (error instanceof PolicyValidationError) show("12 planCycle with that policy throws", { name: error.name, code: error.code, issues: error.issues.length });
}
