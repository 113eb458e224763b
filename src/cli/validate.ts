/** `validate <presets.json>`: every configuration problem, with its path. */

import pc from "picocolors";
import { validatePreset } from "../core/validate/index.js";
import { readPresets } from "./input.js";
import type { CommandIo } from "./io.js";

/** Runs `validate`; resolves to 1 when any preset has a problem, else 0. */
export function validateCommand(file: string, io: CommandIo): number {
  const colors = pc.createColors(io.color);
  const { presets, pathPrefix } = readPresets(file);
  let problems = 0;
  presets.forEach((preset, index) => {
    const prefix = pathPrefix === "single" ? "" : `${pathPrefix === "" ? "" : `${pathPrefix}`}[${index}].`;
    for (const issue of validatePreset(preset)) {
      problems += 1;
      io.out(`${colors.red("✗")} ${file}: ${prefix}${issue.path}: ${issue.message}\n`);
    }
  });
  if (problems === 0) io.out(`${colors.green("✓")} ${file}: ${presets.length} preset${presets.length === 1 ? "" : "s"}, no problems\n`);
  else io.out(`${problems} problem${problems === 1 ? "" : "s"} in ${file}\n`);
  return problems === 0 ? 0 : 1;
}
