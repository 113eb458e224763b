/** `plan <snapshot.json>`: the plan of one cycle, as a table or JSON. */

import Table from "cli-table3";
import pc from "picocolors";
import { planCycle } from "../core/cycle.js";
import { describeAction } from "../core/describe.js";
import { parseCount, parseInstant, readSnapshot } from "./input.js";
import { MAX_CREATES } from "./limits.js";
import { toJson, type CommandIo } from "./io.js";

/** Runs `plan`; resolves to the exit code. */
export function planCommand(file: string, options: { at?: string; json?: boolean; maxCreates?: string | number }, io: CommandIo, now: Date): number {
  const snapshot = readSnapshot(file);
  const at = parseInstant(options.at, "--at", now);
  const budget = options.maxCreates === undefined ? undefined : parseCount(options.maxCreates, "--max-creates", 0, MAX_CREATES);
  const plan = planCycle(snapshot, { now: () => at }, budget === undefined ? undefined : { maxCreatesPerCycle: budget });
  if (options.json === true) {
    io.out(`${toJson({ at, ...plan })}\n`);
    return 0;
  }
  const colors = pc.createColors(io.color);
  const table = new Table({
    head: ["preset", "state", "blocked", "actions and reasons"],
    style: { head: io.color ? ["cyan"] : [], border: io.color ? ["grey"] : [] },
    colWidths: [18, 16, 13, 80],
    wordWrap: true,
  });
  for (const entry of plan.presets) {
    const { state } = entry;
    const stateText = `desired ${state.desired}\nrunning ${state.actual}\neligible ${state.eligible}\nexpired ${state.expired}\nstarting ${state.starting}`;
    const actions = entry.actions.length === 0 ? colors.dim("nothing to do") : entry.actions.map((action) => `${colors.bold(describeAction(action))}\n${action.reason}`).join("\n");
    table.push([entry.presetId, stateText, entry.blocked === null ? "" : colors.red(entry.blocked), actions]);
  }
  io.out(`Plan at ${at.toISOString()}: ${plan.presetsReconciled} of ${plan.presetsTotal} presets need reconciling\n`);
  if (plan.presets.length > 0) io.out(`${table.toString()}\n`);
  for (const { presetId, error } of plan.invalid) {
    io.out(`${colors.red("invalid")} ${presetId}\n`);
    for (const issue of error.issues) io.out(`  ${issue.path}: ${issue.message}\n`);
  }
  return 0;
}
