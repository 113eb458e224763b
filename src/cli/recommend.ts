/** `simulate --recommend`: the configuration a search over the scenario's demand finds, ready to paste. */

import { recommendConfiguration, type Recommendation } from "../simulation/recommend.js";
import { svgChart } from "./chart.js";
import { comparisonTable } from "./compare.js";
import { CliInputError } from "./input.js";
import type { CommandIo } from "./io.js";
import { openOutputFile } from "./output-file.js";
import { dayTicks, hourLabels, loadScenario, type SimulateCommandOptions } from "./simulate.js";

/** Parses `--target-warm`: a share above 0 and at most 1. */
export function parseTargetWarm(text: string | number | undefined): number {
  if (text === undefined) return 0.99;
  const value = typeof text === "number" ? text : text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new CliInputError(`--target-warm: expected a share of claims above 0 and at most 1, such as 0.99, got ${JSON.stringify(text)}`);
  return value;
}

/** JSON as `JSON.stringify(value, null, 2)` gives it, but with each schedule on one line. */
export function presetJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\{\n\s+"cron": ("(?:[^"\\]|\\.)*"),\n\s+"instances": (\d+)\n\s+\}/g, '{ "cron": $1, "instances": $2 }');
}

function percent(value: number): string {
  return `${Number((value * 100).toFixed(2))} %`;
}

function describe(recommendation: Recommendation, start: Date, io: CommandIo): void {
  const { days, seed, targetWarmRate, simulations } = recommendation;
  io.out(
    `Recommended for ${percent(targetWarmRate)} of claims served warm, tuned on ${days} day${days === 1 ? "" : "s"} of claims from ${start.toISOString()} (${recommendation.trace.length} claims, seed ${seed}; ${simulations} simulations)\n`,
  );
  io.out(comparisonTable({ days, seed, trace: recommendation.trace, results: [{ name: "current", report: recommendation.current }, { name: "recommended", report: recommendation.recommended }] }));
  if (!recommendation.metTarget) io.out(`\nThe target was not met within the simulations allowed: the figures above are the closest configuration found.\n`);
  io.out(`\nPresets to paste (each hour's count follows its claims per hour: a rate that reaches a rung adds one):\n`);
  for (const entry of recommendation.presets) {
    const rungs = entry.rungs.length === 0 ? "no rungs" : `rungs at ${entry.rungs.map((rung) => Number(rung.toFixed(3))).join(", ")} claims per hour`;
    io.out(`\n${entry.presetId} (${entry.timezone}): ${rungs}, lead time ${entry.leadTimeSeconds} s\n`);
    io.out(`${presetJson(entry.preset)}\n`);
  }
}

/** Runs `simulate --recommend`; resolves to the exit code: 0, or 1 when the target could not be met. */
export async function recommendCommand(file: string, options: SimulateCommandOptions, io: CommandIo): Promise<number> {
  const targetWarmRate = parseTargetWarm(options.targetWarm);
  const loaded = loadScenario(file, options);
  const svgFile = options.svg === undefined ? null : openOutputFile(options.svg, "--svg");
  try {
    const recommendation = await recommendConfiguration(loaded.scenario, { targetWarmRate, days: loaded.days, seed: loaded.seed });
    if (options.json === true) {
      const { trace, ...rest } = recommendation;
      io.out(`${JSON.stringify({ ...rest, claims: trace.length }, null, 2)}\n`);
    } else describe(recommendation, loaded.resolved.start, io);
    if (svgFile !== null) {
      const { current, recommended, days } = recommendation;
      const svg = svgChart(
        `Ready prebuilds over ${days} day${days === 1 ? "" : "s"}: current and recommended configuration`,
        hourLabels(loaded.resolved.start.getTime(), current.hourly.ready.length),
        [
          { name: `current (${(current.hitRate * 100).toFixed(1)} % warm)`, color: "#1f77b4", values: current.hourly.ready },
          { name: `recommended (${(recommended.hitRate * 100).toFixed(1)} % warm)`, color: "#ff7f0e", values: recommended.hourly.ready },
          { name: "claims per hour", color: "#d62728", values: current.hourly.claims },
        ],
        dayTicks(days),
        "day (UTC)",
      );
      svgFile.replace(svg);
      io.err(`wrote ${svgFile.path}\n`);
    }
    return recommendation.metTarget ? 0 : 1;
  } finally {
    svgFile?.close();
  }
}
