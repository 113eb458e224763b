import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoreClaimRequest } from "../../../src/index.js";
import { PostgresArgumentError, type PostgresStore } from "../../../src/postgres.js";
import { freshDatabase, insertPreset, storeOn, type TestDatabase } from "./harness.js";

const SYSTEM = "prebuilds-system";
const NOW = new Date("2025-06-02T10:00:00.000Z");

const request: StoreClaimRequest = {
  presetId: "p",
  claimant: { userId: "alice", workspaceName: "alice-workspace" },
  lifecycle: { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null },
  now: NOW,
};

let database: TestDatabase;
let store: PostgresStore;
beforeEach(async () => {
  database = await freshDatabase(5);
  store = storeOn(database.pool, { systemUserId: SYSTEM });
  await insertPreset(database.pool, {
    id: "p",
    name: "p",
    organizationId: "org-1",
    templateId: "template-p",
    templateVersionId: "version-p",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 1,
    ttlSeconds: null,
    lastInvalidatedAt: null,
    scheduling: null,
    parameters: {},
  });
});
afterEach(async () => {
  await database.drop();
});

async function refusal(call: () => Promise<unknown>): Promise<{ argument: string; message: string }> {
  const error = await call().then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PostgresArgumentError);
  const typed = error as PostgresArgumentError;
  expect(typed.code).toBe("PG_INVALID_ARGUMENT");
  return { argument: typed.argument, message: typed.message };
}

const NUL = "contains a NUL character (U+0000), which PostgreSQL text cannot hold";

describe("arguments PostgreSQL cannot take are refused with a typed error naming them", () => {
  it("in a claim, before anything is written", async () => {
    const cases: [StoreClaimRequest, string, string][] = [
      [{ ...request, presetId: "p\u0000" }, "request.presetId", `request.presetId: ${NUL}`],
      [{ ...request, claimant: { ...request.claimant, userId: "\u0000alice" } }, "request.claimant.userId", `request.claimant.userId: ${NUL}`],
      [
        { ...request, claimant: { ...request.claimant, workspaceName: "a\uD800b" } },
        "request.claimant.workspaceName",
        "request.claimant.workspaceName: contains a lone UTF-16 surrogate, which is not valid Unicode and cannot be stored as UTF-8",
      ],
      [{ ...request, lifecycle: { ...request.lifecycle, autostartSchedule: "0 9 * * *\u0000" } }, "request.lifecycle.autostartSchedule", `request.lifecycle.autostartSchedule: ${NUL}`],
      [{ ...request, lifecycle: { ...request.lifecycle, ttlMs: -1 } }, "request.lifecycle.ttlMs", "request.lifecycle.ttlMs: must be null or a whole number of milliseconds ≥ 0, got -1"],
      [{ ...request, lifecycle: { ...request.lifecycle, ttlMs: 1.5 } }, "request.lifecycle.ttlMs", "request.lifecycle.ttlMs: must be null or a whole number of milliseconds ≥ 0, got 1.5"],
      [{ ...request, now: new Date(Number.NaN) }, "request.now", "request.now: must be a valid Date, got object"],
      [{ ...request, claimant: null as unknown as StoreClaimRequest["claimant"] }, "request.claimant", "request.claimant: must be an object, got null"],
      [null as unknown as StoreClaimRequest, "request", "request: must be an object, got null"],
    ];
    for (const [bad, argument, message] of cases) {
      expect(await refusal(() => store.claim(bad))).toEqual({ argument, message });
    }
    const { rows } = await database.pool.query("SELECT 1 FROM claim_events");
    expect(rows).toEqual([]);
  });

  it("in every other method", async () => {
    expect(await refusal(() => store.presetsOfTemplateVersion("v\u0000"))).toEqual({ argument: "templateVersionId", message: `templateVersionId: ${NUL}` });
    expect(await refusal(() => store.addSystemUserToOrganization("org\u0000"))).toEqual({ argument: "organizationId", message: `organizationId: ${NUL}` });
    expect(await refusal(() => store.createPrebuildsGroup("org\u0000"))).toEqual({ argument: "organizationId", message: `organizationId: ${NUL}` });
    expect(await refusal(() => store.addSystemUserToPrebuildsGroup("org\u0000"))).toEqual({ argument: "organizationId", message: `organizationId: ${NUL}` });
    expect(await refusal(() => store.setPresetStatus({ presetId: "p\u0000", status: "hardLimited", configurationKey: null }))).toEqual({
      argument: "change.presetId",
      message: `change.presetId: ${NUL}`,
    });
    expect(await refusal(() => store.setPresetStatus({ presetId: "p", status: "validationFailed", configurationKey: "key\u0000" }))).toEqual({
      argument: "change.configurationKey",
      message: `change.configurationKey: ${NUL}`,
    });
    expect(await refusal(() => store.setPresetStatus({ presetId: "p", status: "broken" as "normal", configurationKey: null }))).toEqual({
      argument: "change.status",
      message: 'change.status: must be "normal", "hardLimited" or "validationFailed", got "broken"',
    });
    expect(await refusal(() => store.addSystemUserToOrganization(42 as unknown as string))).toEqual({ argument: "organizationId", message: "organizationId: must be a string, got 42" });
    expect(() => storeOn(database.pool, { systemUserId: "system\u0000" })).toThrow(new PostgresArgumentError("options.systemUserId", NUL));
    const { rows } = await database.pool.query<{ prebuild_status: string }>("SELECT prebuild_status FROM presets");
    expect(rows).toEqual([{ prebuild_status: "normal" }]);
  });

  it("refuses a lock key outside the bigint range", () => {
    expect(() => storeOn(database.pool, { systemUserId: SYSTEM, lockKey: "9223372036854775808" })).toThrow("lockKey must be a decimal bigint string, got 9223372036854775808");
    expect(() => storeOn(database.pool, { systemUserId: SYSTEM, lockKey: "-9223372036854775808" })).not.toThrow();
  });
});
