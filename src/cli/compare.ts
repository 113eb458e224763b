/** `simulate --compare a.json b.json …`: every scenario on the same claims and seed, side by side. */

import { basename } from "node:path";
import { compareScenarios, type Comparison } from "../simulation/compare.js";
import { ScenarioValidationError } from "../simulation/scenario.js";
import { svgChart } from "./chart.js";
import { CliInputError } from "./input.js";
import type { CommandIo } from "./io.js";
import { openOutputFile } from "./output-file.js";
import { claimsLeftOut, dayTicks, hourLabels, loadScenario, type SimulateCommandOptions } from "./simulate.js";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The rows of the side-by-side table: a label and how to print one report's figure. */
const ROWS: readonly [string, (report: Comparison["results"][number]["report"]) => string][] = [
  ["served warm", (report) => `${(report.hitRate * 100).toFixed(1)} %`],
  ["wait p50 / p95", (report) => `${report.waitP50Seconds} s / ${report.waitP95Seconds} s`],
  ["idle prebuild-hours", (report) => String(report.idlePrebuildHours)],
  ["builds started", (report) => String(report.buildsStarted)],
  ["builds failed", (report) => String(report.buildsFailed)],
];

/** Names for the columns: the file names, made unique with their position when two are alike. */
function columnNames(files: readonly string[]): string[] {
  const names = files.map((file) => basename(file));
  return names.map((name, index) => (names.indexOf(name) === names.lastIndexOf(name) ? name : `${index + 1}:${name}`));
}

/** The comparison as a table: one column per scenario. */
export function comparisonTable(comparison: Comparison): string {
  const header = ["", ...comparison.results.map(({ name }) => name)];
  const rows = [header, ...ROWS.map(([label, figure]) => [label, ...comparison.results.map(({ report }) => figure(report))])];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("   ").trimEnd()}\n`).join("");
}

/** Runs `simulate --compare`; resolves to the exit code. */
export async function compareCommand(files: readonly string[], options: SimulateCommandOptions, io: CommandIo): Promise<number> {
  if (files.length < 2) throw new CliInputError(`--compare needs at least two scenarios, got ${files.length}`);
  // Each file is read and checked on its own first, so that a problem names its file.
  const loaded = files.map((file, index) => loadScenario(file, options, index === 0 ? "demand" : "configuration"));
  const first = loaded[0];
  if (first === undefined) return 2;
  const names = columnNames(files);
  const svgFile = options.svg === undefined ? null : openOutputFile(options.svg, "--svg");
  try {
    let comparison: Comparison;
    try {
      comparison = await compareScenarios(
        loaded.map(({ scenario }, index) => ({ name: names[index] ?? String(index), scenario })),
        { days: first.days, seed: first.seed, fastForward: options.everyStep !== true },
      );
    } catch (error) {
      if (!(error instanceof ScenarioValidationError)) throw error;
      throw new CliInputError(
        error.issues
          .map((issue) => {
            const match = /^scenarios\[(\d+)\]\.(.*)$/.exec(issue.path);
            return `${files[Number(match?.[1] ?? 0)] ?? ""}: ${match?.[2] ?? issue.path}: ${issue.message}`;
          })
          .join("\n"),
      );
    }
    const leftOut = claimsLeftOut(first);
    if (leftOut > 0) io.err(`note: ${leftOut} claim${leftOut === 1 ? "" : "s"} of the trace come${leftOut === 1 ? "s" : ""} after the last simulated day and ${leftOut === 1 ? "was" : "were"} not replayed\n`);
    if (options.json === true) {
      io.out(`${JSON.stringify({ days: comparison.days, seed: comparison.seed, claims: comparison.trace.length, results: comparison.results }, null, 2)}\n`);
    } else {
      io.out(`Compared ${files.length} scenarios over ${comparison.days} day${comparison.days === 1 ? "" : "s"} from ${first.resolved.start.toISOString()}, on the same ${comparison.trace.length} claims of ${basename(first.file)}'s demand (seed ${comparison.seed})\n`);
      io.out(comparisonTable(comparison));
    }
    if (svgFile !== null) {
      const claims = comparison.results[0]?.report.hourly.claims ?? [];
      const svg = svgChart(
        `Ready prebuilds over ${comparison.days} day${comparison.days === 1 ? "" : "s"}, ${files.length} scenarios on the same claims`,
        hourLabels(first.resolved.start.getTime(), Math.max(...comparison.results.map(({ report }) => report.hourly.ready.length))),
        [
          ...comparison.results.map(({ name, report }, index) => ({ name: `${name} (${(report.hitRate * 100).toFixed(1)} % warm)`, color: PALETTE[index % PALETTE.length] ?? "#000", values: report.hourly.ready })),
          { name: "claims per hour", color: "#d62728", values: claims },
        ],
        dayTicks(comparison.days),
        "day (UTC)",
      );
      svgFile.replace(svg);
      io.err(`wrote ${svgFile.path}\n`);
    }
    return 0;
  } finally {
    svgFile?.close();
  }
}
