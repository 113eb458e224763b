import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertFencingToken, PostgresArgumentError, ReconciliationLockLostError, StaleFencingTokenError } from "../../../src/postgres.js";
import type { LockOutcome } from "../../../src/index.js";
import { ManualClock } from "../../../src/testing.js";
import { freshDatabase, insertPreset, sqlProvisioner, storeOn, type TestDatabase } from "./harness.js";

const SYSTEM = "prebuilds-system";
const NOW = new Date("2025-06-02T10:00:00.000Z");
const LOCK_KEY = "4208657209384716093";

const preset = {
  id: "fenced",
  name: "fenced",
  organizationId: "org-1",
  templateId: "template-fenced",
  templateVersionId: "version-fenced",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  desiredInstances: 1,
  ttlSeconds: null,
  lastInvalidatedAt: null,
  scheduling: null,
  parameters: {},
};

let database: TestDatabase;
const pools: pg.Pool[] = [];
beforeEach(async () => {
  database = await freshDatabase(10);
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
  await database.drop();
});

/** Another replica's pool on the same database. */
function replicaPool(options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: database.url, max: 5, ...options });
  pool.on("error", () => {});
  pools.push(pool);
  return pool;
}

/** Waits (at most five seconds) until `condition` holds: for what PostgreSQL does asynchronously. */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`still not true after five seconds: ${what}`);
}

async function killLockHolder(): Promise<void> {
  const { rows } = await database.pool.query<{ killed: boolean }>(
    "SELECT pg_terminate_backend(pid) AS killed FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1",
  );
  expect(rows.map((row) => row.killed)).toEqual([true]);
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

async function workspaceIds(): Promise<string[]> {
  const { rows } = await database.pool.query<{ id: string }>("SELECT id FROM workspaces WHERE NOT deleted ORDER BY id");
  return rows.map((row) => row.id);
}

describe("the reconciliation lease", () => {
  it("holds a session-level lock on a connection that idles outside any transaction, confirmed in one round trip", async () => {
    const store = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const outcome = await store.withReconciliationLock(async (lease) => {
      await lease.confirm();
      const { rows } = await database.pool.query<{ state: string; xact_start: Date | null }>(
        "SELECT a.state, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1",
      );
      return { holders: rows, aborted: lease.signal.aborted, token: lease.fencingToken };
    });
    expect(outcome.acquired).toBe(true);
    if (!outcome.acquired) return;
    expect(outcome.value.holders).toEqual([{ state: "idle", xact_start: null }]);
    expect(outcome.value.aborted).toBe(false);
    expect(outcome.value.token).toMatch(new RegExp(`^pg1\\.${LOCK_KEY}\\.\\d+\\.\\d+$`));
    // Released: nobody holds it, and its connection was closed rather than handed back to the pool.
    const { rows } = await database.pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1");
    expect(rows).toEqual([]);
  });

  it("outlives an idle_in_transaction_session_timeout shorter than the cycle (the lock of 001 died of it)", async () => {
    const name = new URL(database.url).pathname.slice(1);
    await database.pool.query(`ALTER DATABASE ${name} SET idle_in_transaction_session_timeout = '200ms'`);
    const store = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const outcome = await store.withReconciliationLock(async (lease) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await lease.confirm();
      return lease.signal.aborted;
    });
    expect(outcome).toEqual({ acquired: true, value: false });
  });

  it("aborts the lease as soon as the holding connection dies, then refuses to confirm, and reports the loss", async () => {
    const store = storeOn(replicaPool(), { systemUserId: SYSTEM });
    let confirmation: unknown = null;
    const result = store.withReconciliationLock(async (lease) => {
      await killLockHolder();
      // No confirm was asked for: the connection's own failure aborts the lease.
      await aborted(lease.signal);
      confirmation = await lease.confirm().then(
        () => "confirmed",
        (error: unknown) => error,
      );
      return "went on regardless";
    });
    await expect(result).rejects.toBeInstanceOf(ReconciliationLockLostError);
    expect(confirmation).toBeInstanceOf(Error);
    const other = storeOn(replicaPool(), { systemUserId: SYSTEM });
    await eventually(async () => (await other.withReconciliationLock(async () => true)).acquired, "another replica obtains the lock");
  });

  it("gives every holding its own token, since a connection holds the lock once in its life", async () => {
    const store = storeOn(replicaPool({ max: 2 }), { systemUserId: SYSTEM });
    const tokens = new Set<string | null>();
    for (let round = 0; round < 4; round += 1) {
      const outcome = await store.withReconciliationLock(async (lease) => lease.fencingToken);
      if (outcome.acquired) tokens.add(outcome.value);
    }
    expect(tokens.size).toBe(4);
  });
});

describe("fencing tokens", () => {
  it("let the holder's fenced writes through, and refuse a stale token's once another replica holds the lock", async () => {
    await insertPreset(database.pool, preset);
    const provisioner = sqlProvisioner(database.pool, SYSTEM, new ManualClock(NOW));
    const replicaA = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const replicaB = storeOn(replicaPool(), { systemUserId: SYSTEM });
    let staleToken: string | null = null;
    const first = replicaA.withReconciliationLock(async (lease) => {
      staleToken = lease.fencingToken;
      await provisioner.createPrebuilds(preset, 1, { signal: lease.signal, fencingToken: lease.fencingToken });
      await killLockHolder();
      await aborted(lease.signal);
    });
    await expect(first).rejects.toBeInstanceOf(ReconciliationLockLostError);
    const [createdByA] = await workspaceIds();
    let outcome: LockOutcome<string | null> = { acquired: false };
    await eventually(async () => {
      outcome = await replicaB.withReconciliationLock(async (lease) => {
        const stale = { signal: lease.signal, fencingToken: staleToken };
        // Replica A, unaware, goes on: a create and a delete with its old token.
        await expect(provisioner.createPrebuilds(preset, 1, stale)).rejects.toBeInstanceOf(StaleFencingTokenError);
        await expect(provisioner.deletePrebuild(createdByA as string, stale)).rejects.toBeInstanceOf(StaleFencingTokenError);
        await provisioner.createPrebuilds(preset, 1, { signal: lease.signal, fencingToken: lease.fencingToken });
        return lease.fencingToken;
      });
      return outcome.acquired;
    }, "replica B obtains the lock");
    const final = outcome as LockOutcome<string | null>;
    expect(final).toEqual({ acquired: true, value: expect.stringMatching(/^pg1\./) });
    expect(final.acquired && final.value).not.toBe(staleToken);
    // A's first create (under the lock) and B's; nothing of A's after it lost the lock.
    expect(await workspaceIds()).toHaveLength(2);
    expect(await workspaceIds()).toContain(createdByA);
  });

  it("make a replica that takes the lock over wait for a fenced write in flight, so that its first read sees the write", async () => {
    await insertPreset(database.pool, preset);
    const replicaA = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const replicaB = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const host = await database.pool.connect();
    host.on("error", () => {});
    try {
      // Replica A's provisioner proves the token and writes; its transaction is still open when A's connection dies.
      const first = replicaA.withReconciliationLock(async (lease) => {
        await host.query("BEGIN");
        await assertFencingToken(host, lease.fencingToken as string);
        await host.query("INSERT INTO workspaces (id, preset_id, owner_id, name, created_at, ready) VALUES ('late', 'fenced', $1, 'late', $2, true)", [SYSTEM, NOW]);
        await killLockHolder();
        await aborted(lease.signal);
      });
      await expect(first).rejects.toBeInstanceOf(ReconciliationLockLostError);
      await eventually(async () => (await database.pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted")).rows.length === 0, "A's lock is released");
      const second = replicaB.withReconciliationLock(async () => {
        const { rows } = await database.pool.query<{ id: string }>("SELECT id FROM workspaces");
        return rows.map((row) => row.id);
      });
      // B has the lock and waits at the fence for the write in flight.
      await eventually(async () => {
        const { rows } = await database.pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND NOT granted");
        return rows.length === 1;
      }, "replica B waits at the fence");
      await host.query("COMMIT");
      expect(await second).toEqual({ acquired: true, value: ["late"] });
    } finally {
      host.release();
    }
  });

  it("refuse a token naming the right process but another session start: a reused pid cannot pass", async () => {
    const store = storeOn(replicaPool(), { systemUserId: SYSTEM });
    const host = await database.pool.connect();
    try {
      const outcome = await store.withReconciliationLock(async (lease) => {
        const token = lease.fencingToken as string;
        const start = token.split(".").at(-1) as string;
        const reused = `${token.slice(0, -start.length)}${BigInt(start) + 1n}`;
        await host.query("BEGIN");
        await assertFencingToken(host, token);
        const refused = await assertFencingToken(host, reused).then(
          () => "accepted",
          (error: unknown) => error,
        );
        await host.query("ROLLBACK");
        return refused;
      });
      expect(outcome.acquired).toBe(true);
      expect(outcome.acquired && outcome.value).toBeInstanceOf(StaleFencingTokenError);
    } finally {
      host.release();
    }
  });

  it("reject what is not a token of this store with a typed error naming the argument", async () => {
    for (const token of ["", "garbage", "pg1.1.2", "pg1.99999999999999999999.1.1", "pg1.1.99999999999.1", "pg1.1.1.1\u0000"]) {
      const error = await assertFencingToken(database.pool, token).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, token).toBeInstanceOf(PostgresArgumentError);
      expect((error as PostgresArgumentError).argument).toBe("fencingToken");
    }
  });
});
