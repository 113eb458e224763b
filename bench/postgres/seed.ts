/**
 * A throwaway database in the shape issue 9 measured, seeded with generate_series: per preset one
 * template and version, 10 ready prebuilds with a short system build history, 10 people's
 * workspaces (half of them claimed prebuilds), and a few presets in backoff or at the hard limit.
 */

import pg from "pg";
import { migrate } from "../../src/postgres.js";

/** Every instant of the benchmark: Monday 2025-06-02 08:00 UTC (10:00 in Berlin, inside the schedules). */
export const NOW = new Date("2025-06-02T08:00:00.000Z");
/** The user that owns prebuilds. */
export const SYSTEM_USER = "prebuilds-system";
/** Ready prebuilds per preset, and the desired count of every preset. */
export const PREBUILDS_PER_PRESET = 10;

/** What one seeded database holds. */
export interface SeedShape {
  readonly presets: number;
  readonly scheduledPresets: number;
  readonly prebuilds: number;
  readonly peoplesWorkspaces: number;
  readonly systemBuilds: number;
  readonly allBuilds: number;
  readonly backoffPresets: number;
  readonly hardLimitedPresets: number;
}

/** A seeded database on the benchmark's server. */
export interface SeededDatabase {
  readonly url: string;
  readonly shape: SeedShape;
  readonly seedSeconds: number;
  drop(): Promise<void>;
}

/** The preset id of number `n` (1-based), zero-padded so that text order is numeric order. */
export function presetId(n: number): string {
  return `preset-${String(n).padStart(6, "0")}`;
}

/**
 * Creates a database, runs `migrate` (with `schemaBefore`, only the migrations up to it, to
 * measure an older schema), and seeds `presets` presets.
 */
export async function seedDatabase(serverUrl: string, presets: number, options: { readonly migrations?: (pool: pg.Pool) => Promise<unknown> } = {}): Promise<SeededDatabase> {
  const started = performance.now();
  const name = `prebuild_bench_${process.pid}_${presets}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on("error", () => {});
  try {
    await (options.migrations ?? migrate)(pool);
    await pool.query(seedSql(presets), []);
    await pool.query("VACUUM ANALYZE");
    const { rows } = await pool.query<{ [key: string]: number }>(`
      SELECT (SELECT count(*)::int FROM presets) AS presets,
             (SELECT count(*)::int FROM presets WHERE timezone IS NOT NULL) AS scheduled,
             (SELECT count(*)::int FROM workspaces WHERE owner_id = $1 AND NOT deleted) AS prebuilds,
             (SELECT count(*)::int FROM workspaces WHERE owner_id <> $1) AS peoples,
             (SELECT count(*)::int FROM workspace_builds WHERE initiator_id = $1) AS system_builds,
             (SELECT count(*)::int FROM workspace_builds) AS all_builds`, [SYSTEM_USER]);
    const counts = rows[0] ?? {};
    return {
      url: url.toString(),
      shape: {
        presets: counts["presets"] ?? 0,
        scheduledPresets: counts["scheduled"] ?? 0,
        prebuilds: counts["prebuilds"] ?? 0,
        peoplesWorkspaces: counts["peoples"] ?? 0,
        systemBuilds: counts["system_builds"] ?? 0,
        allBuilds: counts["all_builds"] ?? 0,
        backoffPresets: Math.floor(presets / 100),
        hardLimitedPresets: Math.floor(presets / 100),
      },
      seedSeconds: (performance.now() - started) / 1000,
      async drop() {
        const cleanup = new pg.Client({ connectionString: serverUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    };
  } finally {
    await pool.end();
  }
}

/**
 * The seed, as one multi-statement string (no parameters; every value is a number or a constant
 * of this file). Presets `g % 100 = 0` are hard-limited (three failed creates three hours ago,
 * after their prebuilds were built), presets `g % 100 = 50` are in backoff (a failed create ten
 * minutes ago). Nothing needs a create or a delete: the cycle the benchmark times is a steady one.
 */
function seedSql(presets: number): string {
  const now = `'${NOW.toISOString()}'::timestamptz`;
  const system = `'${SYSTEM_USER}'`;
  const perPreset = PREBUILDS_PER_PRESET;
  const people = presets * perPreset;
  return `
INSERT INTO organizations (id) SELECT 'org-' || g FROM generate_series(1, 20) g;
INSERT INTO organization_members (organization_id, user_id) SELECT 'org-' || g, ${system} FROM generate_series(1, 20) g;
INSERT INTO groups (organization_id, name) SELECT 'org-' || g, 'prebuilds' FROM generate_series(1, 20) g;
INSERT INTO group_members (organization_id, group_name, user_id) SELECT 'org-' || g, 'prebuilds', ${system} FROM generate_series(1, 20) g;
INSERT INTO templates (id, organization_id, active_version_id) SELECT 'tpl-' || g, 'org-' || (g % 20 + 1), 'ver-' || g FROM generate_series(1, ${presets}) g;
INSERT INTO template_versions (id, template_id) SELECT 'ver-' || g, 'tpl-' || g FROM generate_series(1, ${presets}) g;
INSERT INTO presets (id, template_version_id, name, desired_instances, ttl_seconds, timezone, parameters)
SELECT 'preset-' || lpad(g::text, 6, '0'), 'ver-' || g, 'preset ' || g, ${perPreset}, 86400,
       CASE WHEN g % 2 = 0 THEN 'Europe/Berlin' END, jsonb_build_object('region', 'r' || (g % 7))
FROM generate_series(1, ${presets}) g;
INSERT INTO preset_schedules (preset_id, cron, instances)
SELECT p.id, c.cron, ${perPreset} FROM presets p CROSS JOIN (VALUES ('* 8-18 * * 1-5'), ('* * * * 0,6')) AS c (cron)
WHERE p.timezone IS NOT NULL ORDER BY p.id, c.cron;

-- Prebuilds: created within the last 12 hours (14 to 24 hours ago for the hard-limited presets,
-- so that their failures are their latest creates), each built, stopped and started again.
INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready)
SELECT 'pb-' || g || '-' || k, 'preset-' || lpad(g::text, 6, '0'), ${system}, 'pb-' || g || '-' || k,
       ${now} - make_interval(mins => CASE WHEN g % 100 = 0 THEN 840 + (g * 7 + k * 13) % 600 ELSE 30 + (g * 7 + k * 13) % 690 END), true
FROM generate_series(1, ${presets}) g CROSS JOIN generate_series(1, ${perPreset}) k;
INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
SELECT w.id, s.transition, 'succeeded', w.created_at + make_interval(mins => s.step), w.created_at + make_interval(mins => s.step), ${system}
FROM workspaces w CROSS JOIN (VALUES (0, 'start'), (1, 'stop'), (2, 'start')) AS s (step, transition)
WHERE w.id LIKE 'pb-%' ORDER BY w.created_at, s.step;

-- People's workspaces: half are claimed prebuilds (a system create, then the claimant's start),
-- half were built from scratch without a preset.
INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready)
SELECT 'ws-' || i, CASE WHEN i % 2 = 0 THEN 'preset-' || lpad((i % ${presets} + 1)::text, 6, '0') END, 'user-' || (i % 5000),
       'ws-' || i, ${now} - make_interval(mins => 800 + i % 40000), true
FROM generate_series(1, ${people}) i;
INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
SELECT w.id, 'start', 'succeeded', w.created_at, w.created_at, ${system} FROM workspaces w WHERE w.id LIKE 'ws-%' AND w.preset_id IS NOT NULL
UNION ALL
SELECT w.id, 'start', 'succeeded', w.created_at + interval '30 minutes', w.created_at + interval '30 minutes', w.owner_id FROM workspaces w WHERE w.id LIKE 'ws-%';

-- Failed creates, their workspaces deleted: three per hard-limited preset, one per preset in backoff.
INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready, deleted)
SELECT 'failed-' || g || '-' || k, 'preset-' || lpad(g::text, 6, '0'), ${system}, 'failed-' || g || '-' || k,
       ${now} - make_interval(mins => CASE WHEN g % 100 = 0 THEN 200 - k * 10 ELSE 10 END), false, true
FROM generate_series(1, ${presets}) g CROSS JOIN generate_series(1, 3) k
WHERE g % 100 = 0 OR (g % 100 = 50 AND k = 1);
INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
SELECT w.id, 'start', 'failed', w.created_at, w.created_at, ${system} FROM workspaces w WHERE w.id LIKE 'failed-%';
`;
}
