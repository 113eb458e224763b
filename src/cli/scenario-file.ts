/** Reading scenario files and CSV claim traces for `simulate`, with messages that name the file. */

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ScenarioValidationError, type SimulationScenario } from "../simulation/scenario.js";
import { ClaimTraceError, parseClaimTrace, type ClaimTrace } from "../simulation/trace.js";
import { CliInputError, isRecord, readJson, reviveDates } from "./input.js";

/** Reads a CSV claim trace (`timestamp,preset` rows); a bad row is reported with the file and line. */
export function readTraceFile(file: string): ClaimTrace {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliInputError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot be read (${code ?? String(error)})`);
  }
  try {
    return parseClaimTrace(text);
  } catch (error) {
    if (error instanceof ClaimTraceError) throw new CliInputError(`${file}: ${error.message}`);
    throw error;
  }
}

/**
 * A scenario file as a {@link SimulationScenario}. Its `trace`, when it has one, names a CSV file
 * relative to the scenario file and is read here. What is inside is checked by the simulator.
 */
export function readScenarioFile(file: string): SimulationScenario {
  const value = reviveDates(readJson(file), file);
  if (!isRecord(value)) throw new CliInputError(`${file}: expected a scenario object`);
  const trace = value["trace"];
  if (trace === undefined) return value as unknown as SimulationScenario;
  if (typeof trace !== "string" || trace === "") throw new CliInputError(`${file}: trace: expected the path of a CSV file of "timestamp,preset" rows, relative to the scenario file`);
  return { ...(value as unknown as SimulationScenario), trace: readTraceFile(resolve(dirname(file), trace)) };
}

/** The part of the scenario an issue is about: a top-level field, or one preset. */
function partOf(path: string): string {
  return /^(presets\[\d+\]|[^.[]+)/.exec(path)?.[1] ?? path;
}

/**
 * Runs `work`; a scenario problem becomes a message naming `file` and the field. Like the other
 * commands, it reports the first problem only, except that every problem of the same part (all
 * of one preset's) is listed, one line each.
 */
export function reportingScenarioErrors<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ScenarioValidationError)) throw error;
    const part = partOf(error.issues[0]?.path ?? "");
    throw new CliInputError(
      error.issues
        .filter((issue) => partOf(issue.path) === part)
        .map((issue) => `${file}: ${issue.path}: ${issue.message}`)
        .join("\n"),
    );
  }
}
