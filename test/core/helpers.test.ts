import { describe, expect, it } from "vitest";
import { canDeleteWorkspace, claimedLifecycle, describeAction, membershipActions, nextCycleChangeAt, UNCLAIMED_LIFECYCLE, type TemplateLifecycleDefaults } from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset } from "../fixtures.js";

describe("membershipActions", () => {
  it("lists the missing inserts in order, once per organization", () => {
    expect(
      membershipActions([
        { organizationId: "o1", systemUserIsMember: false, prebuildsGroupExists: false, systemUserInGroup: false },
        { organizationId: "o2", systemUserIsMember: true, prebuildsGroupExists: false, systemUserInGroup: false },
        { organizationId: "o1", systemUserIsMember: false, prebuildsGroupExists: false, systemUserInGroup: false },
        { organizationId: "o3", systemUserIsMember: true, prebuildsGroupExists: true, systemUserInGroup: true },
      ]),
    ).toEqual([
      { organizationId: "o1", step: "member" },
      { organizationId: "o1", step: "group" },
      { organizationId: "o1", step: "groupMember" },
      { organizationId: "o2", step: "group" },
      { organizationId: "o2", step: "groupMember" },
    ]);
  });

  it("asks for nothing when every membership exists", () => {
    expect(membershipActions([{ organizationId: "o", systemUserIsMember: true, prebuildsGroupExists: true, systemUserInGroup: true }])).toEqual([]);
  });
});

describe("lifecycle at claim", () => {
  const defaults: TemplateLifecycleDefaults = {
    autostartSchedule: "0 9 * * 1-5",
    allowUserAutostart: true,
    defaultTtlMs: 28_800_000,
    allowUserTtl: false,
    dormancyThresholdMs: 604_800_000,
    dormancyAutoDeleteMs: null,
  };

  it("clears every lifecycle field of an unclaimed prebuild", () => {
    expect(UNCLAIMED_LIFECYCLE).toEqual({ autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null });
    expect(Object.isFrozen(UNCLAIMED_LIFECYCLE)).toBe(true);
  });

  it("takes the template's defaults when the request says nothing", () => {
    expect(claimedLifecycle(defaults)).toEqual({ autostartSchedule: "0 9 * * 1-5", ttlMs: 28_800_000, dormantAt: null, deletingAt: null });
  });

  it("takes the request's choices only where the template allows them", () => {
    expect(claimedLifecycle(defaults, { autostartSchedule: null, ttlMs: 60_000 })).toEqual({ autostartSchedule: null, ttlMs: 28_800_000, dormantAt: null, deletingAt: null });
  });
});

describe("canDeleteWorkspace", () => {
  const system = "prebuilds";
  const prebuild = { ownerId: system };
  const personal = { ownerId: "alice" };

  it("lets prebuilt_workspace.delete delete prebuilds only", () => {
    const operator = ["workspace.read", "workspace.update", "prebuilt_workspace.delete"] as const;
    expect(canDeleteWorkspace(operator, prebuild, system)).toBe(true);
    expect(canDeleteWorkspace(operator, personal, system)).toBe(false);
  });

  it("lets workspace.delete delete both", () => {
    const admin = new Set(["workspace.read", "workspace.update", "workspace.delete"] as const);
    expect(canDeleteWorkspace(admin, prebuild, system)).toBe(true);
    expect(canDeleteWorkspace(admin, personal, system)).toBe(true);
  });

  it("also requires read and update", () => {
    expect(canDeleteWorkspace(["workspace.update", "workspace.delete"], personal, system)).toBe(false);
    expect(canDeleteWorkspace(["workspace.read", "workspace.delete"], personal, system)).toBe(false);
    expect(canDeleteWorkspace(["workspace.read", "prebuilt_workspace.update", "prebuilt_workspace.delete"], prebuild, system)).toBe(true);
    expect(canDeleteWorkspace(["workspace.read", "prebuilt_workspace.update", "prebuilt_workspace.delete"], personal, system)).toBe(false);
  });
});

describe("nextCycleChangeAt", () => {
  it("is the earliest change over every valid preset", () => {
    const global = emptyGlobal({
      presets: [
        makePreset({ id: "ttl", ttlSeconds: 3600 }),
        makePreset({ id: "office", scheduling: { timezone: "UTC", schedules: [{ cron: "* 9-17 * * *", instances: 3 }] } }),
        makePreset({ id: "broken", desiredInstances: -1, ttlSeconds: 1 }),
      ],
      running: [makePrebuild("w", "2025-06-02T09:45:00Z", true, "ttl"), makePrebuild("b", "2025-06-02T09:59:00Z", true, "broken")],
    });
    expect(nextCycleChangeAt(global, clockAt("2025-06-02T10:00:00Z"))?.toISOString()).toBe("2025-06-02T10:45:00.001Z");
    expect(nextCycleChangeAt(global, clockAt("2025-06-02T17:30:00Z"))?.toISOString()).toBe("2025-06-02T18:00:00.000Z");
  });

  it("is null when nothing is due", () => {
    expect(nextCycleChangeAt(emptyGlobal({ presets: [makePreset()] }), clockAt("2025-06-02T10:00:00Z"))).toBeNull();
  });
});

describe("describeAction", () => {
  it("summarises each kind of action in one line", () => {
    expect(describeAction({ type: "create", count: 2, reason: "r" })).toBe("create 2");
    expect(describeAction({ type: "delete", workspaceIds: ["a", "b"], reason: "r" })).toBe("delete a, b");
    expect(describeAction({ type: "backoff", until: new Date("2025-06-02T10:01:00Z"), reason: "r" })).toBe("backoff until 2025-06-02T10:01:00.000Z");
    expect(describeAction({ type: "cancelPending", count: 3, reason: "r" })).toBe("cancelPending 3");
  });
});
