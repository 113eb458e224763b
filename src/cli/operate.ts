/** `pause`, `resume`, `invalidate` and `migrate`: steering the live pools (see status.ts for looking). */

import { invalidatePreset, setReconciliationPaused, UnknownPresetError } from "../adapters/postgres/admin.js";
import { migrate } from "../adapters/postgres/migrate.js";
import { withPool, type DatabaseOptions } from "./database.js";
import { CliInputError, parseInstant } from "./input.js";
import type { CommandIo } from "./io.js";

/** Options of the commands that change the database. */
export interface OperateOptions extends DatabaseOptions {
  readonly preset?: string;
  readonly at?: string;
}

function unknownPreset(error: unknown): never {
  if (error instanceof UnknownPresetError) throw new CliInputError(`--preset: no preset with id ${JSON.stringify(error.presetId)}`);
  throw error;
}

/** `pause` (`paused: true`) or `resume`, globally or for `--preset`. */
export async function pauseCommand(paused: boolean, options: OperateOptions, io: CommandIo, environment: NodeJS.ProcessEnv): Promise<number> {
  await withPool(options, environment, (pool) => setReconciliationPaused(pool, paused, options.preset === undefined ? {} : { presetId: options.preset }).catch(unknownPreset));
  const what = options.preset === undefined ? "reconciliation" : `reconciliation of preset ${options.preset}`;
  io.out(`${what} ${paused ? "paused" : "resumed"}\n`);
  return 0;
}

/** `invalidate --preset ID [--at ISO]`: that preset's prebuilds created before the instant are expired. */
export async function invalidateCommand(options: OperateOptions, io: CommandIo, now: Date, environment: NodeJS.ProcessEnv): Promise<number> {
  const presetId = options.preset;
  if (presetId === undefined || presetId === "") throw new CliInputError("invalidate needs --preset ID");
  const at = parseInstant(options.at, "--at", now);
  await withPool(options, environment, (pool) => invalidatePreset(pool, presetId, at).catch(unknownPreset));
  io.out(`preset ${presetId}: prebuilds created before ${at.toISOString()} are expired; the next cycle replaces them\n`);
  return 0;
}

/** `migrate`: applies the schema migrations and says which. */
export async function migrateCommand(options: DatabaseOptions, io: CommandIo, environment: NodeJS.ProcessEnv): Promise<number> {
  const applied = await withPool(options, environment, (pool) => migrate(pool));
  io.out(applied.length === 0 ? "the schema is up to date: nothing to apply\n" : `applied ${applied.length} migration${applied.length === 1 ? "" : "s"}: ${applied.join(", ")}\n`);
  return 0;
}
