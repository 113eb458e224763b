/**
 * A reusable test suite for Store implementations: any host runs it against its own store, with
 * its own test runner, and learns whether the reconciler can trust it.
 */

import assert from "node:assert/strict";
import type { ClaimEvent, Preset, RecordedPresetStatus } from "../../core/types/index.js";
import type { PauseState, ReconciliationLease, Store } from "../../ports/store.js";

/** A preset to seed, with its parameter values. Each seeded preset gets a template of its own. */
export interface ContractPreset extends Preset {
  /** The template parameters the preset sets. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** The fixed settings every store under contract must be built with. */
export interface StoreContractSettings {
  /** The user that owns prebuilds. */
  readonly systemUserId: string;
  /** The store's clock must always answer this instant. */
  readonly now: Date;
  /** A preset whose last this-many creates all failed is hard-limited. */
  readonly hardLimit: 3;
  /** Failed creates older than this (ms) do not count towards a backoff. */
  readonly backoffLookbackMs: 3_600_000;
}

/** A fresh, empty store and the means to seed it, as the host's test fixture provides. */
export interface StoreContractSubject {
  /** The store under test, built with the given settings. */
  readonly store: Store;
  /** Stores a preset, with whatever organization, template and version rows it needs. */
  addPreset(preset: ContractPreset): Promise<void>;
  /** Stores a prebuild owned by the system user whose latest build is a successful start. */
  addPrebuild(prebuild: { readonly id: string; readonly presetId: string; readonly createdAt: Date; readonly ready: boolean }): Promise<void>;
  /** Stores a finished create build of the preset (its workspace becomes running when it succeeded). */
  addCreateResult(presetId: string, status: "succeeded" | "failed", at: Date): Promise<void>;
  /** Stores a queued create build of the preset that no provisioner has picked up yet. */
  addPendingCreate(presetId: string, at: Date): Promise<void>;
  /** Pauses or resumes reconciliation. */
  setPaused(pause: PauseState): Promise<void>;
  /** Releases what the subject holds (connections, temporary databases). */
  close(): Promise<void>;
}

/** The test functions of the host's runner (vitest, jest, mocha and node:test all fit). */
export interface ContractRunner {
  /** Groups tests. */
  describe(name: string, body: () => void): void;
  /** Declares one test. */
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

const NOW = new Date("2025-06-02T10:00:00.000Z");
const MINUTE = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function preset(id: string, overrides: Partial<ContractPreset> = {}): ContractPreset {
  return {
    id,
    name: `${id} name`,
    organizationId: "org-contract",
    templateId: `template-${id}`,
    templateVersionId: `version-${id}`,
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

function presetFields(preset: Preset): Preset {
  return {
    id: preset.id,
    name: preset.name,
    organizationId: preset.organizationId,
    templateId: preset.templateId,
    templateVersionId: preset.templateVersionId,
    usingActiveVersion: preset.usingActiveVersion,
    templateDeleted: preset.templateDeleted,
    templateDeprecated: preset.templateDeprecated,
    desiredInstances: preset.desiredInstances,
    ttlSeconds: preset.ttlSeconds ?? null,
    lastInvalidatedAt: preset.lastInvalidatedAt ?? null,
    scheduling: preset.scheduling ?? null,
  };
}

function claimant(userId: string) {
  return { userId, workspaceName: `${userId}-workspace` };
}

const OPEN_LIFECYCLE = { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } as const;

/** Which optional parts of the Store the contract checks too. */
export interface StoreContractOptions {
  /** Check `loadBuildTotals` (the store must implement it). Default false. */
  readonly buildTotals?: boolean;
}

function byInstant(events: readonly ClaimEvent[]): ClaimEvent[] {
  return [...events].sort((left, right) => left.at.getTime() - right.at.getTime() || (left.outcome < right.outcome ? -1 : 1));
}

function byPreset(statuses: readonly RecordedPresetStatus[]): RecordedPresetStatus[] {
  return [...statuses].sort((left, right) => (left.presetId < right.presetId ? -1 : 1));
}

/**
 * Registers the Store contract with the host's test runner. `makeStore` must return a fresh,
 * empty store built with `settings` (a fixed clock at `settings.now`, hard limit 3, one-hour
 * backoff lookback); each test gets its own and closes it. `options.buildTotals` adds the tests
 * of the optional `loadBuildTotals`.
 *
 * @example
 * import { describe, it } from "vitest";
 * import { runStoreContract } from "prebuild-reconciler/testing";
 * runStoreContract((settings) => makeMyStore(settings), { describe, it }, { buildTotals: true });
 */
export function runStoreContract(makeStore: (settings: StoreContractSettings) => Promise<StoreContractSubject>, runner: ContractRunner, options: StoreContractOptions = {}): void {
  const settings: StoreContractSettings = { systemUserId: "prebuilds-contract", now: NOW, hardLimit: 3, backoffLookbackMs: 3_600_000 };
  const test = (name: string, body: (subject: StoreContractSubject) => Promise<void>) =>
    runner.it(
      name,
      async () => {
        const subject = await makeStore(settings);
        try {
          await body(subject);
        } finally {
          await subject.close();
        }
      },
      30_000,
    );

  runner.describe("Store contract", () => {
    runner.describe("loadSnapshot", () => {
      test("returns every preset with its flags and schedules", async ({ store, addPreset }) => {
        const scheduled = preset("p-scheduled", {
          ttlSeconds: 3600,
          lastInvalidatedAt: ago(60 * MINUTE),
          scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 3 }, { cron: "* * * * 6", instances: 1 }] },
        });
        const outdated = preset("p-outdated", { usingActiveVersion: false, desiredInstances: 0 });
        const deprecated = preset("p-deprecated", { templateDeprecated: true });
        const deleted = preset("p-deleted", { templateDeleted: true, organizationId: "org-other" });
        for (const entry of [scheduled, outdated, deprecated, deleted]) await addPreset(entry);
        const snapshot = await store.loadSnapshot();
        const byId = new Map(snapshot.presets.map((entry) => [entry.id, entry]));
        for (const expected of [scheduled, outdated, deprecated, deleted]) {
          const { parameters: _parameters, ...withoutParameters } = expected;
          const actual = byId.get(expected.id);
          assert.ok(actual, `preset ${expected.id} is in the snapshot`);
          // Stores may carry extra fields; the contract compares the Preset's own.
          assert.deepEqual(presetFields(actual), withoutParameters);
        }
        assert.equal(snapshot.presets.length, 4);
      });

      test("lists running prebuilds: system-owned, latest build a successful start", async ({ store, addPreset, addPrebuild, addCreateResult }) => {
        await addPreset(preset("p"));
        await addPrebuild({ id: "ws-ready", presetId: "p", createdAt: ago(30 * MINUTE), ready: true });
        await addPrebuild({ id: "ws-booting", presetId: "p", createdAt: ago(5 * MINUTE), ready: false });
        await addCreateResult("p", "failed", ago(2 * MINUTE));
        const snapshot = await store.loadSnapshot();
        const running = [...snapshot.running].sort((left, right) => (left.id < right.id ? -1 : 1));
        assert.deepEqual(running, [
          { id: "ws-booting", presetId: "p", createdAt: ago(5 * MINUTE), ready: false },
          { id: "ws-ready", presetId: "p", createdAt: ago(30 * MINUTE), ready: true },
        ]);
      });

      test("leaves a claimed prebuild out of running", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("p"));
        await addPrebuild({ id: "ws-1", presetId: "p", createdAt: ago(30 * MINUTE), ready: true });
        const claimed = await store.claim({ presetId: "p", claimant: claimant("alice"), lifecycle: OPEN_LIFECYCLE, now: NOW });
        assert.equal(claimed?.workspaceId, "ws-1");
        assert.deepEqual((await store.loadSnapshot()).running, []);
      });

      test("counts queued creates in progress, and as pending non-active only for inactive presets", async ({ store, addPreset, addPendingCreate }) => {
        await addPreset(preset("active"));
        await addPreset(preset("outdated", { usingActiveVersion: false }));
        await addPendingCreate("active", ago(MINUTE));
        await addPendingCreate("outdated", ago(MINUTE));
        await addPendingCreate("outdated", ago(MINUTE));
        const snapshot = await store.loadSnapshot();
        const starts = Object.fromEntries(snapshot.inProgress.filter((row) => row.transition === "start").map((row) => [row.presetId, row.count]));
        assert.deepEqual(starts, { active: 1, outdated: 2 });
        assert.deepEqual(snapshot.pendingNonActive, [{ presetId: "outdated", count: 2 }]);
      });

      test("derives a backoff from recent failed creates when the latest create failed", async ({ store, addPreset, addCreateResult }) => {
        await addPreset(preset("failing"));
        await addPreset(preset("recovered"));
        await addPreset(preset("long-ago"));
        await addCreateResult("failing", "failed", ago(90 * MINUTE)); // outside the lookback
        await addCreateResult("failing", "failed", ago(20 * MINUTE));
        await addCreateResult("failing", "succeeded", ago(15 * MINUTE));
        await addCreateResult("failing", "failed", ago(10 * MINUTE));
        await addCreateResult("recovered", "failed", ago(20 * MINUTE));
        await addCreateResult("recovered", "succeeded", ago(10 * MINUTE));
        await addCreateResult("long-ago", "failed", ago(120 * MINUTE));
        const snapshot = await store.loadSnapshot();
        assert.deepEqual(snapshot.backoffs, [{ presetId: "failing", failedBuilds: 2, lastBuildAt: ago(10 * MINUTE) }]);
      });

      test("marks a preset hard-limited when its last 3 creates failed", async ({ store, addPreset, addCreateResult }) => {
        await addPreset(preset("stuck"));
        await addPreset(preset("flaky"));
        for (const minutes of [40, 30, 20]) await addCreateResult("stuck", "failed", ago(minutes * MINUTE));
        for (const [minutes, status] of [[40, "failed"], [30, "succeeded"], [20, "failed"], [10, "failed"]] as const) {
          await addCreateResult("flaky", status, ago(minutes * MINUTE));
        }
        const snapshot = await store.loadSnapshot();
        assert.deepEqual([...snapshot.hardLimitedPresetIds], ["stuck"]);
      });

      test("reports recorded hard-limited statuses", async ({ store, addPreset }) => {
        await addPreset(preset("a"));
        await addPreset(preset("b"));
        await store.setPresetStatus({ presetId: "a", status: "hardLimited", configurationKey: null });
        assert.deepEqual([...(await store.loadSnapshot()).recordedStatuses], [{ presetId: "a", status: "hardLimited", configurationKey: null }]);
        await store.setPresetStatus({ presetId: "a", status: "normal", configurationKey: null });
        assert.deepEqual([...(await store.loadSnapshot()).recordedStatuses], []);
      });

      test("reports every recorded status that is not normal, a validation failure with its configuration key", async ({ store, addPreset }) => {
        for (const id of ["a", "b", "c"]) await addPreset(preset(id));
        await store.setPresetStatus({ presetId: "a", status: "validationFailed", configurationKey: "version-a/key-1" });
        await store.setPresetStatus({ presetId: "b", status: "hardLimited", configurationKey: null });
        assert.deepEqual(byPreset((await store.loadSnapshot()).recordedStatuses), [
          { presetId: "a", status: "validationFailed", configurationKey: "version-a/key-1" },
          { presetId: "b", status: "hardLimited", configurationKey: null },
        ]);
        await store.setPresetStatus({ presetId: "a", status: "validationFailed", configurationKey: "version-a/key-2" });
        await store.setPresetStatus({ presetId: "b", status: "normal", configurationKey: null });
        assert.deepEqual(byPreset((await store.loadSnapshot()).recordedStatuses), [{ presetId: "a", status: "validationFailed", configurationKey: "version-a/key-2" }]);
      });

      test("reads the claim events of the last 120 minutes: older ones are left out, one from a clock a little ahead is in", async ({ store, addPreset }) => {
        await addPreset(preset("p"));
        for (const at of [ago(121 * MINUTE), ago(120 * MINUTE), ago(119 * MINUTE), ago(-MINUTE)]) {
          assert.equal(await store.claim({ presetId: "p", claimant: claimant("nobody"), lifecycle: OPEN_LIFECYCLE, now: at }), null);
        }
        assert.deepEqual(byInstant((await store.loadSnapshot()).claimEvents), [
          { presetId: "p", at: ago(119 * MINUTE), outcome: "missed" },
          { presetId: "p", at: ago(-MINUTE), outcome: "missed" },
        ]);
      });
    });

    runner.describe("withReconciliationLock", () => {
      test("runs the work and returns its value", async ({ store }) => {
        assert.deepEqual(await store.withReconciliationLock(async () => 42), { acquired: true, value: 42 });
      });

      test("is exclusive: a second attempt while held is not acquired and does not run", async ({ store }) => {
        let ranInside = false;
        const outcome = await store.withReconciliationLock(async () =>
          store.withReconciliationLock(async () => {
            ranInside = true;
          }),
        );
        assert.deepEqual(outcome, { acquired: true, value: { acquired: false } });
        assert.equal(ranInside, false);
      });

      test("releases the lock when the work throws", async ({ store }) => {
        await assert.rejects(store.withReconciliationLock(async () => Promise.reject(new Error("boom"))), /boom/);
        assert.deepEqual(await store.withReconciliationLock(async () => "again"), { acquired: true, value: "again" });
      });

      test("hands the work a lease that holds: confirm resolves, the signal stays unaborted, the token is a string or null", async ({ store }) => {
        let seen: ReconciliationLease | null = null;
        const outcome = await store.withReconciliationLock(async (lease) => {
          seen = lease;
          await lease.confirm();
          await lease.confirm({ signal: new AbortController().signal });
          return lease.signal.aborted;
        });
        assert.deepEqual(outcome, { acquired: true, value: false });
        const token = (seen as ReconciliationLease | null)?.fencingToken;
        assert.ok(token === null || (typeof token === "string" && token.length > 0), `fencingToken is null or a non-empty string, got ${String(token)}`);
      });

      test("gives each holding its own fencing token", async ({ store }) => {
        const first = await store.withReconciliationLock(async (lease) => lease.fencingToken);
        const second = await store.withReconciliationLock(async (lease) => lease.fencingToken);
        assert.ok(first.acquired && second.acquired);
        if (first.value !== null || second.value !== null) assert.notEqual(first.value, second.value);
      });

      test("settles when the caller's signal aborts although the work never does, and frees the lock", async ({ store }) => {
        const controller = new AbortController();
        let leaseSignal: AbortSignal | null = null;
        const pending = store.withReconciliationLock(
          (lease) => {
            leaseSignal = lease.signal;
            setTimeout(() => controller.abort(new Error("the cycle's deadline passed")), 10);
            return new Promise<never>(() => {});
          },
          { signal: controller.signal },
        );
        await assert.rejects(pending, /the cycle's deadline passed/);
        assert.equal((leaseSignal as AbortSignal | null)?.aborted, true);
        // The lock is free again; a store whose lock is released asynchronously gets a moment for it.
        let outcome = await store.withReconciliationLock(async () => "after");
        for (let attempt = 0; !outcome.acquired && attempt < 100; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          outcome = await store.withReconciliationLock(async () => "after");
        }
        assert.deepEqual(outcome, { acquired: true, value: "after" });
      });
    });

    runner.describe("claim", () => {
      test("takes the oldest ready, unexpired prebuild of an active preset", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("p", { ttlSeconds: 3600 }));
        await addPrebuild({ id: "expired", presetId: "p", createdAt: ago(61 * MINUTE), ready: true });
        await addPrebuild({ id: "unready", presetId: "p", createdAt: ago(50 * MINUTE), ready: false });
        await addPrebuild({ id: "oldest-ready", presetId: "p", createdAt: ago(40 * MINUTE), ready: true });
        await addPrebuild({ id: "newer", presetId: "p", createdAt: ago(10 * MINUTE), ready: true });
        const claimed = await store.claim({ presetId: "p", claimant: claimant("alice"), lifecycle: OPEN_LIFECYCLE, now: NOW });
        assert.equal(claimed?.workspaceId, "oldest-ready");
        assert.equal(claimed?.ownerId, "alice");
        assert.equal(claimed?.presetId, "p");
        assert.equal(claimed?.presetName, "p name");
        assert.equal(claimed?.claimedAt.getTime(), NOW.getTime());
        const second = await store.claim({ presetId: "p", claimant: claimant("bob"), lifecycle: OPEN_LIFECYCLE, now: NOW });
        assert.equal(second?.workspaceId, "newer");
        assert.equal(await store.claim({ presetId: "p", claimant: claimant("carol"), lifecycle: OPEN_LIFECYCLE, now: NOW }), null);
      });

      test("never takes a prebuild created before the invalidation, or of an inactive preset", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("invalidated", { lastInvalidatedAt: ago(5 * MINUTE) }));
        await addPreset(preset("outdated", { usingActiveVersion: false }));
        await addPrebuild({ id: "stale", presetId: "invalidated", createdAt: ago(10 * MINUTE), ready: true });
        await addPrebuild({ id: "old-version", presetId: "outdated", createdAt: ago(10 * MINUTE), ready: true });
        assert.equal(await store.claim({ presetId: "invalidated", claimant: claimant("a"), lifecycle: OPEN_LIFECYCLE, now: NOW }), null);
        assert.equal(await store.claim({ presetId: "outdated", claimant: claimant("b"), lifecycle: OPEN_LIFECYCLE, now: NOW }), null);
      });

      test("records a claim event with each claim, and a miss when the preset has nothing claimable", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("p"));
        await addPreset(preset("untouched"));
        await addPrebuild({ id: "ws-1", presetId: "p", createdAt: ago(30 * MINUTE), ready: true });
        assert.equal((await store.claim({ presetId: "p", claimant: claimant("alice"), lifecycle: OPEN_LIFECYCLE, now: ago(5 * MINUTE) }))?.workspaceId, "ws-1");
        assert.equal(await store.claim({ presetId: "p", claimant: claimant("bob"), lifecycle: OPEN_LIFECYCLE, now: ago(MINUTE) }), null);
        assert.equal(await store.claim({ presetId: "no-such-preset", claimant: claimant("carol"), lifecycle: OPEN_LIFECYCLE, now: NOW }), null);
        assert.deepEqual(byInstant((await store.loadSnapshot()).claimEvents), [
          { presetId: "p", at: ago(5 * MINUTE), outcome: "claimed" },
          { presetId: "p", at: ago(MINUTE), outcome: "missed" },
        ]);
      });

      test("records one claimed event per prebuild handed out under concurrency, and a miss for every other claim", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("p"));
        for (let index = 0; index < 3; index += 1) await addPrebuild({ id: `ws-${index}`, presetId: "p", createdAt: ago((index + 1) * MINUTE), ready: true });
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, index) => store.claim({ presetId: "p", claimant: claimant(`user-${index}`), lifecycle: OPEN_LIFECYCLE, now: NOW })),
        );
        const outcomes = (await store.loadSnapshot()).claimEvents.map((event) => event.outcome).sort();
        assert.equal(results.filter((result) => result !== null).length, 3);
        assert.deepEqual(outcomes, ["claimed", "claimed", "claimed", "missed", "missed", "missed", "missed", "missed"]);
      });

      test("keeps every claim event younger than 120 minutes however many claims prune old ones", async ({ store, addPreset }) => {
        await addPreset(preset("p"));
        await store.claim({ presetId: "p", claimant: claimant("early"), lifecycle: OPEN_LIFECYCLE, now: ago(119 * MINUTE) });
        for (let index = 0; index < 10; index += 1) {
          await store.claim({ presetId: "p", claimant: claimant(`late-${index}`), lifecycle: OPEN_LIFECYCLE, now: NOW });
        }
        const events = byInstant((await store.loadSnapshot()).claimEvents);
        assert.equal(events.length, 11);
        assert.deepEqual(events[0], { presetId: "p", at: ago(119 * MINUTE), outcome: "missed" });
      });

      test("hands each prebuild to exactly one of many concurrent claims", async ({ store, addPreset, addPrebuild }) => {
        await addPreset(preset("p"));
        for (let index = 0; index < 5; index += 1) {
          await addPrebuild({ id: `ws-${index}`, presetId: "p", createdAt: ago((index + 1) * MINUTE), ready: true });
        }
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) => store.claim({ presetId: "p", claimant: claimant(`user-${index}`), lifecycle: OPEN_LIFECYCLE, now: NOW })),
        );
        const claimed = results.flatMap((result) => (result === null ? [] : [result.workspaceId]));
        assert.equal(claimed.length, 5);
        assert.equal(new Set(claimed).size, 5);
      });
    });

    if (options.buildTotals === true) {
      runner.describe("loadBuildTotals", () => {
        test("counts succeeded and failed create builds and claimed prebuilds per preset, all time", async ({ store, addPreset, addPrebuild, addCreateResult, addPendingCreate }) => {
          await addPreset(preset("p"));
          await addPreset(preset("quiet"));
          await addPrebuild({ id: "ws-1", presetId: "p", createdAt: ago(300 * MINUTE), ready: true });
          await addPrebuild({ id: "ws-2", presetId: "p", createdAt: ago(200 * MINUTE), ready: true });
          await addCreateResult("p", "failed", ago(190 * MINUTE)); // older than the backoff lookback: still counted
          await addCreateResult("p", "failed", ago(5 * MINUTE));
          await addCreateResult("p", "succeeded", ago(4 * MINUTE));
          await addPendingCreate("p", ago(MINUTE)); // not finished: neither created nor failed
          const claimed = await store.claim({ presetId: "p", claimant: claimant("alice"), lifecycle: OPEN_LIFECYCLE, now: NOW });
          assert.equal(claimed?.workspaceId, "ws-1");
          await store.claim({ presetId: "quiet", claimant: claimant("bob"), lifecycle: OPEN_LIFECYCLE, now: NOW }); // a miss is no claim
          assert.ok(store.loadBuildTotals, "the store implements loadBuildTotals");
          const rows = await store.loadBuildTotals();
          const byId = new Map(rows.map((row) => [row.presetId, row]));
          assert.equal(byId.size, rows.length, "one row per preset");
          const totals = byId.get("p");
          assert.deepEqual(
            totals && { presetId: totals.presetId, presetName: totals.presetName, organizationId: totals.organizationId, templateId: totals.templateId, created: totals.created, failed: totals.failed, claimed: totals.claimed },
            { presetId: "p", presetName: "p name", organizationId: "org-contract", templateId: "template-p", created: 3, failed: 2, claimed: 1 },
          );
          const quiet = byId.get("quiet");
          // A preset with no builds may be left out, or reported with zeros.
          if (quiet !== undefined) assert.deepEqual([quiet.created, quiet.failed, quiet.claimed], [0, 0, 0]);
        });
      });
    }

    runner.describe("memberships and settings", () => {
      test("reports each organization's membership status and applies the inserts idempotently", async ({ store, addPreset }) => {
        await addPreset(preset("a", { organizationId: "org-a" }));
        await addPreset(preset("b", { organizationId: "org-b" }));
        await addPreset(preset("c", { organizationId: "org-b" }));
        const before = [...(await store.organizationsWithPrebuildStatus())].sort((left, right) => (left.organizationId < right.organizationId ? -1 : 1));
        assert.deepEqual(before, [
          { organizationId: "org-a", systemUserIsMember: false, prebuildsGroupExists: false, systemUserInGroup: false },
          { organizationId: "org-b", systemUserIsMember: false, prebuildsGroupExists: false, systemUserInGroup: false },
        ]);
        for (let round = 0; round < 2; round += 1) {
          await Promise.all([store.addSystemUserToOrganization("org-a"), store.addSystemUserToOrganization("org-a"), store.createPrebuildsGroup("org-a")]);
          await Promise.all([store.addSystemUserToPrebuildsGroup("org-a"), store.addSystemUserToPrebuildsGroup("org-a")]);
        }
        const after = [...(await store.organizationsWithPrebuildStatus())].sort((left, right) => (left.organizationId < right.organizationId ? -1 : 1));
        assert.deepEqual(after[0], { organizationId: "org-a", systemUserIsMember: true, prebuildsGroupExists: true, systemUserInGroup: true });
        assert.deepEqual(after[1], before[1]);
      });

      test("lists the presets of a template version with their parameters", async ({ store, addPreset }) => {
        await addPreset(preset("eu", { templateVersionId: "shared-version", templateId: "shared-template", parameters: { region: "eu" } }));
        await addPreset(preset("us", { templateVersionId: "shared-version", templateId: "shared-template", parameters: { region: "us", size: "l" } }));
        const presets = [...(await store.presetsOfTemplateVersion("shared-version"))].sort((left, right) => (left.id < right.id ? -1 : 1));
        assert.deepEqual(presets, [
          { id: "eu", parameters: { region: "eu" } },
          { id: "us", parameters: { region: "us", size: "l" } },
        ]);
        assert.deepEqual(await store.presetsOfTemplateVersion("no-such-version"), []);
      });

      test("reports the pause state", async ({ store, addPreset, setPaused }) => {
        await addPreset(preset("a"));
        assert.deepEqual(await store.isPaused(), { global: false, presetIds: [] });
        await setPaused({ global: true, presetIds: ["a"] });
        assert.deepEqual(await store.isPaused(), { global: true, presetIds: ["a"] });
      });
    });
  });
}
