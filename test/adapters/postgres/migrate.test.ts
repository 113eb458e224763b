import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { listMigrations, migrate, UnknownMigrationError } from "../../../src/postgres.js";
import { ManualClock } from "../../../src/testing.js";
import { freshDatabase, insertPreset, insertWorkspaceWithBuild, storeOn, type TestDatabase } from "./harness.js";

const SYSTEM = "prebuilds-system";
const NOW = new Date("2025-06-02T10:00:00.000Z");
const MINUTE = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const UPGRADES = ["002_query_indexes", "003_validation_failed", "004_claim_events"];

/** The tables of 001_initial, whose rows an upgrade must keep. */
const TABLES_OF_001 = [
  "organizations",
  "templates",
  "template_versions",
  "presets",
  "preset_schedules",
  "workspaces",
  "workspace_builds",
  "organization_members",
  "groups",
  "group_members",
  "prebuilds_settings",
  "prebuild_reconciler_migrations",
];

const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const database of databases.splice(0)) await database.drop();
});

async function unmigrated(): Promise<TestDatabase> {
  const database = await freshDatabase(5, { migrated: false });
  databases.push(database);
  return database;
}

/** Applies the shipped migrations up to `last` and records them, as migrate() of that version did. */
async function migrateTo(pool: pg.Pool, last: string): Promise<void> {
  await pool.query("CREATE TABLE prebuild_reconciler_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  for (const migration of listMigrations()) {
    await pool.query(migration.sql);
    await pool.query("INSERT INTO prebuild_reconciler_migrations (name) VALUES ($1)", [migration.name]);
    if (migration.name === last) return;
  }
}

/** Every row of every table of 001, as JSON without the columns later migrations add, in a stable order. */
async function rowsOf001(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const table of TABLES_OF_001) {
    const { rows } = await pool.query<{ row: unknown }>(`SELECT to_jsonb(t) - 'failed_configuration_key' AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
    dump[table] = rows.map((entry) => entry.row);
  }
  return dump;
}

async function indexesOf(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey' ORDER BY indexname");
  return rows.map((row) => row.indexname);
}

function preset(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `${id} name`,
    organizationId: "org-1",
    templateId: `template-${id}`,
    templateVersionId: `version-${id}`,
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 2,
    ttlSeconds: 3600,
    lastInvalidatedAt: null,
    scheduling: null,
    parameters: { region: id },
    ...overrides,
  };
}

describe("migrate", () => {
  it("upgrades a database created by 001 with data in it and loses nothing", async () => {
    const database = await unmigrated();
    await migrateTo(database.pool, "001_initial");
    await insertPreset(database.pool, preset("scheduled", { scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-17 * * 1-5", instances: 3 }, { cron: "* * * * 6", instances: 1 }] } }));
    await insertPreset(database.pool, preset("stuck"));
    await insertPreset(database.pool, preset("outdated", { usingActiveVersion: false }));
    await database.pool.query("UPDATE presets SET prebuild_status = 'hard_limited' WHERE id = 'stuck'");
    await insertWorkspaceWithBuild(database.pool, { id: "ready", presetId: "scheduled", ownerId: SYSTEM, createdAt: ago(30 * MINUTE), ready: true, status: "succeeded" });
    await insertWorkspaceWithBuild(database.pool, { id: "claimed", presetId: "scheduled", ownerId: "alice", createdAt: ago(90 * MINUTE), ready: true, status: "succeeded", initiatorId: SYSTEM });
    await insertWorkspaceWithBuild(database.pool, { id: "queued", presetId: "outdated", ownerId: SYSTEM, createdAt: ago(MINUTE), ready: false, status: "pending" });
    for (const minutes of [30, 20, 10]) {
      await insertWorkspaceWithBuild(database.pool, { id: `failed-${minutes}`, presetId: "stuck", ownerId: SYSTEM, createdAt: ago(minutes * MINUTE), ready: false, status: "failed" });
    }
    await database.pool.query("INSERT INTO organization_members (organization_id, user_id) VALUES ('org-1', $1)", [SYSTEM]);
    await database.pool.query("INSERT INTO groups (organization_id, name) VALUES ('org-1', 'prebuilds')");
    await database.pool.query("UPDATE prebuilds_settings SET reconciliation_paused = true");
    const before = await rowsOf001(database.pool);
    expect(await indexesOf(database.pool)).toEqual(["workspace_builds_in_progress", "workspace_builds_latest", "workspaces_preset_owner"]);

    expect(await migrate(database.pool)).toEqual(UPGRADES);

    const after = await rowsOf001(database.pool);
    expect({ ...after, prebuild_reconciler_migrations: after["prebuild_reconciler_migrations"]?.slice(0, 1) }).toEqual(before);
    expect(await indexesOf(database.pool)).toEqual([
      "claim_events_at",
      "preset_schedules_preset",
      "workspace_builds_failed_creates",
      "workspace_builds_in_progress",
      "workspace_builds_latest_status",
      "workspaces_owner_prebuilds",
      "workspaces_preset",
      "workspaces_preset_owner",
    ]);
    const snapshot = await storeOn(database.pool, { systemUserId: SYSTEM, clock: new ManualClock(NOW) }).loadSnapshot();
    expect(snapshot.presets.map((entry) => [entry.id, entry.scheduling?.schedules.length ?? 0])).toEqual([
      ["outdated", 0],
      ["scheduled", 2],
      ["stuck", 0],
    ]);
    expect(snapshot.running.map((row) => row.id)).toEqual(["ready"]);
    expect(snapshot.pendingNonActive).toEqual([{ presetId: "outdated", count: 1 }]);
    expect(snapshot.backoffs).toEqual([{ presetId: "stuck", failedBuilds: 3, lastBuildAt: ago(10 * MINUTE) }]);
    expect(snapshot.hardLimitedPresetIds).toEqual(["stuck"]);
    expect(snapshot.recordedStatuses).toEqual([{ presetId: "stuck", status: "hardLimited", configurationKey: null }]);
    expect(snapshot.claimEvents).toEqual([]);
  });

  it("refuses a database that records a migration this version does not know, in migrate() and in the store on first use", async () => {
    const database = await unmigrated();
    await migrate(database.pool);
    await database.pool.query("INSERT INTO prebuild_reconciler_migrations (name) VALUES ('006_further'), ('005_from_the_future')");
    const error = await migrate(database.pool).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UnknownMigrationError);
    expect(error).toMatchObject({ code: "PG_UNKNOWN_MIGRATION", newestKnown: "004_claim_events", unknown: "006_further", unknownMigrations: ["005_from_the_future", "006_further"] });
    expect((error as Error).message).toBe(
      "the database records migration 006_further, which this version of prebuild-reconciler does not know " +
        "(the newest it knows is 004_claim_events; unknown: 005_from_the_future, 006_further): a newer version migrated this database; upgrade the package",
    );
    const store = storeOn(database.pool, { systemUserId: SYSTEM });
    let ran = false;
    await expect(store.loadSnapshot()).rejects.toBeInstanceOf(UnknownMigrationError);
    await expect(
      store.withReconciliationLock(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(UnknownMigrationError);
    await expect(store.isPaused()).rejects.toThrow("the database records migration 006_further");
    expect(ran).toBe(false);
  });

  it("rejects with a clear error, and never crashes the process, when its connection is killed mid-migration", async () => {
    const database = await unmigrated();
    await migrateTo(database.pool, "001_initial");
    const host = await database.pool.connect();
    host.on("error", () => {});
    let child: ReturnType<typeof spawn> | null = null;
    try {
      // The first statement of 002 waits for this lock; the test kills it while it waits.
      await host.query("BEGIN");
      await host.query("LOCK TABLE preset_schedules IN ACCESS EXCLUSIVE MODE");
      const fixture = fileURLToPath(new URL("./fixtures/migrate-child.ts", import.meta.url));
      child = spawn(process.execPath, ["--import", "tsx", fixture, database.url], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)));
      let killed = false;
      for (let attempt = 0; attempt < 500 && !killed; attempt += 1) {
        const { rows } = await database.pool.query<{ killed: boolean }>(
          "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'migrate-child' AND wait_event_type = 'Lock'",
        );
        killed = rows.some((row) => row.killed);
        if (!killed) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(killed).toBe(true);
      await host.query("ROLLBACK");
      const code = await exited;
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const [outcome, survived] = stdout.trim().split("\n");
      expect(JSON.parse(outcome ?? "{}")).toEqual({
        rejected: expect.stringMatching(/^migration 002_query_indexes failed: the database connection was lost \(.*terminat.*\)$/),
      });
      expect(survived).toBe("survived");
    } finally {
      child?.kill();
      host.release();
    }
    // Nothing of 002 was applied; the next migrate applies everything left.
    expect(await migrate(database.pool)).toEqual(UPGRADES);
  }, 30_000);
});
