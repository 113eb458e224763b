/** Applies the schema's versioned SQL migrations, safely from several replicas at once. */

import { readdirSync, readFileSync } from "node:fs";
import type { Pool, PoolClient } from "pg";
import { checkOut, isConnectionError } from "./connection.js";
import { messageOf, UnknownMigrationError } from "./errors.js";

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
 * for (const migration of listMigrations()) console.log(migration.name); // "001_initial", "002_query_indexes", …
 */
export function listMigrations(): Migration[] {
  const folder = migrationsFolder();
  return readdirSync(folder)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ""), sql: readFileSync(new URL(file, folder), "utf8") }));
}

/** The names the database records that this version does not ship, in name order. */
function unknownOf(recorded: readonly string[], known: readonly Migration[]): string[] {
  const names = new Set(known.map((migration) => migration.name));
  return recorded.filter((name) => !names.has(name)).sort();
}

/**
 * Throws {@link UnknownMigrationError} when the database, read through `client`, records a
 * migration this version does not know. A database without the migrations table (a host that
 * maps its own schema with views) passes.
 */
export async function refuseNewerSchema(client: Pick<PoolClient, "query">): Promise<void> {
  let recorded: string[];
  try {
    recorded = (await client.query<{ name: string }>("SELECT name FROM prebuild_reconciler_migrations")).rows.map((row) => row.name);
  } catch (error) {
    if ((error as { code?: unknown }).code === "42P01") return; // undefined_table: not migrated by this package
    throw error;
  }
  const known = listMigrations();
  const unknown = unknownOf(recorded, known);
  if (unknown.length > 0) throw new UnknownMigrationError(known.at(-1)?.name ?? "none", unknown);
}

/**
 * Brings the database's schema up to date and resolves to the migrations it applied. Safe to run
 * twice, and from two replicas at once: an advisory lock serializes them, and each migration
 * runs in its own transaction with its name recorded in `prebuild_reconciler_migrations`.
 * Rejects with {@link UnknownMigrationError}, applying nothing, when the database records a
 * migration this version does not know (a newer version migrated it). A connection that dies
 * meanwhile makes it reject (`migration <name> failed: …`), never crash the process.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const checkout = await checkOut(pool, undefined);
  const { client } = checkout;
  const applied: string[] = [];
  let step = "taking the migration lock";
  try {
    await client.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    step = "reading the migrations table";
    await client.query("CREATE TABLE IF NOT EXISTS prebuild_reconciler_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const known = listMigrations();
    const recorded = (await client.query<{ name: string }>("SELECT name FROM prebuild_reconciler_migrations")).rows.map((row) => row.name);
    const unknown = unknownOf(recorded, known);
    if (unknown.length > 0) throw new UnknownMigrationError(known.at(-1)?.name ?? "none", unknown);
    const done = new Set(recorded);
    for (const migration of known) {
      if (done.has(migration.name)) continue;
      step = `migration ${migration.name}`;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO prebuild_reconciler_migrations (name) VALUES ($1)", [migration.name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      applied.push(migration.name);
    }
  } catch (error) {
    if (error instanceof UnknownMigrationError) throw error;
    const lost = checkout.failed ?? (isConnectionError(error) ? error : null);
    throw new Error(`${step} failed: ${lost !== null ? `the database connection was lost (${messageOf(lost)})` : messageOf(error)}`, { cause: error });
  } finally {
    if (checkout.failed === null && !checkout.released) {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]).catch((error: unknown) => checkout.noteFailure(error instanceof Error ? error : new Error(messageOf(error))));
    }
    // A connection that failed is closed, not handed back to the pool; so is one whose unlock
    // failed, since it might still hold the migration lock.
    checkout.release();
  }
  return applied;
}
