import pg from "pg";
import type { Clock, Preset, Provisioner } from "../../../src/index.js";
import type { FencedCallContext } from "../../../src/index.js";
import { assertFencingToken, migrate, PostgresStore, type PostgresStoreOptions } from "../../../src/postgres.js";
import type { ContractPreset } from "../../../src/testing.js";

/** The server .ci/run and `npm test` start; without it these tests fail loudly, never skip. */
export function databaseUrl(): string {
  const url = process.env["DATABASE_URL"];
  if (url === undefined || url === "") {
    throw new Error("DATABASE_URL is not set: run the tests through `npm test` (scripts/with-postgres.sh starts a server)");
  }
  return url;
}

export interface TestDatabase {
  readonly pool: pg.Pool;
  readonly url: string;
  drop(): Promise<void>;
}

/** A new, migrated database of its own, so test files and tests never see each other's rows. */
export async function freshDatabase(poolSize = 10, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  const name = `prebuild_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize });
  // A terminated backend surfaces as an error on idle clients; the tests that kill one expect it.
  pool.on("error", () => {});
  if (options.migrated !== false) await migrate(pool);
  return {
    pool,
    url: url.toString(),
    async drop() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: databaseUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Stores a preset with the organization, template and version rows it needs. */
export async function insertPreset(pool: pg.Pool, preset: ContractPreset | (Preset & { parameters?: Record<string, string> })): Promise<void> {
  await pool.query("INSERT INTO organizations (id) VALUES ($1) ON CONFLICT DO NOTHING", [preset.organizationId]);
  await pool.query(
    `INSERT INTO templates (id, organization_id, active_version_id, deleted, deprecated) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET active_version_id = EXCLUDED.active_version_id, deleted = EXCLUDED.deleted, deprecated = EXCLUDED.deprecated`,
    [preset.templateId, preset.organizationId, preset.usingActiveVersion ? preset.templateVersionId : `${preset.templateVersionId}-successor`, preset.templateDeleted, preset.templateDeprecated],
  );
  await pool.query("INSERT INTO template_versions (id, template_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [preset.templateVersionId, preset.templateId]);
  await pool.query(
    `INSERT INTO presets (id, template_version_id, name, desired_instances, ttl_seconds, last_invalidated_at, timezone, parameters)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      preset.id,
      preset.templateVersionId,
      preset.name,
      preset.desiredInstances,
      preset.ttlSeconds ?? null,
      preset.lastInvalidatedAt ?? null,
      preset.scheduling?.timezone ?? null,
      JSON.stringify(preset.parameters ?? {}),
    ],
  );
  for (const schedule of preset.scheduling?.schedules ?? []) {
    await pool.query("INSERT INTO preset_schedules (preset_id, cron, instances) VALUES ($1, $2, $3)", [preset.id, schedule.cron, schedule.instances]);
  }
}

let sequence = 0;

/** Stores a workspace of the preset and one build of it. */
export async function insertWorkspaceWithBuild(
  pool: pg.Pool,
  options: { id?: string; presetId: string; ownerId: string; createdAt: Date; ready: boolean; status: "succeeded" | "failed" | "pending"; initiatorId?: string },
): Promise<string> {
  sequence += 1;
  const id = options.id ?? `ws-${process.pid}-${sequence}`;
  await pool.query("INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready) VALUES ($1, $2, $3, $1, $4, $5)", [
    id,
    options.presetId,
    options.ownerId,
    options.createdAt,
    options.ready,
  ]);
  await pool.query(
    "INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id) VALUES ($1, 'start', $2, $3, $4, $5)",
    [id, options.status, options.createdAt, options.status === "pending" ? null : options.createdAt, options.initiatorId ?? options.ownerId],
  );
  return id;
}

/**
 * Runs `work` in a transaction of its own that first proves the fencing token, when the call
 * carries one: the way a host's provisioner sharing the store's database fences its writes.
 */
async function fenced<T>(pool: pg.Pool, context: FencedCallContext | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const ignore = () => {};
  // A test may kill this connection; the failing query reports it. The listener goes on in the tick
  // the pool hands the client over (the promise form of connect() would leave a gap).
  const client = await new Promise<pg.PoolClient>((resolve, reject) =>
    pool.connect((error, connected) => {
      if (error !== undefined || connected === undefined) reject(error ?? new Error("no client"));
      else {
        connected.on("error", ignore);
        resolve(connected);
      }
    }),
  );
  try {
    await client.query("BEGIN");
    if (context?.fencingToken != null) await assertFencingToken(client, context.fencingToken);
    const value = await work(client);
    await client.query("COMMIT");
    return value;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.off("error", ignore);
    client.release();
  }
}

/** Stores a workspace of the preset and one build of it, on `client`. */
async function insertOn(client: pg.PoolClient, id: string, presetId: string, ownerId: string, createdAt: Date): Promise<void> {
  await client.query("INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready) VALUES ($1, $2, $3, $1, $4, true)", [id, presetId, ownerId, createdAt]);
  await client.query(
    "INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id) VALUES ($1, 'start', 'succeeded', $2, $2, $3)",
    [id, createdAt, ownerId],
  );
}

/**
 * A provisioner writing straight into the test schema: a create is a workspace whose start build
 * succeeded at once (ready), a delete a succeeded delete build, a cancellation one transaction.
 * Each call is one transaction, fenced when the call carries a fencing token.
 */
export function sqlProvisioner(pool: pg.Pool, systemUserId: string, clock: Clock): Provisioner & { readonly created: string[] } {
  const created: string[] = [];
  return {
    created,
    async createPrebuilds(preset, count, context) {
      const ids = Array.from({ length: count }, () => {
        sequence += 1;
        return `ws-${process.pid}-${sequence}`;
      });
      await fenced(pool, context, async (client) => {
        for (const id of ids) await insertOn(client, id, preset.id, systemUserId, clock.now());
      });
      created.push(...ids);
    },
    async deletePrebuild(workspaceId, context) {
      await fenced(pool, context, async (client) => {
        // Only while it is still a prebuild: a claim may have taken it since the snapshot.
        const { rowCount } = await client.query("UPDATE workspaces SET deleted = true WHERE id = $1 AND owner_id = $2 AND NOT deleted", [workspaceId, systemUserId]);
        if (rowCount !== 1) throw new Error(`workspace ${workspaceId} is no longer a prebuild`);
        await client.query(
          "INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id) VALUES ($1, 'delete', 'succeeded', $2, $2, $3)",
          [workspaceId, clock.now(), systemUserId],
        );
      });
    },
    async cancelPendingAndOrphanDelete(presetId, context) {
      return fenced(pool, context, async (client) => {
        const { rows } = await client.query<{ workspace_id: string }>(
          `UPDATE workspace_builds b SET status = 'canceled' FROM workspaces w
           WHERE w.id = b.workspace_id AND w.preset_id = $1 AND b.transition = 'start' AND b.status = 'pending' AND b.started_at IS NULL AND b.initiator_id = $2
           RETURNING b.workspace_id`,
          [presetId, systemUserId],
        );
        await client.query("UPDATE workspaces SET deleted = true WHERE id = ANY($1)", [rows.map((row) => row.workspace_id)]);
        return rows.length;
      });
    },
  };
}

export function storeOn(pool: pg.Pool, options: Omit<PostgresStoreOptions, "pool">): PostgresStore {
  return new PostgresStore({ pool, ...options });
}
