/**
 * The worked examples of docs/decision-rules.md, one per rule of SPEC §3–§7.
 *
 *   node --import tsx examples/decision-rules.ts
 *
 * Every output shown in that page was pasted from this script's output.
 */

import {
  calculateActions,
  calculateState,
  canSkipReconciliation,
  desiredInstances,
  findMatchingPreset,
  nextChangeAt,
  planCycle,
  selectClaimCandidate,
  type Clock,
  type GlobalSnapshot,
  type Preset,
  type PresetSnapshot,
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
