import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_STATEMENT_TIMEOUT_MS } from "../../../src/postgres.js";
import { freshDatabase, insertPreset, insertWorkspaceWithBuild, storeOn, type TestDatabase } from "./harness.js";

const SYSTEM = "prebuilds-system";
const NOW = new Date("2025-06-02T10:00:00.000Z");
const OPEN_LIFECYCLE = { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } as const;

const preset = {
  id: "p",
  name: "p",
  organizationId: "org-1",
  templateId: "template-p",
  templateVersionId: "version-p",
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
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(async () => {
  database = await freshDatabase(10);
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  // Late results of abandoned calls must never surface as unhandled rejections.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
  for (const pool of pools.splice(0)) await pool.end();
  await database.drop();
});

function pool(max: number): pg.Pool {
  const created = new pg.Pool({ connectionString: database.url, max });
  created.on("error", () => {});
  pools.push(created);
  return created;
}

async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`still not true after five seconds: ${what}`);
}

/** The pids of backends of this database waiting for a lock, with their statement. */
async function waitingOnLocks(): Promise<{ pid: number; query: string }[]> {
  const { rows } = await database.pool.query<{ pid: number; query: string }>(
    "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
  );
  return rows;
}

describe("deadlines: every call honours its context's signal", () => {
  it("gives up waiting for a connection when the host holds the whole pool, and hands the late connection back", async () => {
    const small = pool(2);
    const store = storeOn(small, { systemUserId: SYSTEM });
    await store.isPaused(); // the first use checks the schema; done now, so that only the calls below queue
    const held = [await small.connect(), await small.connect()];
    const snapshotDeadline = new AbortController();
    const snapshot = store.loadSnapshot({ signal: snapshotDeadline.signal });
    const lockDeadline = new AbortController();
    let ran = false;
    const lock = store.withReconciliationLock(
      async () => {
        ran = true;
      },
      { signal: lockDeadline.signal },
    );
    await eventually(async () => small.waitingCount === 2, "both calls wait for a connection");
    snapshotDeadline.abort(new Error("store deadline passed"));
    lockDeadline.abort(new Error("cycle deadline passed"));
    await expect(snapshot).rejects.toThrow("store deadline passed");
    await expect(lock).rejects.toThrow("cycle deadline passed");
    expect(ran).toBe(false);
    // The host lets go: the connections the abandoned checkouts receive go straight back.
    for (const client of held) client.release();
    await eventually(async () => small.waitingCount === 0 && small.idleCount === small.totalCount, "every connection is idle again");
    expect(await store.isPaused()).toEqual({ global: false, presetIds: [] });
  });

  it("cancels a statement in flight by closing its connection; the server ends it once its wait is over", async () => {
    await insertPreset(database.pool, preset);
    const store = storeOn(pool(5), { systemUserId: SYSTEM });
    await store.isPaused();
    const host = await database.pool.connect();
    try {
      await host.query("BEGIN");
      await host.query("LOCK TABLE presets IN ACCESS EXCLUSIVE MODE");
      const deadline = new AbortController();
      const snapshot = store.loadSnapshot({ signal: deadline.signal });
      await eventually(async () => (await waitingOnLocks()).length === 1, "the snapshot waits for the host's lock");
      const [blocked] = await waitingOnLocks();
      deadline.abort(new Error("store deadline passed"));
      await expect(snapshot).rejects.toThrow("store deadline passed");
      await host.query("ROLLBACK");
      // The blocked backend notices its closed connection when its wait ends, and goes away.
      await eventually(async () => {
        const { rows } = await database.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [blocked?.pid]);
        return rows.length === 0;
      }, "the cancelled statement's backend is gone");
    } finally {
      host.release();
    }
    expect((await store.loadSnapshot()).presets.map((entry) => entry.id)).toEqual(["p"]);
  });

  it("ends a statement on the server after statementTimeoutMs, and the store goes on", async () => {
    await insertPreset(database.pool, preset);
    await insertWorkspaceWithBuild(database.pool, { id: "ws-1", presetId: "p", ownerId: SYSTEM, createdAt: NOW, ready: true, status: "succeeded" });
    const store = storeOn(pool(5), { systemUserId: SYSTEM, statementTimeoutMs: 300 });
    const host = await database.pool.connect();
    try {
      await host.query("BEGIN");
      await host.query("LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE");
      const error = await store.claim({ presetId: "p", claimant: { userId: "alice", workspaceName: "w" }, lifecycle: OPEN_LIFECYCLE, now: NOW }).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: "57014", message: "canceling statement due to statement timeout" });
      await host.query("ROLLBACK");
    } finally {
      host.release();
    }
    const claimed = await store.claim({ presetId: "p", claimant: { userId: "alice", workspaceName: "w" }, lifecycle: OPEN_LIFECYCLE, now: NOW });
    expect(claimed?.workspaceId).toBe("ws-1");
  });

  it("sets the statement timeout, ten seconds by default, with SET LOCAL in each of its transactions", async () => {
    const statements: string[] = [];
    const counted = pool(5);
    counted.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === "string") statements.push(args[0]);
        return query(...args);
      };
    });
    expect(DEFAULT_STATEMENT_TIMEOUT_MS).toBe(10_000);
    await storeOn(counted, { systemUserId: SYSTEM }).loadSnapshot();
    await storeOn(counted, { systemUserId: SYSTEM, statementTimeoutMs: 0 }).isPaused();
    expect(statements.filter((text) => text.startsWith("BEGIN"))).toEqual([
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = 10000; SET LOCAL jit = off",
      "BEGIN; SET LOCAL jit = off",
    ]);
  });

  it("refuses a statement timeout that is not a whole number of milliseconds PostgreSQL takes", () => {
    for (const statementTimeoutMs of [-1, 1.5, 2_147_483_648, Number.NaN]) {
      expect(() => storeOn(database.pool, { systemUserId: SYSTEM, statementTimeoutMs })).toThrow(
        `statementTimeoutMs must be an integer from 0 to 2147483647, got ${statementTimeoutMs}`,
      );
    }
  });
});
