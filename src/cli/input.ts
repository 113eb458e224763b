/** Reading the CLI's JSON files: one clear message naming the file and the field, never a stack trace. */

import { readFileSync } from "node:fs";
import type { GlobalSnapshot, Preset } from "../core/types/index.js";
import type { CountRange } from "./limits.js";

/** Bad input: the file is missing, not JSON, or of the wrong shape. The CLI exits with code 2. */
export class CliInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliInputError";
  }
}

const DATE_FIELDS = new Set(["createdAt", "lastInvalidatedAt", "lastBuildAt"]);

/**
 * Reads and parses a JSON file. A top-level `"$schema"` key only tells an editor which JSON Schema
 * to use (see schemas/), so it is dropped here and no command ever sees it.
 */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliInputError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot be read (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliInputError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(value) || !("$schema" in value)) return value;
  const { $schema: _editorHint, ...rest } = value;
  return rest;
}

/** Turns the ISO strings of date fields into Dates, anywhere in the value; a bad one is named. */
export function reviveDates(value: unknown, file: string, path = ""): unknown {
  if (Array.isArray(value)) return value.map((item, index) => reviveDates(item, file, `${path}[${index}]`));
  if (typeof value !== "object" || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = path === "" ? key : `${path}.${key}`;
    if (DATE_FIELDS.has(key) && typeof field === "string") {
      const date = new Date(field);
      if (Number.isNaN(date.getTime())) throw new CliInputError(`${file}: ${fieldPath}: ${JSON.stringify(field)} is not an ISO date`);
      result[key] = date;
    } else result[key] = reviveDates(field, file, fieldPath);
  }
  return result;
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A global snapshot from a file. Missing row lists default to empty; what is inside them is left
 * to the core, which reports each bad preset with its path.
 */
export function readSnapshot(file: string): GlobalSnapshot {
  const value = reviveDates(readJson(file), file);
  if (!isRecord(value)) throw new CliInputError(`${file}: expected an object with "presets", "running", … (a GlobalSnapshot)`);
  const lists = ["presets", "running", "inProgress", "pendingNonActive", "backoffs", "hardLimitedPresetIds"] as const;
  const snapshot: Record<string, unknown> = {};
  for (const list of lists) {
    const field = value[list] ?? (list === "presets" ? undefined : []);
    if (!Array.isArray(field)) throw new CliInputError(`${file}: ${list}: expected an array${field === undefined ? ", and it is missing" : ""}`);
    snapshot[list] = field;
  }
  return snapshot as unknown as GlobalSnapshot;
}

/** Presets from a file holding an array of presets, `{ "presets": [...] }`, or one preset. */
export function readPresets(file: string): { readonly presets: readonly Preset[]; readonly pathPrefix: string } {
  const value = reviveDates(readJson(file), file);
  if (Array.isArray(value)) return { presets: value as Preset[], pathPrefix: "" };
  if (isRecord(value) && Array.isArray(value["presets"])) return { presets: value["presets"] as Preset[], pathPrefix: "presets" };
  if (isRecord(value) && "id" in value) return { presets: [value as unknown as Preset], pathPrefix: "single" };
  throw new CliInputError(`${file}: expected an array of presets, an object with "presets", or one preset`);
}

/** One preset from a file (or the first of a list). */
export function readPreset(file: string): Preset {
  const { presets } = readPresets(file);
  const first = presets[0];
  if (first === undefined) throw new CliInputError(`${file}: holds no preset`);
  return first;
}

/** Parses an ISO instant given on the command line. */
export function parseInstant(text: string | undefined, option: string, fallback: Date): Date {
  if (text === undefined) return fallback;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new CliInputError(`${option}: ${JSON.stringify(text)} is not an ISO date`);
  return date;
}

/** Parses a whole number given on the command line, within `range` (both ends included). */
export function parseCount(text: string | number | undefined, option: string, fallback: number, range: CountRange): number {
  if (text === undefined) return fallback;
  const value = typeof text === "number" ? text : text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new CliInputError(`${option}: expected a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(text)}`);
  }
  return value;
}
