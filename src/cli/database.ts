/**
 * The live database of the commands that operate on it (`status`, `pause`, `resume`, `invalidate`,
 * `migrate`): the URL from `--database-url` or `DATABASE_URL`, node-postgres loaded on demand,
 * and every connection problem turned into one clear line (exit code 2).
 */

import type { Pool } from "pg";
import { messageOf } from "../internal/messages.js";
import { CliInputError } from "./input.js";

/** Options every database command takes. */
export interface DatabaseOptions {
  readonly databaseUrl?: string;
}

/** The URL to use, checked: a `postgres://` or `postgresql://` URL. */
export function databaseUrl(options: DatabaseOptions, environment: NodeJS.ProcessEnv): string {
  const url = options.databaseUrl ?? environment["DATABASE_URL"];
  if (url === undefined || url === "") throw new CliInputError("no database: pass --database-url or set DATABASE_URL");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliInputError(`--database-url: ${JSON.stringify(redact(url))} is not a URL (expected postgres://user@host:port/database)`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new CliInputError(`--database-url: expected a postgres:// URL, got ${parsed.protocol}//…`);
  }
  return url;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/:\/\/([^:/@]+):[^@]*@/, "://$1:***@");
}

/** Connects a small pool (the store needs two connections) and proves it can talk to the server. */
export async function openPool(url: string): Promise<Pool> {
  let PoolClass: typeof Pool;
  try {
    PoolClass = (await import("pg")).default.Pool;
  } catch {
    throw new CliInputError("the database commands need node-postgres: npm install pg");
  }
  const pool = new PoolClass({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000, application_name: "prebuild-reconciler-cli" });
  // An idle connection that dies must not end the command with an unhandled 'error'.
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    // URL.host is the host and the port.
    throw new CliInputError(`cannot reach PostgreSQL at ${new URL(url).host || "localhost"}: ${messageOf(error)}`);
  }
  return pool;
}

/** Runs `work` with a pool, and always closes it. A schema that is not there yet is a clear error. */
export async function withPool<T>(options: DatabaseOptions, environment: NodeJS.ProcessEnv, work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = await openPool(databaseUrl(options, environment));
  try {
    return await work(pool);
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    if ((error as { code?: unknown }).code === "42P01") {
      throw new CliInputError(`the database has no prebuild-reconciler schema (${messageOf(error)}): run prebuild-reconciler migrate first`);
    }
    // Whatever the database says, one line, no stack trace.
    throw new CliInputError(`database error: ${messageOf(error)}`);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
