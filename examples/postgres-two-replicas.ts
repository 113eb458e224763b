/**
 * Two replicas of a control plane on one PostgreSQL database: each has its own pg.Pool,
 * PostgresStore and Reconciler, and the advisory lock lets one of them reconcile at a time.
 *
 *   bash scripts/with-postgres.sh npx tsx examples/postgres-two-replicas.ts
 *
 * It creates a database of its own on the server DATABASE_URL points at, migrates it (once, then
 * again from both replicas at the same moment, which applies nothing), seeds two presets, and
 * runs a few rounds of cycles. The provisioner writes workspaces and their builds straight into
 * the store's tables, as if every build succeeded at once. The database is dropped at the end.
 *
 * Which replica wins the lock when both start together is a race: it varies from run to run.
 */

import pg from "pg";
import { Reconciler, type Preset, type Provisioner, type ReconcileStats } from "../src/index.js";
import { migrate, PostgresStore } from "../src/postgres.js";

const SYSTEM_USER = "prebuilds";
/** Each replica's pool size, and what its Reconciler is told: 4 connections, 2 presets at a time. */
const POOL_SIZE = 4;

const serverUrl = process.env["DATABASE_URL"];
if (serverUrl === undefined || serverUrl === "") {
  console.error("DATABASE_URL is not set; run: bash scripts/with-postgres.sh npx tsx examples/postgres-two-replicas.ts");
  process.exit(1);
}

/** A provisioner that writes into the store's own tables: a create is a ready prebuild at once. */
function sqlProvisioner(pool: pg.Pool): Provisioner & { created: number } {
  return {
    created: 0,
    async createPrebuilds(preset: Preset, count: number) {
      // One statement: the workspaces and their succeeded start builds appear together.
      const { rowCount } = await pool.query(
        `WITH created AS (
           INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready)
           SELECT 'ws-' || substr(md5(random()::text), 1, 10), $1, $2, 'prebuild', now(), true FROM generate_series(1, $3)
           RETURNING id)
         INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
         SELECT id, 'start', 'succeeded', now(), now(), $2 FROM created`,
        [preset.id, SYSTEM_USER, count],
      );
      this.created += rowCount ?? 0;
    },
    async deletePrebuild(workspaceId: string) {
      // Only while it is still a prebuild: a claim may have taken it since the snapshot.
      const { rowCount } = await pool.query(
        `WITH gone AS (UPDATE workspaces SET deleted = true WHERE id = $1 AND owner_id = $2 AND NOT deleted RETURNING id)
         INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
         SELECT id, 'delete', 'succeeded', now(), now(), $2 FROM gone`,
        [workspaceId, SYSTEM_USER],
      );
      if (rowCount !== 1) throw new Error(`workspace ${workspaceId} is no longer a prebuild`);
    },
    async cancelPendingAndOrphanDelete(presetId: string) {
      // Cancel the queued creates and delete their workspaces in one statement.
      const { rows } = await pool.query<{ count: number }>(
        `WITH canceled AS (
           UPDATE workspace_builds b SET status = 'canceled' FROM workspaces w
           WHERE w.id = b.workspace_id AND w.preset_id = $1 AND b.initiator_id = $2
             AND b.transition = 'start' AND b.status = 'pending' AND b.started_at IS NULL
           RETURNING b.workspace_id),
         orphaned AS (UPDATE workspaces SET deleted = true WHERE id IN (SELECT workspace_id FROM canceled) RETURNING id)
         SELECT count(*)::int AS count FROM orphaned`,
        [presetId, SYSTEM_USER],
      );
      return rows[0]?.count ?? 0;
    },
  };
}

interface Replica {
  readonly name: string;
  readonly pool: pg.Pool;
  readonly store: PostgresStore;
  readonly provisioner: ReturnType<typeof sqlProvisioner>;
  readonly reconciler: Reconciler;
}

/** Set once the pools are being closed: DROP DATABASE … WITH (FORCE) may cut connections still closing. */
let closing = false;

function replica(name: string, url: string): Replica {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  // node-postgres emits "error" on the pool when an idle connection dies; unheard, it would crash the process.
  pool.on("error", (error) => {
    if (!closing) console.error(`replica ${name}: idle PostgreSQL connection failed: ${error.message}`);
  });
  const store = new PostgresStore({ pool, systemUserId: SYSTEM_USER });
  const provisioner = sqlProvisioner(pool);
  const reconciler = new Reconciler({ store, provisioner, systemUserId: SYSTEM_USER, maxDbConnections: POOL_SIZE });
  return { name, pool, store, provisioner, reconciler };
}

function describeCycle(replica: Replica, stats: ReconcileStats, createdBefore: number): string {
  if (!stats.lockAcquired) return `replica ${replica.name}  the other replica holds the lock: did nothing`;
  const created = replica.provisioner.created - createdBefore;
  const failures = stats.failures.map((failure) => `${failure.operation}: ${failure.message}`);
  return `replica ${replica.name}  acquired the lock: ${stats.presetsReconciled} presets reconciled, ${created} ${created === 1 ? "prebuild" : "prebuilds"} created${failures.length === 0 ? "" : `, failures: ${failures.join("; ")}`}`;
}

/** Runs the cycles (`together`: started at the same moment) and prints what each replica did. */
async function round(title: string, replicas: readonly Replica[], run: (replica: Replica) => Promise<ReconcileStats>, together: boolean): Promise<void> {
  console.log(`\n${title}`);
  const before = replicas.map((entry) => entry.provisioner.created);
  const stats: ReconcileStats[] = [];
  if (together) stats.push(...(await Promise.all(replicas.map(run))));
  else for (const entry of replicas) stats.push(await run(entry));
  replicas.forEach((entry, index) => console.log(`  ${describeCycle(entry, stats[index] as ReconcileStats, before[index] ?? 0)}`));
}

async function printPool(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string; desired: number; running: number }>(
    `SELECT p.name, p.desired_instances AS desired,
            count(w.id) FILTER (WHERE w.owner_id = $1 AND NOT w.deleted)::int AS running
     FROM presets p LEFT JOIN workspaces w ON w.preset_id = p.id
     GROUP BY p.id, p.name, p.desired_instances ORDER BY p.name`,
    [SYSTEM_USER],
  );
  console.log(`  prebuild pool: ${rows.map((row) => `${row.name} ${row.running} of ${row.desired}`).join(", ")}`);
}

const databaseName = `prebuild_two_replicas_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${databaseName}`);
const url = new URL(serverUrl);
url.pathname = `/${databaseName}`;

const replicas = [replica("A", url.toString()), replica("B", url.toString())];
const [a, b] = replicas as [Replica, Replica];
try {
  console.log(`database ${databaseName}: migrations applied: ${(await migrate(a.pool)).join(", ")}`);
  const again = await Promise.all([migrate(a.pool), migrate(b.pool)]);
  console.log(`migrate again from both replicas at once: ${JSON.stringify(again[0])} and ${JSON.stringify(again[1])}`);
  console.log(`each replica: pg.Pool max ${POOL_SIZE}, maxDbConnections ${POOL_SIZE}, so ${a.reconciler.concurrency} presets at a time`);

  await a.pool.query(`
    INSERT INTO organizations (id) VALUES ('org-acme');
    INSERT INTO templates (id, organization_id, active_version_id) VALUES ('tpl-dev', 'org-acme', 'tv-7');
    INSERT INTO template_versions (id, template_id) VALUES ('tv-7', 'tpl-dev');
    INSERT INTO presets (id, template_version_id, name, desired_instances, parameters) VALUES
      ('p-eu', 'tv-7', 'eu-dev', 3, '{"region": "eu"}'),
      ('p-us', 'tv-7', 'us-dev', 2, '{"region": "us"}');`);

  await round("Round 1: both replicas start a cycle at the same moment", replicas, (entry) => entry.reconciler.reconcileOnce(), true);
  await printPool(a.pool);

  const claim = await b.reconciler.claim({ templateVersionId: "tv-7", parameters: { region: "eu" }, claimant: { userId: "ana", workspaceName: "ana-dev" } });
  console.log(`\nana asks replica B for an eu workspace: ${claim.status === "claimed" ? `claimed ${claim.workspace.workspaceId} (preset ${claim.workspace.presetName})` : claim.reason}`);
  await printPool(a.pool);

  await round("Round 2: both replicas start a cycle at the same moment", replicas, (entry) => entry.reconciler.reconcileOnce(), true);
  await printPool(a.pool);

  await round("Round 3: one replica after the other; the second finds nothing to do", replicas, (entry) => entry.reconciler.reconcileOnce(), false);
  await printPool(a.pool);

  // Replica A's store holds the lock (as during a long cycle) while replica B runs its cycle.
  console.log("\nRound 4: replica A holds the lock while replica B runs a cycle");
  const held = await a.store.withReconciliationLock(() => b.reconciler.reconcileOnce());
  if (held.acquired) console.log(`  ${describeCycle(b, held.value, b.provisioner.created)}`);
} finally {
  closing = true;
  await Promise.all(replicas.map((entry) => entry.pool.end()));
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
  console.log(`\ndropped database ${databaseName}`);
}
