/** `validate <presets.json>`: every configuration problem, with its path. */

import pc from "picocolors";
import { validatePreset } from "../core/validate/index.js";
import { isRecord, readPresets } from "./input.js";
import type { CommandIo } from "./io.js";

/** Runs `validate`; resolves to 1 when any preset has a problem, else 0. */
export function validateCommand(file: string, io: CommandIo): number {
  const colors = pc.createColors(io.color);
  const { presets, pathPrefix } = readPresets(file);
  let problems = 0;
  // plan refuses a second preset with an id already taken, so validate reports it too.
  const firstIndexOfId = new Map<string, number>();
  presets.forEach((preset, index) => {
    const position = pathPrefix === "single" ? "" : `${pathPrefix}[${index}]`;
    const prefix = position === "" ? "" : `${position}.`;
    const issues = validatePreset(preset);
    const id: unknown = isRecord(preset) ? preset["id"] : undefined;
    if (typeof id === "string" && id !== "") {
      const first = firstIndexOfId.get(id);
      if (first === undefined) firstIndexOfId.set(id, index);
      else issues.push({ path: "id", message: `duplicate preset id ${JSON.stringify(id)}, also at ${pathPrefix}[${first}]` });
    }
    for (const issue of issues) {
      problems += 1;
      io.out(`${colors.red("✗")} ${file}: ${prefix}${issue.path}: ${issue.message}\n`);
    }
  });
  if (problems === 0) io.out(`${colors.green("✓")} ${file}: ${presets.length} preset${presets.length === 1 ? "" : "s"}, no problems\n`);
  else io.out(`${problems} problem${problems === 1 ? "" : "s"} in ${file}\n`);
  return problems === 0 ? 0 : 1;
}
