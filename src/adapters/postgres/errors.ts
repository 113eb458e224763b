/** The typed errors of the PostgreSQL adapter. Each has a stable `code` for hosts that log or branch on it. */

/**
 * A value passed to the store (or to {@link assertFencingToken}) that PostgreSQL cannot take, such
 * as an id holding a NUL character; rejected before any statement runs. `argument` names it.
 *
 * @example
 * try {
 *   await store.claim(request);
 * } catch (error) {
 *   if (error instanceof PostgresArgumentError) console.warn(`bad ${error.argument}: ${error.message}`);
 * }
 */
export class PostgresArgumentError extends TypeError {
  /** Stable machine-readable code. */
  readonly code = "PG_INVALID_ARGUMENT" as const;
  /** The argument's path, for example `request.claimant.userId`. */
  readonly argument: string;

  constructor(argument: string, problem: string) {
    super(`${argument}: ${problem}`);
    this.name = "PostgresArgumentError";
    this.argument = argument;
  }
}

/**
 * The database records a migration this version of the package does not ship: a newer version
 * migrated it. `migrate()` and every method of the store refuse it rather than failing later on a
 * missing or changed column; upgrade the package (or point it at another database).
 *
 * @example
 * try {
 *   await migrate(pool);
 * } catch (error) {
 *   if (error instanceof UnknownMigrationError) console.error(`database is at ${error.unknown}, this build knows ${error.newestKnown}`);
 * }
 */
export class UnknownMigrationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "PG_UNKNOWN_MIGRATION" as const;
  /** The newest migration this version of the package ships. */
  readonly newestKnown: string;
  /** The newest migration the database records that this version does not know. */
  readonly unknown: string;
  /** Every migration the database records that this version does not know, in name order. */
  readonly unknownMigrations: readonly string[];

  constructor(newestKnown: string, unknownMigrations: readonly string[]) {
    const unknown = unknownMigrations.at(-1) ?? "";
    super(
      `the database records migration ${unknown}, which this version of prebuild-reconciler does not know ` +
        `(the newest it knows is ${newestKnown}${unknownMigrations.length > 1 ? `; unknown: ${unknownMigrations.join(", ")}` : ""}): ` +
        "a newer version migrated this database; upgrade the package",
    );
    this.name = "UnknownMigrationError";
    this.newestKnown = newestKnown;
    this.unknown = unknown;
    this.unknownMigrations = unknownMigrations;
  }
}

/**
 * A fenced write was refused: the holding of the reconciliation lock that the fencing token names
 * has ended (the replica released the lock, or its connection died and another replica may hold
 * it now). Nothing was written; the replica must stop acting until it holds the lock again.
 *
 * @example
 * try {
 *   await assertFencingToken(client, context.fencingToken);
 * } catch (error) {
 *   if (error instanceof StaleFencingTokenError) await client.query("ROLLBACK");
 * }
 */
export class StaleFencingTokenError extends Error {
  /** Stable machine-readable code. */
  readonly code = "PG_STALE_FENCING_TOKEN" as const;
  /** The token that no longer holds. */
  readonly fencingToken: string;

  constructor(fencingToken: string) {
    super(`the reconciliation lock is no longer held by the holding ${fencingToken} names; the write is refused`);
    this.name = "StaleFencingTokenError";
    this.fencingToken = fencingToken;
  }
}

/**
 * `withReconciliationLock` lost the lock while its work ran (the holding connection failed, or a
 * confirmation could not prove the lock): the work may have acted without it. The lease's signal
 * was aborted the moment it was noticed; `cause` says why.
 *
 * @example
 * const outcome = await store.withReconciliationLock(work).catch((error) => {
 *   if (error instanceof ReconciliationLockLostError) console.warn(`lock lost: ${String(error.cause)}`);
 *   throw error;
 * });
 */
export class ReconciliationLockLostError extends Error {
  /** Stable machine-readable code. */
  readonly code = "PG_RECONCILIATION_LOCK_LOST" as const;

  constructor(cause: unknown) {
    super(`the reconciliation lock was lost while its work ran: ${messageOf(cause)}`, { cause });
    this.name = "ReconciliationLockLostError";
  }
}

/** A readable message for any thrown value, even one whose `toString` throws. */
export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return "an error that cannot be described";
  }
}
