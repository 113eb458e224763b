import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshDatabase, insertPreset, insertWorkspaceWithBuild, type TestDatabase } from "./harness.js";

const run = promisify(execFile);
const BIN = join(process.cwd(), "dist", "cli.js");
const NOW = new Date("2025-06-02T08:00:00.000Z");
const SYSTEM = "prebuilds";

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(url: string | null, ...args: string[]): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["DATABASE_URL"];
  if (url !== null) env["DATABASE_URL"] = url;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function preset(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `${id} pool`,
    organizationId: "org",
    templateId: `template-${id}`,
    templateVersionId: `version-${id}`,
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 2,
    ttlSeconds: 3600,
    lastInvalidatedAt: null,
    scheduling: null,
    ...overrides,
  };
}

let database: TestDatabase;
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm test builds it)`);
});
beforeEach(async () => {
  database = await freshDatabase(4);
  await insertPreset(database.pool, preset("eu-dev"));
  await insertPreset(database.pool, preset("old", { usingActiveVersion: false }));
  await insertWorkspaceWithBuild(database.pool, { id: "ws-fresh", presetId: "eu-dev", ownerId: SYSTEM, createdAt: new Date(NOW.getTime() - 10 * 60_000), ready: true, status: "succeeded" });
  await insertWorkspaceWithBuild(database.pool, { id: "ws-stale", presetId: "eu-dev", ownerId: SYSTEM, createdAt: new Date(NOW.getTime() - 2 * 3_600_000), ready: true, status: "succeeded" });
  await insertWorkspaceWithBuild(database.pool, { id: "ws-old", presetId: "old", ownerId: SYSTEM, createdAt: new Date(NOW.getTime() - 60_000), ready: true, status: "succeeded" });
});
afterEach(async () => {
  await database.drop();
});

describe("prebuild-reconciler status (issue 11 §1)", () => {
  it("shows every preset, what it wants and has, and the plan the next cycle would make, with reasons", async () => {
    const { code, stdout, stderr } = await cli(database.url, "status", "--at", NOW.toISOString());
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).toContain("Status at 2025-06-02T08:00:00.000Z; next change 2025-06-02T08:50:00.001Z");
    // Running counts the expired prebuilds too; the expired column says how many of them are.
    expect(stdout).toMatch(/│ eu-dev\s+│ 2 \(base\)\s+│ 2\s+│ 1\s+│ 0\s+│ 1\s+│ -\s+│ no\s+│/);
    expect(stdout).toMatch(/│ old \(inactive\)\s+│ 0 \(inactive\)\s+│ 1\s+│ 0\s+│ 0\s+│ 0\s+│ -\s+│ no\s+│/);
    expect(stdout).toContain("  → delete ws-stale\n    1 prebuild expired (1 older than the TTL of 3600 s): delete 1, oldest first");
    expect(stdout).toContain("  → create 1\n    desired 2 (base count), 1 running, 0 starting: create 1");
    expect(stdout).toContain("  → delete ws-old\n    preset is inactive (its template version is no longer the active one): delete its 1 running prebuild");
  });

  it("prints JSON for one preset with --json --preset", async () => {
    const { code, stdout } = await cli(database.url, "status", "--json", "--preset", "eu-dev", "--at", NOW.toISOString());
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as { paused: boolean; presets: { presetId: string; desired: number; running: number; expired: number; actions: { summary: string }[] }[] };
    expect(status.paused).toBe(false);
    expect(status.presets.map((line) => [line.presetId, line.desired, line.running, line.expired, line.actions.map((action) => action.summary)])).toEqual([
      ["eu-dev", 2, 2, 1, ["delete ws-stale", "create 1"]],
    ]);
  });

  it("writes nothing and takes no lock", async () => {
    const before = await database.pool.query<{ count: string }>("SELECT count(*) FROM workspace_builds");
    const lockHolder = await database.pool.connect();
    try {
      await lockHolder.query("SELECT pg_advisory_lock(4208657209384716093)");
      expect((await cli(database.url, "status")).code).toBe(0);
    } finally {
      lockHolder.release(true);
    }
    const after = await database.pool.query<{ count: string }>("SELECT count(*) FROM workspace_builds");
    expect(after.rows[0]?.count).toBe(before.rows[0]?.count);
  });

  it("prints again every --watch seconds until interrupted", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", DATABASE_URL: database.url };
    const child = spawn(process.execPath, [BIN, "status", "--watch", "1", "--preset", "eu-dev"], { env });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(stdout.match(/^Status at /gm)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe("prebuild-reconciler pause, resume, invalidate, migrate (issue 11 §1)", () => {
  it("pauses and resumes one preset, and status shows it", async () => {
    expect(await cli(database.url, "pause", "--preset", "eu-dev")).toEqual({ code: 0, stdout: "reconciliation of preset eu-dev paused\n", stderr: "" });
    expect((await cli(database.url, "status", "--json")).stdout).toContain('"paused": true');
    const flags = await database.pool.query<{ id: string; reconciliation_paused: boolean }>("SELECT id, reconciliation_paused FROM presets ORDER BY id");
    expect(flags.rows).toEqual([
      { id: "eu-dev", reconciliation_paused: true },
      { id: "old", reconciliation_paused: false },
    ]);
    expect(await cli(database.url, "resume", "--preset", "eu-dev")).toEqual({ code: 0, stdout: "reconciliation of preset eu-dev resumed\n", stderr: "" });
  });

  it("pauses and resumes globally", async () => {
    expect((await cli(database.url, "pause")).stdout).toBe("reconciliation paused\n");
    expect((await cli(database.url, "status")).stdout).toContain("reconciliation is PAUSED");
    expect((await cli(database.url, "resume")).stdout).toBe("reconciliation resumed\n");
    const settings = await database.pool.query<{ reconciliation_paused: boolean }>("SELECT reconciliation_paused FROM prebuilds_settings");
    expect(settings.rows).toEqual([{ reconciliation_paused: false }]);
  });

  it("invalidates a preset's prebuilds: status then plans to delete them all", async () => {
    const at = "2025-06-02T07:59:00.000Z";
    expect((await cli(database.url, "invalidate", "--preset", "eu-dev", "--at", at)).stdout).toBe(
      `preset eu-dev: prebuilds created before ${at} are expired; the next cycle replaces them\n`,
    );
    const status = JSON.parse((await cli(database.url, "status", "--json", "--preset", "eu-dev", "--at", NOW.toISOString())).stdout) as { presets: { expired: number; actions: { summary: string }[] }[] };
    expect(status.presets[0]?.expired).toBe(2);
    expect(status.presets[0]?.actions.map((action) => action.summary)).toEqual(["delete ws-stale, ws-fresh", "create 2"]);
  });

  it("migrate says what it applied, then that nothing is left", async () => {
    const empty = await freshDatabase(2, { migrated: false });
    try {
      const first = await cli(empty.url, "migrate");
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^applied \d+ migrations?: 001_initial/);
      expect(await cli(empty.url, "migrate")).toEqual({ code: 0, stdout: "the schema is up to date: nothing to apply\n", stderr: "" });
    } finally {
      await empty.drop();
    }
  });
});

describe("prebuild-reconciler database errors: exit 2, one line, no stack trace (issue 11 §1)", () => {
  it.each([
    [["status"], null, "no database: pass --database-url or set DATABASE_URL\n"],
    [["status", "--database-url", "not a url"], null, '--database-url: "not a url" is not a URL (expected postgres://user@host:port/database)\n'],
    [["status", "--database-url", "mysql://db/x"], null, "--database-url: expected a postgres:// URL, got mysql://…\n"],
    [["pause", "--preset", "nope"], "fresh", '--preset: no preset with id "nope"\n'],
    [["invalidate", "--preset", "nope"], "fresh", '--preset: no preset with id "nope"\n'],
    [["invalidate"], "fresh", "invalidate needs --preset ID\n"],
    [["status", "--preset", "nope"], "fresh", '--preset: no preset with id "nope"\n'],
  ])("%j", async (args, which, message) => {
    const outcome = await cli(which === null ? null : database.url, ...args);
    expect(outcome).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("names a server it cannot reach", async () => {
    const outcome = await cli("postgres://nobody@127.0.0.1:1/none", "status");
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
  });

  it("says to migrate first when the schema is missing", async () => {
    const empty = await freshDatabase(2, { migrated: false });
    try {
      const outcome = await cli(empty.url, "status");
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^the database has no prebuild-reconciler schema \(.*\): run prebuild-reconciler migrate first\n$/);
    } finally {
      await empty.drop();
    }
  });
});
