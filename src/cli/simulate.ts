/**
 * `simulate <scenario.json> [more.json …]`: a thin wrapper over the simulator of
 * `prebuild-reconciler/testing`. One scenario: its report. `--compare`: every scenario on the same
 * claims, side by side. `--recommend`: the configuration a search over the scenario's demand finds.
 */

import { stepOf } from "../simulation/demand.js";
import { runSettings, simulate, stepsOf } from "../simulation/engine.js";
import type { SimulationReport } from "../simulation/report.js";
import { resolveScenario, type ResolvedScenario, type SimulationScenario } from "../simulation/scenario.js";
import { withTrace } from "../simulation/compare.js";
import { svgChart, terminalChart } from "./chart.js";
import { compareCommand } from "./compare.js";
import { CliInputError, parseCount } from "./input.js";
import type { CommandIo } from "./io.js";
import { MAX_SIMULATION_STEPS, SEED, SIMULATE_DAYS } from "./limits.js";
import { openOutputFile, type OutputFile } from "./output-file.js";
import { recommendCommand } from "./recommend.js";
import { readScenarioFile, readTraceFile, reportingScenarioErrors } from "./scenario-file.js";

const HOUR_MS = 3_600_000;

/** The options of `simulate`, as cac gives them. */
export interface SimulateCommandOptions {
  readonly days?: string | number;
  readonly seed?: string | number;
  readonly svg?: string;
  readonly json?: boolean;
  readonly trace?: string;
  readonly compare?: boolean;
  readonly recommend?: boolean;
  readonly targetWarm?: string | number;
  readonly everyStep?: boolean;
}

/** A scenario read from its file, checked, with the days and seed of the run. */
export interface LoadedScenario {
  readonly file: string;
  readonly scenario: SimulationScenario;
  readonly resolved: ResolvedScenario;
  readonly days: number;
  readonly seed: number;
}

/**
 * Reads a scenario (its demand replaced by `--trace` when given) and settles the days and seed,
 * within the CLI's limits. A scenario read only for its `configuration` (the second and later of
 * `--compare`) needs no demand: the first one's is used.
 */
export function loadScenario(file: string, options: SimulateCommandOptions, role: "demand" | "configuration" = "demand"): LoadedScenario {
  const days = options.days === undefined ? undefined : parseCount(options.days, "--days", 7, SIMULATE_DAYS);
  const seed = parseCount(options.seed, "--seed", 1, SEED);
  const read = readScenarioFile(file);
  const scenario = role === "configuration" ? withTrace(read, []) : options.trace === undefined ? read : withTrace(read, readTraceFile(options.trace));
  const resolved = reportingScenarioErrors(file, () => resolveScenario(scenario));
  const settled = runSettings(resolved, { ...(days === undefined ? {} : { days }), seed });
  if (settled.days > SIMULATE_DAYS.max) {
    throw new CliInputError(`${options.trace ?? file}: the trace runs ${settled.days} days from the scenario's start, more than ${SIMULATE_DAYS.max}; pass --days to replay its first days`);
  }
  const steps = stepsOf(resolved, settled.days);
  if (steps > MAX_SIMULATION_STEPS) {
    throw new CliInputError(
      `${file}: stepSeconds: ${settled.days} day${settled.days === 1 ? "" : "s"} of ${resolved.stepSeconds} s steps is ${steps} steps, more than ${MAX_SIMULATION_STEPS}; use a larger stepSeconds or fewer --days`,
    );
  }
  return { file, scenario, resolved, days: settled.days, seed };
}

/** Trace claims after the last simulated step, which a run leaves out. */
export function claimsLeftOut(loaded: LoadedScenario): number {
  const steps = stepsOf(loaded.resolved, loaded.days);
  let count = 0;
  for (const { demand } of loaded.resolved.presets) if (demand.kind === "trace") for (const atMs of demand.claimsMs) if (stepOf(loaded.resolved, atMs) > steps) count += 1;
  return count;
}

/** Runs `simulate`; resolves to the exit code. */
export async function simulateCommand(files: readonly string[], options: SimulateCommandOptions, io: CommandIo): Promise<number> {
  if (options.compare === true && options.recommend === true) throw new CliInputError("--compare and --recommend cannot be used together");
  if (options.compare !== true && files.length > 1) throw new CliInputError(`simulate takes one scenario, got ${files.length}; to run several on the same claims, add --compare`);
  if (options.compare === true) return compareCommand(files, options, io);
  const file = files[0] ?? "";
  if (options.recommend === true) return recommendCommand(file, options, io);
  const loaded = loadScenario(file, options);
  const svgFile = options.svg === undefined ? null : openOutputFile(options.svg, "--svg");
  try {
    return await simulateInto(loaded, options, svgFile, io);
  } finally {
    svgFile?.close();
  }
}

/** Ticks of an hourly x axis: one a day, or one every few days so that a long run stays legible. */
export function dayTicks(days: number): number {
  return 24 * Math.max(1, Math.ceil(days / 31));
}

/** `MM-DD` in UTC of each simulated hour, for the SVG's x axis. */
export function hourLabels(startMs: number, hours: number): string[] {
  return Array.from({ length: hours }, (_, hour) => new Date(startMs + hour * HOUR_MS).toISOString().slice(5, 10));
}

async function simulateInto(loaded: LoadedScenario, options: SimulateCommandOptions, svgFile: OutputFile | null, io: CommandIo): Promise<number> {
  const { resolved, days, seed } = loaded;
  const report = await simulate(loaded.scenario, { days, seed, fastForward: options.everyStep !== true });
  const leftOut = claimsLeftOut(loaded);
  if (leftOut > 0) io.err(`note: ${leftOut} claim${leftOut === 1 ? "" : "s"} of the trace come${leftOut === 1 ? "s" : ""} after the last simulated day and ${leftOut === 1 ? "was" : "were"} not replayed\n`);
  if (options.json === true) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, resolved, days, seed, io);
  if (svgFile !== null) {
    const svg = svgChart(
      `Prebuild pool over ${days} day${days === 1 ? "" : "s"}: hit rate ${(report.hitRate * 100).toFixed(1)} %`,
      hourLabels(resolved.start.getTime(), report.hourly.desired.length),
      [
        { name: "desired", color: "#2ca02c", values: report.hourly.desired },
        { name: "ready", color: "#1f77b4", values: report.hourly.ready },
        { name: "claims per hour", color: "#d62728", values: report.hourly.claims },
      ],
      dayTicks(days),
      "day (UTC)",
    );
    svgFile.replace(svg);
    io.err(`wrote ${svgFile.path}\n`);
  }
  return 0;
}

function printReport(report: SimulationReport, scenario: ResolvedScenario, days: number, seed: number, io: CommandIo): void {
  io.out(`Simulated ${days} day${days === 1 ? "" : "s"} from ${scenario.start.toISOString()} (seed ${seed})\n`);
  io.out(`  claims                ${report.claims}\n`);
  io.out(`  served warm           ${report.hits} (hit rate ${(report.hitRate * 100).toFixed(1)} %)\n`);
  io.out(`  wait p50 / p95        ${report.waitP50Seconds} s / ${report.waitP95Seconds} s (a miss waits a ${scenario.coldBuildSeconds} s cold build)\n`);
  io.out(`  idle prebuild-hours   ${report.idlePrebuildHours}\n`);
  io.out(`  builds started        ${report.buildsStarted} (${report.buildsFailed} failed)\n`);
  io.out(`\ndesired (green) and ready (blue) prebuilds, hourly:\n${terminalChart([report.hourly.desired, report.hourly.ready], { colors: io.color })}\n`);
}
