// The JSON Schemas in schemas/ against the CLI that reads the same files: every example validates,
// and bad inputs the CLI refuses are refused by the schema too, at the same field. This keeps the
// important rules in lockstep; it does not make the schemas a second validator.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const ROOT = process.cwd();
const SCHEMAS = join(ROOT, "schemas");
const SCHEMA_NAMES = ["preset", "snapshot", "scenario"] as const;
type SchemaName = (typeof SCHEMA_NAMES)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJsonFile(path: string): Json {
  return JSON.parse(readFileSync(path, "utf8")) as Json;
}

const schemas = Object.fromEntries(SCHEMA_NAMES.map((name) => [name, readJsonFile(join(SCHEMAS, `${name}.schema.json`))])) as Record<SchemaName, { [key: string]: Json }>;

// strict: an unknown keyword or a typo in a schema fails here instead of being ignored. Only
// strictRequired is off: it cannot see properties that come in through "$ref" (the preset's
// fields are defined once and required differently per file). Dates are checked by each schema's
// own pattern, so "date-time" is only an annotation for editors.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true, formats: { "date-time": true } });
const validators = Object.fromEntries(SCHEMA_NAMES.map((name) => [name, ajv.compile(schemas[name])])) as Record<SchemaName, ValidateFunction>;

function schemaErrors(name: SchemaName, document: Json): ErrorObject[] {
  const validate = validators[name];
  return validate(document) ? [] : [...(validate.errors ?? [])];
}

/** Whether an error is about the field at `pointer` (a missing field counts as its own path). */
function concerns(error: ErrorObject, pointer: string): boolean {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  return error.instancePath === pointer || (error.keyword === "required" && `${error.instancePath}/${missing ?? ""}` === pointer);
}

function jsonFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The schema a file names in its "$schema" key, when that is one of ours. */
function schemaOf(file: string): SchemaName | null {
  let document: Json;
  try {
    document = readJsonFile(file);
  } catch {
    return null; // the fixture of a file that is not JSON
  }
  if (typeof document !== "object" || document === null || Array.isArray(document) || typeof document["$schema"] !== "string") return null;
  const target = resolve(join(file, ".."), document["$schema"]);
  return SCHEMA_NAMES.find((name) => target === join(SCHEMAS, `${name}.schema.json`)) ?? null;
}

async function runOn(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), color: false });
  return { code, out, err };
}

const scratch = mkdtempSync(join(tmpdir(), "prebuild-schemas-"));
let written = 0;
function writeScratch(document: Json): string {
  written += 1;
  const file = join(scratch, `input-${written}.json`);
  writeFileSync(file, JSON.stringify(document));
  return file;
}

describe("the schemas", () => {
  it.each(SCHEMA_NAMES)("%s.schema.json is draft 2020-12 with its $id on the project's GitHub URL", (name) => {
    expect(schemas[name]["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schemas[name]["$id"]).toBe(`https://github.com/prebuild-reconciler/prebuild-reconciler/raw/main/schemas/${name}.schema.json`);
  });

  it("share one definition of a preset and its parts (each schema is self-contained for editors)", () => {
    const presetDefinitions = schemas.preset["$defs"] as { [key: string]: Json };
    for (const name of ["snapshot", "scenario"] as const) {
      const definitions = schemas[name]["$defs"] as { [key: string]: Json };
      for (const part of ["presetFields", "scheduling", "schedule", "cron", "timezone", "isoDate", "count", "id"]) {
        expect({ schema: name, part, definition: definitions[part] }).toEqual({ schema: name, part, definition: presetDefinitions[part] });
      }
    }
    expect((schemas.snapshot["$defs"] as { [key: string]: Json })["preset"]).toEqual(presetDefinitions["preset"]);
  });
});

describe("every JSON file in examples/", () => {
  const files = jsonFilesUnder(join(ROOT, "examples"));

  it("is there to check", () => {
    expect(files.map((file) => relative(ROOT, file))).toEqual(["examples/scenarios/business-hours.json", "examples/snapshots/no-creates.json"]);
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))("%s names its schema and validates against it", (_, file) => {
    const name = schemaOf(file);
    expect(name).not.toBeNull();
    expect(schemaErrors(name ?? "preset", readJsonFile(file))).toEqual([]);
  });

  it("and the test fixture that names a schema validate", () => {
    const named = jsonFilesUnder(join(ROOT, "test", "cli", "fixtures")).filter((file) => schemaOf(file) !== null);
    expect(named.map((file) => relative(ROOT, file))).toEqual(["test/cli/fixtures/preset-berlin.json"]);
    for (const file of named) expect(schemaErrors(schemaOf(file) ?? "preset", readJsonFile(file))).toEqual([]);
  });
});

const presetBase = readJsonFile(join(ROOT, "test", "cli", "fixtures", "preset-berlin.json"));
const snapshotBase = readJsonFile(join(ROOT, "examples", "snapshots", "no-creates.json"));
const scenarioBase = readJsonFile(join(ROOT, "examples", "scenarios", "business-hours.json"));

/** A deep copy of `base` with `change` applied to it. */
function changed(base: Json, change: (document: any) => void): Json {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

const AT = ["--at", "2025-06-02T06:00:00Z"];
const SIMULATE = ["--days", "1"];

describe("the base documents (each with a $schema key)", () => {
  it.each([
    ["preset", "validate", [] as string[], presetBase],
    ["snapshot", "plan", AT, snapshotBase],
    ["scenario", "simulate", SIMULATE, scenarioBase],
  ] as const)("a %s file is accepted by the schema and by `%s`", async (name, command, options, document) => {
    expect(schemaErrors(name, document)).toEqual([]);
    const outcome = await runOn([command, writeScratch(document), ...options]);
    expect({ code: outcome.code, err: outcome.err }).toEqual({ code: 0, err: "" });
  });
});

interface BadInput {
  readonly schema: SchemaName;
  readonly document: Json;
  readonly command: readonly string[];
  /** The field as a JSON pointer, for the schema's errors. */
  readonly pointer: string;
  readonly exitCode: 1 | 2;
  /** What the CLI says about it. */
  readonly message: string;
}

// `validate` exits 1 for problems inside presets and 2 for a file it cannot read as presets.
const badInputs: Record<string, BadInput> = {
  "a fractional desiredInstances": { schema: "preset", document: changed(presetBase, (preset) => (preset.desiredInstances = 1.5)), command: ["validate"], pointer: "/desiredInstances", exitCode: 1, message: "desiredInstances: must be a non-negative integer, got 1.5" },
  "an empty id": { schema: "preset", document: changed(presetBase, (preset) => (preset.id = "")), command: ["validate"], pointer: "/id", exitCode: 1, message: "id: must be a non-empty string" },
  "a negative ttlSeconds": { schema: "preset", document: changed(presetBase, (preset) => (preset.ttlSeconds = -5)), command: ["validate"], pointer: "/ttlSeconds", exitCode: 1, message: "ttlSeconds: must be a non-negative whole number of seconds or null, got -5" },
  "a cron alias": { schema: "preset", document: changed(presetBase, (preset) => (preset.scheduling.schedules[0].cron = "@daily")), command: ["validate"], pointer: "/scheduling/schedules/0/cron", exitCode: 1, message: 'scheduling.schedules[0].cron: invalid cron expression "@daily"' },
  "a cron of four fields": { schema: "preset", document: changed(presetBase, (preset) => (preset.scheduling.schedules[0].cron = "* 1-3 * *")), command: ["validate"], pointer: "/scheduling/schedules/0/cron", exitCode: 1, message: "expected 5 fields" },
  "schedules without a time zone": { schema: "preset", document: changed(presetBase, (preset) => delete preset.scheduling.timezone), command: ["validate"], pointer: "/scheduling/timezone", exitCode: 1, message: "scheduling.timezone: is required when schedules are given" },
  "an offset for a time zone": { schema: "preset", document: changed(presetBase, (preset) => (preset.scheduling.timezone = "+01:00")), command: ["validate"], pointer: "/scheduling/timezone", exitCode: 1, message: 'unknown time zone "+01:00"' },
  "a negative schedule count": { schema: "preset", document: changed(presetBase, (preset) => (preset.scheduling.schedules[0].instances = -1)), command: ["validate"], pointer: "/scheduling/schedules/0/instances", exitCode: 1, message: "instances: must be a non-negative integer, got -1" },
  "a lastInvalidatedAt that is no date": { schema: "preset", document: changed(presetBase, (preset) => (preset.lastInvalidatedAt = "yesterday")), command: ["validate"], pointer: "/lastInvalidatedAt", exitCode: 2, message: 'lastInvalidatedAt: "yesterday" is not an ISO date' },
  "a snapshot without presets": { schema: "snapshot", document: changed(snapshotBase, (snapshot) => delete snapshot.presets), command: ["plan", ...AT], pointer: "/presets", exitCode: 2, message: "presets: expected an array, and it is missing" },
  "a running list that is no list": { schema: "snapshot", document: changed(snapshotBase, (snapshot) => (snapshot.running = "none")), command: ["plan", ...AT], pointer: "/running", exitCode: 2, message: "running: expected an array" },
  "a createdAt that is no date": { schema: "snapshot", document: changed(snapshotBase, (snapshot) => (snapshot.running[0].createdAt = "yesterday")), command: ["plan", ...AT], pointer: "/running/0/createdAt", exitCode: 2, message: 'running[0].createdAt: "yesterday" is not an ISO date' },
  "a lastBuildAt that is no date": { schema: "snapshot", document: changed(snapshotBase, (snapshot) => (snapshot.backoffs[0].lastBuildAt = "2025-13-01T00:00:00Z")), command: ["plan", ...AT], pointer: "/backoffs/0/lastBuildAt", exitCode: 2, message: 'backoffs[0].lastBuildAt: "2025-13-01T00:00:00Z" is not an ISO date' },
  "a snapshot preset with a negative count": { schema: "snapshot", document: changed(snapshotBase, (snapshot) => (snapshot.presets[0].desiredInstances = -2)), command: ["validate"], pointer: "/presets/0/desiredInstances", exitCode: 1, message: "presets[0].desiredInstances: must be a non-negative integer, got -2" },
  "a scenario without a start": { schema: "scenario", document: changed(scenarioBase, (scenario) => delete scenario.start), command: ["simulate", ...SIMULATE], pointer: "/start", exitCode: 2, message: "start: expected an ISO date" },
  "a step of 0 seconds": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.stepSeconds = 0)), command: ["simulate", ...SIMULATE], pointer: "/stepSeconds", exitCode: 2, message: "stepSeconds: expected a number of seconds > 0, got 0" },
  "a negative claimSeconds": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.claimSeconds = -1)), command: ["simulate", ...SIMULATE], pointer: "/claimSeconds", exitCode: 2, message: "claimSeconds: expected a number of seconds ≥ 0, got -1" },
  "a failure rate above 1": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.build.failureRate = 1.5)), command: ["simulate", ...SIMULATE], pointer: "/build/failureRate", exitCode: 2, message: "build.failureRate: expected a number from 0 to 1, got 1.5" },
  "a build capacity of 0": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.build.capacity = 0)), command: ["simulate", ...SIMULATE], pointer: "/build/capacity", exitCode: 2, message: "build.capacity: expected a positive whole number or null, got 0" },
  "no presets to simulate": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.presets = [])), command: ["simulate", ...SIMULATE], pointer: "/presets", exitCode: 2, message: "presets: expected a non-empty array" },
  "an expression that does not parse": { schema: "preset", document: changed(presetBase, (preset) => (preset.desiredInstancesExpression = "")), command: ["validate"], pointer: "/desiredInstancesExpression", exitCode: 1, message: "desiredInstancesExpression:" },
  "a fractional lead time": { schema: "preset", document: changed(presetBase, (preset) => (preset.scheduling.leadTimeSeconds = 1.5)), command: ["validate"], pointer: "/scheduling/leadTimeSeconds", exitCode: 1, message: "scheduling.leadTimeSeconds:" },
  "an unknown policy setting": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.policy = { maxCreatesPerCycel: 3 })), command: ["simulate", ...SIMULATE], pointer: "/policy", exitCode: 2, message: "policy.maxCreatesPerCycel: is not a policy setting; did you mean maxCreatesPerCycle?" },
  "a claim instant without an offset": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.presets[0].demand = { claims: ["2025-06-02T08:00:00"] })), command: ["simulate", ...SIMULATE], pointer: "/presets/0/demand/claims/0", exitCode: 2, message: 'presets[0].demand.claims[0]: "2025-06-02T08:00:00" is not an ISO 8601 date-time with an offset' },
  "a scenario preset with a negative count": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.presets[0].desiredInstances = -1)), command: ["simulate", ...SIMULATE], pointer: "/presets/0/desiredInstances", exitCode: 2, message: "presets[0].desiredInstances: must be a non-negative integer, got -1" },
  "a preset without demand": { schema: "scenario", document: changed(scenarioBase, (scenario) => delete scenario.presets[0].demand), command: ["simulate", ...SIMULATE], pointer: "/presets/0/demand", exitCode: 2, message: "presets[0].demand: expected an object" },
  "23 weekday rates": { schema: "scenario", document: changed(scenarioBase, (scenario) => scenario.presets[0].demand.weekdays.pop()), command: ["simulate", ...SIMULATE], pointer: "/presets/0/demand/weekdays", exitCode: 2, message: "presets[0].demand.weekdays: expected 24 claim rates per hour" },
  "a negative rate": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.presets[1].demand.weekdays[9] = -1)), command: ["simulate", ...SIMULATE], pointer: "/presets/1/demand/weekdays/9", exitCode: 2, message: "presets[1].demand.weekdays: expected 24 claim rates per hour (numbers ≥ 0)" },
  "an offset for a demand time zone": { schema: "scenario", document: changed(scenarioBase, (scenario) => (scenario.presets[1].demand.timezone = "-05:00")), command: ["simulate", ...SIMULATE], pointer: "/presets/1/demand/timezone", exitCode: 2, message: 'presets[1].demand.timezone: unknown time zone "-05:00"' },
};

describe("a scenario with every kind of input", () => {
  it("(a trace file, a policy, a target expression, a lead time, inline claims) is accepted by the schema and by `simulate`", async () => {
    const document = changed(scenarioBase, (scenario) => {
      scenario.policy = { scaleDownStabilizationMs: 300_000, backoff: { kind: "exponential", capMs: 600_000 } };
      scenario.presets[0].desiredInstancesExpression = "max(scheduled_target, claims_10m) + min(misses_30m, 6)";
      scenario.presets[0].scheduling.leadTimeSeconds = 600;
      scenario.presets[1].demand = { claims: ["2025-06-02T14:00:00Z", "2025-06-02T16:30:00-04:00"] };
    });
    expect(schemaErrors("scenario", document)).toEqual([]);
    expect(await runOn(["simulate", writeScratch(document), ...SIMULATE])).toMatchObject({ code: 0, err: "" });
    writeFileSync(join(scratch, "claims.csv"), "timestamp,preset\n2025-06-02T08:00:00Z,eu-dev\n2025-06-02T14:00:00Z,us-dev\n");
    const traced = changed(scenarioBase, (scenario) => {
      scenario.trace = "claims.csv";
      for (const preset of scenario.presets) delete preset.demand;
    });
    expect(schemaErrors("scenario", traced)).toEqual([]);
    const outcome = await runOn(["simulate", writeScratch(traced), "--json"]);
    expect({ code: outcome.code, err: outcome.err, claims: (JSON.parse(outcome.out) as { claims: number }).claims }).toEqual({ code: 0, err: "", claims: 2 });
  });
});

describe("bad inputs the CLI refuses", () => {
  it.each(Object.entries(badInputs))("%s: the CLI and the schema both refuse it, at that field", async (_, bad) => {
    const [command = "", ...options] = bad.command;
    const outcome = await runOn([command, writeScratch(bad.document), ...options]);
    expect(outcome.code).toBe(bad.exitCode);
    expect(outcome.err + outcome.out).toContain(bad.message);
    const errors = schemaErrors(bad.schema, bad.document);
    expect(errors.some((error) => concerns(error, bad.pointer)), JSON.stringify(errors, null, 1)).toBe(true);
  });
});
