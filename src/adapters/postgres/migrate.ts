/** Applies the schema's versioned SQL migrations, safely from several replicas at once. */

import { readdirSync, readFileSync } from "node:fs";
import type { Pool } from "pg";

/** An arbitrary constant: the advisory lock that serializes migrations across replicas. */
const MIGRATION_LOCK_KEY = "7329154862019472113";

/** The folder holding `NNN_name.sql`; beside this module both in `src/` and in the built `dist/`. */
function migrationsFolder(): URL {
  return new URL("./migrations/", import.meta.url);
}

/** One schema migration. */
export interface Migration {
  /** Its name, `NNN_what`, recorded once applied. */
  readonly name: string;
  /** Its SQL. */
  readonly sql: string;
}

/**
 * The migrations shipped with this version, in the order they apply.
 *
 * @example
 * for (const migration of listMigrations()) console.log(migration.name); // "001_initial"
 */
export function listMigrations(): Migration[] {
  const folder = migrationsFolder();
  return readdirSync(folder)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ""), sql: readFileSync(new URL(file, folder), "utf8") }));
}

/**
 * Brings the database's schema up to date and resolves to the migrations it applied. Safe to run
 * twice, and from two replicas at once: an advisory lock serializes them, and each migration
 * runs in its own transaction with its name recorded in `prebuild_reconciler_migrations`.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    await client.query("CREATE TABLE IF NOT EXISTS prebuild_reconciler_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const done = new Set((await client.query<{ name: string }>("SELECT name FROM prebuild_reconciler_migrations")).rows.map((row) => row.name));
    for (const migration of listMigrations()) {
      if (done.has(migration.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO prebuild_reconciler_migrations (name) VALUES ($1)", [migration.name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
