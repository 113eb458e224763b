/**
 * The Store contract, run against PostgresStore on views over a host's own schema: the worked
 * example of docs/postgres.md ("Your own schema: views"). Each test gets a database of its own
 * holding Forge's tables (postgres-views/host-schema.sql) and the views that map them
 * (postgres-views/views.sql); the store's pool puts the views' schema first on the search_path.
 *
 *   bash scripts/with-postgres.sh node --import tsx --test-reporter=spec examples/postgres-views.ts
 *
 * runStoreContract registers its tests with node:test here; a host would pass vitest's or jest's
 * describe and it instead.
 */

import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../src/postgres.js";
import { ManualClock, runStoreContract, type ContractPreset, type StoreContractSubject } from "../src/testing.js";

const serverUrl = process.env["DATABASE_URL"];
if (serverUrl === undefined || serverUrl === "") {
  console.error("DATABASE_URL is not set; run: bash scripts/with-postgres.sh node --import tsx --test-reporter=spec examples/postgres-views.ts");
  process.exit(1);
}

const hostSchema = readFileSync(new URL("./postgres-views/host-schema.sql", import.meta.url), "utf8");
const views = readFileSync(new URL("./postgres-views/views.sql", import.meta.url), "utf8");

let databases = 0;

/** A new database with Forge's schema and the views; dropped by `drop()`. */
async function forgeDatabase(): Promise<{ readonly url: string; drop(): Promise<void> }> {
  databases += 1;
  const name = `forge_views_${process.pid}_${databases}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  const setup = new pg.Client({ connectionString: url.toString() });
  await setup.connect();
  await setup.query(hostSchema);
  await setup.query(views);
  await setup.end();
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

runStoreContract(
  async (settings): Promise<StoreContractSubject> => {
    const database = await forgeDatabase();
    // The views' schema first: the store's unqualified table names resolve to the views.
    const pool = new pg.Pool({ connectionString: database.url, max: 10, options: "-c search_path=prebuilds,public" });
    let closing = false;
    // DROP DATABASE … WITH (FORCE) may cut connections that pool.end() is still closing.
    pool.on("error", (error) => {
      if (!closing) console.error(`idle PostgreSQL client failed: ${error.message}`);
    });
    const store = new PostgresStore({
      pool,
      systemUserId: settings.systemUserId,
      clock: new ManualClock(settings.now),
      hardLimit: settings.hardLimit,
      backoffLookbackMs: settings.backoffLookbackMs,
    });
    const system = settings.systemUserId;
    let sequence = 0;

    /** A workspace with one build and its job, written into Forge's own tables. */
    async function workspaceWithBuild(options: { id?: string; presetId: string; createdAt: Date; ready: boolean; status: "succeeded" | "failed" | "pending" }) {
      sequence += 1;
      const id = options.id ?? `forge-ws-${sequence}`;
      await pool.query("INSERT INTO forge.workspaces (id, preset_id, owner_id, name, created_at) VALUES ($1, $2, $3, $1, $4)", [id, options.presetId, system, options.createdAt]);
      await pool.query("INSERT INTO forge.workspace_agents (workspace_id, lifecycle_state) VALUES ($1, $2)", [id, options.ready ? "ready" : "starting"]);
      const finished = options.status === "pending" ? null : options.createdAt;
      const { rows } = await pool.query<{ id: string }>("INSERT INTO forge.jobs (created_at, started_at, completed_at, error) VALUES ($1, $2, $2, $3) RETURNING id", [
        options.createdAt,
        finished,
        options.status === "failed" ? "terraform apply failed" : null,
      ]);
      await pool.query("INSERT INTO forge.workspace_builds (workspace_id, build_number, transition, initiator_id, job_id, created_at) VALUES ($1, 1, 'start', $2, $3, $4)", [
        id,
        system,
        rows[0]?.id,
        options.createdAt,
      ]);
    }

    return {
      store,
      async addPreset(preset: ContractPreset) {
        await pool.query("INSERT INTO forge.orgs (id, display_name) VALUES ($1, $1) ON CONFLICT DO NOTHING", [preset.organizationId]);
        await pool.query(
          `INSERT INTO forge.templates (id, org_id, name, active_version_id, archived_at, deprecation_message) VALUES ($1, $2, $1, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET active_version_id = EXCLUDED.active_version_id, archived_at = EXCLUDED.archived_at, deprecation_message = EXCLUDED.deprecation_message`,
          [
            preset.templateId,
            preset.organizationId,
            preset.usingActiveVersion ? preset.templateVersionId : `${preset.templateVersionId}-successor`,
            preset.templateDeleted ? settings.now : null,
            preset.templateDeprecated ? "use the new template" : "",
          ],
        );
        await pool.query("INSERT INTO forge.template_versions (id, template_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [preset.templateVersionId, preset.templateId]);
        await pool.query(
          `INSERT INTO forge.presets (id, version_id, name, prebuild_instances, prebuild_expiry, invalidated_at, schedule_timezone)
           VALUES ($1, $2, $3, $4, $5 * interval '1 second', $6, $7)`,
          [
            preset.id,
            preset.templateVersionId,
            preset.name,
            preset.desiredInstances,
            preset.ttlSeconds ?? null,
            preset.lastInvalidatedAt ?? null,
            preset.scheduling?.timezone ?? "",
          ],
        );
        for (const [name, value] of Object.entries(preset.parameters)) {
          await pool.query("INSERT INTO forge.preset_parameters (preset_id, name, value) VALUES ($1, $2, $3)", [preset.id, name, value]);
        }
        for (const schedule of preset.scheduling?.schedules ?? []) {
          await pool.query("INSERT INTO forge.preset_schedules (preset_id, cron_expression, instances) VALUES ($1, $2, $3)", [preset.id, schedule.cron, schedule.instances]);
        }
      },
      addPrebuild: ({ id, presetId, createdAt, ready }) => workspaceWithBuild({ id, presetId, createdAt, ready, status: "succeeded" }),
      addCreateResult: (presetId, status, at) => workspaceWithBuild({ presetId, createdAt: at, ready: status === "succeeded", status }),
      addPendingCreate: (presetId, at) => workspaceWithBuild({ presetId, createdAt: at, ready: false, status: "pending" }),
      async setPaused(pause) {
        await pool.query(
          `INSERT INTO forge.settings (key, value) VALUES ('prebuilds', jsonb_build_object('reconciliation_paused', $1::boolean))
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          [pause.global],
        );
        await pool.query("UPDATE forge.presets SET prebuilds_paused = (id = ANY($1))", [pause.presetIds]);
      },
      async close() {
        closing = true;
        await pool.end();
        await database.drop();
      },
    };
  },
  {
    describe,
    it: (name, body, timeoutMs) => {
      it(name, timeoutMs === undefined ? {} : { timeout: timeoutMs }, body);
    },
  },
);
