import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Reconciler } from "../../../src/index.js";
import { listMigrations, migrate } from "../../../src/postgres.js";
import { ManualClock } from "../../../src/testing.js";
import { freshDatabase, insertPreset, insertWorkspaceWithBuild, sqlProvisioner, storeOn, type TestDatabase } from "./harness.js";

const SYSTEM = "prebuilds-system";
const NOW = new Date("2025-06-02T10:00:00.000Z");

function preset(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: id,
    organizationId: "org-1",
    templateId: `template-${id}`,
    templateVersionId: `version-${id}`,
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 3,
    ttlSeconds: null,
    lastInvalidatedAt: null,
    scheduling: null,
    parameters: {},
    ...overrides,
  };
}

async function runningCount(database: TestDatabase, presetId: string): Promise<number> {
  const { rows } = await database.pool.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM workspaces WHERE preset_id = $1 AND owner_id = $2 AND NOT deleted",
    [presetId, SYSTEM],
  );
  return rows[0]?.count ?? -1;
}

let database: TestDatabase;
beforeEach(async () => {
  database = await freshDatabase(30);
});
afterEach(async () => {
  await database.drop();
});

describe("migrate", () => {
  it("applies nothing the second time, and is safe from two replicas at once", async () => {
    expect(await migrate(database.pool)).toEqual([]);
    const second = await freshDatabase(10, { migrated: false });
    try {
      const [first, other] = await Promise.all([migrate(second.pool), migrate(second.pool)]);
      expect([...first, ...other]).toEqual(listMigrations().map((migration) => migration.name));
      const { rows } = await second.pool.query<{ name: string }>("SELECT name FROM prebuild_reconciler_migrations ORDER BY name");
      expect(rows.map((row) => row.name)).toEqual(["001_initial", "002_query_indexes", "003_validation_failed", "004_claim_events"]);
    } finally {
      await second.drop();
    }
  });
});

describe("claims", () => {
  const lifecycle = { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } as const;

  it("are one statement in one short transaction, the claim event included", async () => {
    await insertPreset(database.pool, preset("hot"));
    await insertWorkspaceWithBuild(database.pool, { id: "ws-hot", presetId: "hot", ownerId: SYSTEM, createdAt: NOW, ready: true, status: "succeeded" });
    const statements: string[] = [];
    const counted = await freshPoolOn(database);
    counted.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
        statements.push(text.trim().split(/\s+/)[0] ?? "");
        return query(...args);
      };
    });
    try {
      const store = storeOn(counted, { systemUserId: SYSTEM });
      await store.isPaused();
      statements.length = 0;
      expect((await store.claim({ presetId: "hot", claimant: { userId: "alice", workspaceName: "w" }, lifecycle, now: NOW }))?.workspaceId).toBe("ws-hot");
      expect(await store.claim({ presetId: "hot", claimant: { userId: "bob", workspaceName: "w" }, lifecycle, now: NOW })).toBe(null);
      expect(statements).toEqual(["BEGIN;", "WITH", "COMMIT", "BEGIN;", "WITH", "COMMIT"]);
    } finally {
      await counted.end();
    }
    const { rows } = await database.pool.query("SELECT preset_id, outcome FROM claim_events ORDER BY id");
    expect(rows).toEqual([
      { preset_id: "hot", outcome: "claimed" },
      { preset_id: "hot", outcome: "missed" },
    ]);
  });

  it("prune at most two events older than three hours each, so the table stays bounded, and never a younger one", async () => {
    await insertPreset(database.pool, preset("p"));
    await database.pool.query(
      `INSERT INTO claim_events (preset_id, at, outcome)
       SELECT 'p', $1::timestamptz - make_interval(mins => 181 + g), 'missed' FROM generate_series(1, 100) g
       UNION ALL SELECT 'p', $1::timestamptz - make_interval(mins => 121 + g), 'claimed' FROM generate_series(1, 50) g`,
      [NOW],
    );
    const store = storeOn(database.pool, { systemUserId: SYSTEM, clock: new ManualClock(NOW) });
    for (let index = 0; index < 10; index += 1) {
      await store.claim({ presetId: "p", claimant: { userId: `user-${index}`, workspaceName: "w" }, lifecycle, now: NOW });
    }
    const { rows } = await database.pool.query<{ older: number; between: number; recent: number; oldest_left: Date }>(
      `SELECT count(*) FILTER (WHERE at < $1::timestamptz - interval '180 minutes')::int AS older,
              count(*) FILTER (WHERE at >= $1::timestamptz - interval '180 minutes' AND at <= $1::timestamptz - interval '120 minutes')::int AS between,
              count(*) FILTER (WHERE at > $1::timestamptz - interval '120 minutes')::int AS recent,
              min(at) AS oldest_left
       FROM claim_events`,
      [NOW],
    );
    // The oldest twenty went, oldest first; the events between two and three hours old stay.
    expect(rows[0]).toEqual({ older: 80, between: 50, recent: 10, oldest_left: new Date(NOW.getTime() - (181 + 80) * 60_000) });
    expect((await store.loadSnapshot()).claimEvents).toHaveLength(10);
  });
});

describe("PostgresStore options", () => {
  it("refuses a pool of one connection, which the lock would hold for the whole cycle", async () => {
    const { default: pg } = await import("pg");
    const tiny = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      expect(() => storeOn(tiny, { systemUserId: SYSTEM })).toThrow("PostgresStore needs a pool of at least 2 connections, got max 1");
    } finally {
      await tiny.end();
    }
  });
});

describe("PostgresStore with the Reconciler", () => {
  it("with two replicas started together 50 times, never over-provisions and ends at the desired count", async () => {
    await insertPreset(database.pool, preset("pool", { desiredInstances: 4 }));
    const clock = new ManualClock(NOW);
    const replicaA = await freshPoolOn(database);
    const replicaB = await freshPoolOn(database);
    try {
      const provisioner = sqlProvisioner(database.pool, SYSTEM, clock);
      const reconcilers = [replicaA, replicaB].map(
        (pool) => new Reconciler({ store: storeOn(pool, { systemUserId: SYSTEM, clock }), provisioner, clock, systemUserId: SYSTEM }),
      );
      let bothAcquired = 0;
      for (let round = 0; round < 50; round += 1) {
        if (round % 3 === 1) {
          await storeOn(database.pool, { systemUserId: SYSTEM, clock }).claim({
            presetId: "pool",
            claimant: { userId: `user-${round}`, workspaceName: `w-${round}` },
            lifecycle: { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null },
            now: clock.now(),
          });
        }
        const stats = await Promise.all(reconcilers.map((reconciler) => reconciler.reconcileOnce()));
        if (stats.every((entry) => entry.lockAcquired)) bothAcquired += 1;
        expect(stats.flatMap((entry) => entry.failures)).toEqual([]);
        expect(await runningCount(database, "pool")).toBe(4);
        clock.advance(1000);
      }
      // 4 to start with, plus one for each of the 17 claims.
      expect(provisioner.created).toHaveLength(4 + 17);
      expect(bothAcquired).toBeLessThan(50);
    } finally {
      await replicaA.end();
      await replicaB.end();
    }
  });

  it("serves 100 concurrent claims from 10 ready prebuilds: 10 distinct winners, 90 told none is available", async () => {
    await insertPreset(database.pool, preset("hot"));
    for (let index = 0; index < 10; index += 1) {
      await insertWorkspaceWithBuild(database.pool, { presetId: "hot", ownerId: SYSTEM, createdAt: new Date(NOW.getTime() - index * 60_000), ready: true, status: "succeeded" });
    }
    const clock = new ManualClock(NOW);
    const reconciler = new Reconciler({ store: storeOn(database.pool, { systemUserId: SYSTEM, clock }), provisioner: sqlProvisioner(database.pool, SYSTEM, clock), clock, systemUserId: SYSTEM });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) => reconciler.claim({ presetId: "hot", claimant: { userId: `user-${index}`, workspaceName: `w-${index}` } })),
    );
    const winners = results.flatMap((result) => (result.status === "claimed" ? [result.workspace.workspaceId] : []));
    expect(winners).toHaveLength(10);
    expect(new Set(winners).size).toBe(10);
    expect(results.filter((result) => result.status === "unavailable")).toHaveLength(90);
  });

  it("steady state: one snapshot transaction and no writes", async () => {
    await insertPreset(database.pool, preset("steady"));
    const statements: string[] = [];
    const counted = await freshPoolOn(database);
    counted.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        statements.push(typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]));
        return query(...args);
      };
    });
    try {
      const clock = new ManualClock(NOW);
      const reconciler = new Reconciler({ store: storeOn(counted, { systemUserId: SYSTEM, clock }), provisioner: sqlProvisioner(database.pool, SYSTEM, clock), clock, systemUserId: SYSTEM });
      await reconciler.reconcileOnce();
      statements.length = 0;
      const stats = await reconciler.reconcileOnce();
      expect(stats.errors).toBe(0);
      expect(statements.filter((text) => text.startsWith("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))).toHaveLength(1);
      expect(statements.filter((text) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(text))).toEqual([]);
    } finally {
      await counted.end();
    }
  });

  it("reports a connection killed mid-cycle, leaves no half-written claim, and converges on the next cycle", async () => {
    await insertPreset(database.pool, preset("fragile", { desiredInstances: 2 }));
    const clock = new ManualClock(NOW);
    const store = storeOn(database.pool, { systemUserId: SYSTEM, clock });
    const inner = sqlProvisioner(database.pool, SYSTEM, clock);
    let kill = true;
    const provisioner = {
      ...inner,
      async createPrebuilds(...args: Parameters<typeof inner.createPrebuilds>) {
        if (kill) {
          kill = false;
          // Kill the replica's lock connection: its transaction, held for the whole cycle, dies.
          await database.pool.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
        }
        return inner.createPrebuilds(...args);
      },
    };
    const reconciler = new Reconciler({ store, provisioner, clock, systemUserId: SYSTEM });
    const broken = await reconciler.reconcileOnce();
    // The lock's connection died while the create was in flight: the replica stops acting at once.
    expect(broken.interruptedBy).toBe("lockLost");
    expect(broken.failures.map((failure) => [failure.presetId, failure.operation, failure.code])).toEqual([
      ["fragile", "provisioner.createPrebuilds", "CYCLE_INTERRUPTED"],
      [null, "cycle", "CYCLE_INTERRUPTED"],
    ]);
    const next = await reconciler.reconcileOnce();
    expect(next.failures).toEqual([]);
    expect(await runningCount(database, "fragile")).toBe(2);

    // A claim whose connection dies between its two statements leaves the prebuild unclaimed.
    await database.pool.query(`
      CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.initiator_id = 'victim' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$;
      CREATE TRIGGER die_on_claim BEFORE INSERT ON workspace_builds FOR EACH ROW EXECUTE FUNCTION die();`);
    await expect(reconciler.claim({ presetId: "fragile", claimant: { userId: "victim", workspaceName: "w" } })).rejects.toThrow();
    const owners = await database.pool.query<{ owner_id: string }>("SELECT DISTINCT owner_id FROM workspaces WHERE preset_id = 'fragile' AND NOT deleted");
    expect(owners.rows.map((row) => row.owner_id)).toEqual([SYSTEM]);
    const survivor = await reconciler.claim({ presetId: "fragile", claimant: { userId: "alice", workspaceName: "w" } });
    expect(survivor.status).toBe("claimed");
  });

  it("reports bad rows for their preset and reconciles the others", async () => {
    await insertPreset(database.pool, preset("good", { desiredInstances: 1 }));
    await insertPreset(database.pool, preset("negative", { desiredInstances: -1 }));
    await insertPreset(database.pool, preset("martian", { scheduling: { timezone: "Mars/Olympus_Mons", schedules: [{ cron: "* * * * *", instances: 1 }] } }));
    const clock = new ManualClock(NOW);
    const provisioner = sqlProvisioner(database.pool, SYSTEM, clock);
    const stats = await new Reconciler({ store: storeOn(database.pool, { systemUserId: SYSTEM, clock }), provisioner, clock, systemUserId: SYSTEM }).reconcileOnce();
    expect(stats.invalid.map((entry) => [entry.presetId, entry.error.issues.map((issue) => issue.message)])).toEqual([
      ["martian", ['unknown time zone "Mars/Olympus_Mons"; use an IANA name such as "Europe/Berlin"']],
      ["negative", ["must be a non-negative integer, got -1"]],
    ]);
    expect(await runningCount(database, "good")).toBe(1);
  });
});

async function freshPoolOn(target: TestDatabase) {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: target.url, max: 5 });
  pool.on("error", () => {});
  return pool;
}
