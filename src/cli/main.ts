/**
 * The `prebuild-reconciler` command: plan, validate, preview and simulate prebuild pools from
 * JSON files, and look at and steer the live pools of a PostgreSQL database (status, pause,
 * resume, invalidate, migrate). Exit codes: 0 fine, 1 `validate` found problems, 2 bad input,
 * usage, or a database that cannot be used.
 */

import { cac } from "cac";
import { PolicyValidationError, SnapshotValidationError } from "../core/errors.js";
import packageJson from "../../package.json" with { type: "json" };
import { CliInputError } from "./input.js";
import type { CommandIo } from "./io.js";
import { MAX_CREATES, PREVIEW_DAYS, SEED, SIMULATE_DAYS } from "./limits.js";
import { invalidateCommand, migrateCommand, pauseCommand, type OperateOptions } from "./operate.js";
import { planCommand } from "./plan.js";
import { previewCommand } from "./preview.js";
import { simulateCommand, type SimulateCommandOptions } from "./simulate.js";
import { statusCommand, type StatusOptions } from "./status.js";
import { validateCommand } from "./validate.js";

/** What the CLI reads besides its arguments. */
export interface CliContext {
  /** The environment (`DATABASE_URL`, `PREBUILD_RECONCILER_SYSTEM_USER`). */
  readonly environment: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: `status --watch` ends cleanly. */
  readonly signal: AbortSignal;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CommandIo,
  now: () => Date = () => new Date(),
  context: CliContext = { environment: process.env, signal: new AbortController().signal },
): Promise<number> {
  const cli = cac("prebuild-reconciler");
  let result: Promise<number> | number | null = null;
  cli
    .command("plan <snapshot>", "Plan one reconciliation cycle of a GlobalSnapshot JSON file")
    .option("--at <iso>", "The instant to plan at (default: now)")
    .option("--max-creates <n>", `The global create budget of the cycle (${MAX_CREATES.min} to ${MAX_CREATES.max})`)
    .option("--json", "Print the plan as JSON")
    .action((file: string, options: { at?: string; json?: boolean; maxCreates?: string | number }) => {
      result = planCommand(file, options, io, now());
    });
  cli.command("validate <presets>", "Check presets (an array, { presets }, or one preset) and list every problem").action((file: string) => {
    result = validateCommand(file, io);
  });
  cli
    .command("preview <preset>", "Show when a preset's desired count changes, with local and UTC times")
    .option("--from <iso>", "Start of the preview (default: now)")
    .option("--days <n>", `How many days (${PREVIEW_DAYS.min} to ${PREVIEW_DAYS.max})`, { default: 7 })
    .action((file: string, options: { from?: string; days?: number }) => {
      result = previewCommand(file, options, io, now());
    });
  cli
    .command("simulate <scenario> [...more]", "Run the reconciler over simulated time with random or replayed claims and report hit rate, waits and cost")
    .option("--days <n>", `How many days (${SIMULATE_DAYS.min} to ${SIMULATE_DAYS.max}; default 7, or all of a trace)`)
    .option("--seed <n>", `Seed of every random draw (${SEED.min} to ${SEED.max})`, { default: 1 })
    .option("--trace <file>", "Replay the claims of a CSV file (timestamp,preset) instead of the scenario's demand")
    .option("--compare", "Run every scenario given on the first one's claims and seed, and print them side by side")
    .option("--recommend", "Search the schedules, lead time and base count that meet --target-warm with the fewest idle prebuild-hours")
    .option("--target-warm <fraction>", "With --recommend: the share of claims to serve warm (default 0.99)")
    .option("--every-step", "Run a cycle at every step instead of skipping the steps in which nothing can happen (slower, same report)")
    .option("--svg <file>", "Also write a chart as SVG")
    .option("--json", "Print the report as JSON")
    .action((file: string, more: string[], options: SimulateCommandOptions) => {
      result = simulateCommand([file, ...more], options, io);
    });
  const database = "--database-url <url>";
  const databaseHelp = "The PostgreSQL database (default: $DATABASE_URL)";
  cli
    .command("status", "Show every preset of the live database, what blocks it and what the next cycle would do (read-only)")
    .option(database, databaseHelp)
    .option("--preset <id>", "Only this preset")
    .option("--json", "Print the status as JSON")
    .option("--watch <seconds>", "Print it again every this many seconds until Ctrl-C")
    .option("--at <iso>", "Plan as of this instant (default: now)")
    .option("--system-user <id>", "The user that owns prebuilds (default: $PREBUILD_RECONCILER_SYSTEM_USER or prebuilds)")
    .option("--policy <file>", "A JSON file with the host's ReconcilePolicy")
    .action((options: StatusOptions) => {
      result = statusCommand(options, io, now, context.environment, context.signal);
    });
  cli
    .command("pause", "Pause reconciliation, globally or of one preset")
    .option(database, databaseHelp)
    .option("--preset <id>", "Only this preset")
    .action((options: OperateOptions) => {
      result = pauseCommand(true, options, io, context.environment);
    });
  cli
    .command("resume", "Resume reconciliation, globally or of one preset")
    .option(database, databaseHelp)
    .option("--preset <id>", "Only this preset")
    .action((options: OperateOptions) => {
      result = pauseCommand(false, options, io, context.environment);
    });
  cli
    .command("invalidate", "Expire a preset's prebuilds now: the next cycle replaces them")
    .option(database, databaseHelp)
    .option("--preset <id>", "The preset")
    .option("--at <iso>", "Expire those created before this instant (default: now)")
    .action((options: OperateOptions) => {
      result = invalidateCommand(options, io, now(), context.environment);
    });
  cli
    .command("migrate", "Apply the schema migrations of prebuild-reconciler/postgres and list what was applied")
    .option(database, databaseHelp)
    .action((options: OperateOptions) => {
      result = migrateCommand(options, io, context.environment);
    });
  cli.help();
  // Registered on the global command only, so that cac shows it in the help but leaves printing
  // to us: cac's own version line adds the platform and Node version, which vary by machine.
  cli.globalCommand.version(packageJson.version);
  try {
    cli.parse(["node", "prebuild-reconciler", ...argv], { run: false });
    if (cli.options["help"] === true) return 0;
    if (cli.options["version"] === true) {
      io.out(`${packageJson.version}\n`);
      return 0;
    }
    if (cli.matchedCommand === undefined) {
      io.err(
        argv.length === 0
          ? "usage: prebuild-reconciler <plan|validate|preview|simulate|status|pause|resume|invalidate|migrate> … (see --help)\n"
          : `unknown command: ${argv[0] ?? ""} (see --help)\n`,
      );
      return 2;
    }
    await cli.runMatchedCommand();
    return await (result ?? 0);
  } catch (error) {
    if (error instanceof CliInputError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    if (error instanceof SnapshotValidationError || error instanceof PolicyValidationError) {
      io.err(`${error.issues.map((issue) => `${issue.path}: ${issue.message}`).join("\n")}\n`);
      return 2;
    }
    // cac's own errors (a missing argument, an unknown option) are usage errors.
    if (error instanceof Error && error.name === "CACError") {
      io.err(`${error.message} (see --help)\n`);
      return 2;
    }
    throw error;
  }
}
