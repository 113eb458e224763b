/**
 * The reconciliation lock: a session-level advisory lock on a client checked out for the cycle,
 * with no transaction open while the cycle runs (so `idle_in_transaction_session_timeout` never
 * applies), a lease that aborts as soon as the connection fails, a confirmation in one round trip
 * on the holding session, and a fencing token that a host's own transaction can check.
 *
 * Fencing: besides the lock itself (the bigint key `k`), a second advisory lock, the fence (the
 * two-int4 key made of `k`'s halves, a separate key space), orders fenced writes against a change
 * of holder. A fenced write takes the fence shared, in its own transaction, and then checks that
 * the holding its token names still holds `k`. A replica that has just obtained `k` takes the
 * fence exclusively once before it reads anything, which waits for every fenced transaction in
 * flight to commit. So a write is either refused, or committed before the new holder's snapshot.
 */

import type { Pool, PoolClient } from "pg";
import type { PortCallContext } from "../../ports/call.js";
import type { ReconciliationLease } from "../../ports/store.js";
import { text } from "./arguments.js";
import { abortReason, Checkout, checkOut, untilAborted, within } from "./connection.js";
import { messageOf, PostgresArgumentError, StaleFencingTokenError } from "./errors.js";

/** The parts of a bigint advisory key as pg_locks shows them, and as the fence's int4 pair. */
interface LockKey {
  readonly key: string;
  /** pg_locks.classid: the high 32 bits, unsigned. */
  readonly classid: string;
  /** pg_locks.objid: the low 32 bits, unsigned. */
  readonly objid: string;
  /** The fence's first int4: the high 32 bits, signed. */
  readonly high: number;
  /** The fence's second int4: the low 32 bits, signed. */
  readonly low: number;
}

function lockKey(key: string): LockKey {
  const value = BigInt(key);
  return {
    key,
    classid: BigInt.asUintN(32, value >> 32n).toString(),
    objid: BigInt.asUintN(32, value).toString(),
    high: Number(BigInt.asIntN(32, value >> 32n)),
    low: Number(BigInt.asIntN(32, value)),
  };
}

const CURRENT_DATABASE = "(SELECT oid FROM pg_database WHERE datname = current_database())";

/**
 * Takes the lock if it is free (`$1` key) and, only then, the fence exclusively (`$2`, `$3`) until
 * the end of the surrounding transaction: the barrier that waits for fenced writes in flight. Also
 * names this session: its pid and its start in microseconds since the epoch.
 */
const ACQUIRE = `
SELECT acquired.locked,
       CASE WHEN acquired.locked THEN (SELECT true FROM pg_advisory_xact_lock($2::integer, $3::integer)) END AS fenced,
       pg_backend_pid() AS pid,
       (SELECT (extract(epoch FROM a.backend_start) * 1000000)::bigint::text FROM pg_stat_get_activity(pg_backend_pid()) a) AS backend_start
FROM (SELECT pg_try_advisory_lock($1::bigint) AS locked OFFSET 0) AS acquired`;

/** Whether this session holds the lock (`$1` classid, `$2` objid). */
const CONFIRM = `
SELECT EXISTS (
  SELECT 1 FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_backend_pid() AND l.database = ${CURRENT_DATABASE}
    AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
) AS held`;

const UNLOCK = "SELECT pg_advisory_unlock($1::bigint)";

/**
 * Takes the fence shared until the end of the caller's transaction (`$1`, `$2`), then (only then:
 * the check is a sub-plan of the fence's row) whether the session `$5` that started at `$6` µs
 * holds the lock (`$3` classid, `$4` objid).
 */
const CHECK_FENCING_TOKEN = `
SELECT EXISTS (
  SELECT 1 FROM pg_locks l CROSS JOIN LATERAL pg_stat_get_activity(l.pid) a
  WHERE fence.taken IS NOT NULL
    AND l.locktype = 'advisory' AND l.granted AND l.mode = 'ExclusiveLock' AND l.database = ${CURRENT_DATABASE}
    AND l.classid = $3::oid AND l.objid = $4::oid AND l.objsubid = 1
    AND l.pid = $5::integer AND (extract(epoch FROM a.backend_start) * 1000000)::bigint = $6::bigint
) AS held
FROM (SELECT pg_advisory_xact_lock_shared($1::integer, $2::integer)::text AS taken OFFSET 0) AS fence`;

const TOKEN = /^pg1\.(-?\d{1,19})\.(\d{1,10})\.(\d{1,20})$/;

function formatToken(key: string, pid: number, backendStartMicros: string): string {
  return `pg1.${key}.${pid}.${backendStartMicros}`;
}

/** What the lock needs from the store. */
export interface LockSettings {
  readonly pool: Pool;
  readonly lockKey: string;
  /** `SET LOCAL statement_timeout` of the acquiring transaction, and the deadline of a confirmation (ms, 0: none). */
  readonly statementTimeoutMs: number;
}

/**
 * This replica's holding of the lock: the checked-out client with the session lock, the lease
 * handed to the work, and its release.
 */
export class LockHolding {
  private readonly lost = new AbortController();
  private readonly key: LockKey;
  /** Set by `release()`: what the closed connection reports afterwards ends no lease. */
  private ended = false;
  readonly lease: ReconciliationLease;

  private constructor(
    private readonly checkout: Checkout,
    private readonly settings: LockSettings,
    readonly fencingToken: string,
  ) {
    this.key = lockKey(settings.lockKey);
    this.lease = { signal: this.lost.signal, fencingToken, confirm: (context) => this.confirm(context) };
  }

  /**
   * Takes the lock if no other session holds it; `null` when one does. The barrier of the fence
   * runs in the same statement, under the store's statement timeout.
   */
  static async acquire(settings: LockSettings, signal: AbortSignal | undefined): Promise<LockHolding | null> {
    let holding: LockHolding | null = null;
    const checkout = await checkOut(settings.pool, signal, (error) => holding?.lose(error));
    const client = checkout.client;
    const onAbort = () => checkout.release(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted === true) onAbort();
    const key = lockKey(settings.lockKey);
    try {
      const row = await untilAborted(
        (async () => {
          await client.query(settings.statementTimeoutMs > 0 ? `BEGIN; SET LOCAL statement_timeout = ${settings.statementTimeoutMs}` : "BEGIN");
          const result = await client.query<{ locked: boolean; pid: number; backend_start: string }>(ACQUIRE, [key.key, key.high, key.low]);
          await client.query("COMMIT");
          return result.rows[0];
        })(),
        signal,
      );
      if (row === undefined || !row.locked) {
        checkout.release();
        return null;
      }
      holding = new LockHolding(checkout, settings, formatToken(key.key, row.pid, row.backend_start));
      if (checkout.failed !== null) holding.lose(checkout.failed);
      return holding;
    } catch (error) {
      // Whatever failed, this session may hold the lock now (a session lock outlives a rolled-back
      // transaction): only closing the connection is sure to release it.
      checkout.release(error);
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The reason the lease was lost, or `null` while it holds. */
  get lostBecause(): unknown {
    return this.lost.signal.aborted ? this.lost.signal.reason : null;
  }

  /** Aborts the lease and closes the connection, which releases the lock. */
  lose(reason: unknown): void {
    if (!this.ended && !this.lost.signal.aborted) this.lost.abort(reason);
    this.checkout.release(reason);
  }

  /** One round trip on the holding session: does it still hold the lock? */
  private async confirm(context: PortCallContext | undefined): Promise<void> {
    if (this.lost.signal.aborted) throw this.lost.signal.reason;
    try {
      const query = this.checkout.client.query<{ held: boolean }>(CONFIRM, [this.key.classid, this.key.objid]);
      const timeout = this.settings.statementTimeoutMs;
      const { rows } = await untilAborted(within(query, timeout, `no answer within ${timeout} ms`), context?.signal);
      if (rows[0]?.held !== true) throw new Error("this session no longer holds it");
    } catch (error) {
      this.lose(this.lost.signal.aborted ? this.lost.signal.reason : new Error(`the reconciliation lock could not be confirmed: ${messageOf(error)}`, { cause: error }));
      throw this.lost.signal.reason;
    }
  }

  /**
   * Releases the lock: unlocks (so that the next taker finds it free at once), then closes the
   * connection instead of handing it back to the pool. A connection therefore holds the lock at
   * most once in its life, and a fencing token (its pid and start) names exactly one holding: a
   * late write of an earlier holding can never pass as a later one's.
   */
  async release(): Promise<void> {
    this.ended = true;
    if (this.lost.signal.aborted || this.checkout.released) {
      this.checkout.release(this.lost.signal.reason ?? new Error("released"));
      return;
    }
    try {
      // Bounded: a connection that stopped answering must not keep the call from settling.
      await within(this.checkout.client.query(UNLOCK, [this.key.key]), this.settings.statementTimeoutMs, "no answer to the unlock");
    } catch {
      // Closing the connection below releases the lock all the same.
    }
    this.checkout.release(new Error("the reconciliation lock's connection is closed after each holding"));
  }
}

/** A client that can run one statement, as node-postgres' `Client` and `PoolClient` can. */
export interface FencingClient {
  /** Runs a parameterised statement. */
  query(
    text: string,
    values: unknown[],
  ): Promise<{
    /** The rows the statement returned. */
    rows: unknown[];
  }>;
}

/**
 * Proves, inside the caller's own transaction, that the holding of the reconciliation lock named
 * by `fencingToken` (the `fencingToken` of a fenced port call) still holds it, and keeps the proof
 * valid until that transaction ends: a replica that takes the lock over waits for the transaction
 * to commit before it reads anything. Rejects with {@link StaleFencingTokenError} when the holding
 * has ended; the caller must then roll back. Call it after `BEGIN` and before the writes (a
 * statement outside a transaction block would release the fence at once). Needs a role that can
 * see the holder's `backend_start` in `pg_stat_activity`: the store's own role, or one with
 * `pg_read_all_stats`; otherwise every token is refused.
 *
 * @example
 * async createPrebuilds(preset, count, context) {
 *   const client = await pool.connect();
 *   try {
 *     await client.query("BEGIN");
 *     if (context?.fencingToken) await assertFencingToken(client, context.fencingToken);
 *     await client.query("INSERT INTO workspace_builds …", [...]);
 *     await client.query("COMMIT");
 *   } catch (error) {
 *     await client.query("ROLLBACK");
 *     throw error;
 *   } finally {
 *     client.release();
 *   }
 * }
 */
export async function assertFencingToken(client: FencingClient | PoolClient, fencingToken: string): Promise<void> {
  const match = TOKEN.exec(text(fencingToken, "fencingToken"));
  if (match === null) throw new PostgresArgumentError("fencingToken", `is not a fencing token of PostgresStore: ${JSON.stringify(fencingToken)}`);
  const [, keyText = "", pidText = "", startText = ""] = match;
  const value = BigInt(keyText);
  if (value !== BigInt.asIntN(64, value)) throw new PostgresArgumentError("fencingToken", "names a lock key outside the bigint range");
  if (Number(pidText) > 2_147_483_647) throw new PostgresArgumentError("fencingToken", "names a process id outside the integer range");
  const key = lockKey(keyText);
  const { rows } = await (client as FencingClient).query(CHECK_FENCING_TOKEN, [key.high, key.low, key.classid, key.objid, Number(pidText), startText]);
  if ((rows[0] as { held?: unknown } | undefined)?.held !== true) throw new StaleFencingTokenError(fencingToken);
}
