import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const BIN = join(process.cwd(), "dist", "cli.js");
const FIXTURES = join(process.cwd(), "test", "cli", "fixtures");
const fixture = (name: string) => join(FIXTURES, name);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm test builds it)`);
});

describe("prebuild-reconciler plan", () => {
  it("prints the plan as a table with every reason and the invalid presets", async () => {
    const { code, stdout, stderr } = await cli("plan", fixture("snapshot.json"), "--at", "2025-06-02T08:00:00Z");
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Plan at 2025-06-02T08:00:00.000Z: 2 of 3 presets need reconciling");
    expect(stdout).toContain("delete w-expired");
    expect(stdout).toContain("1 prebuild expired (1 older than the TTL of 3600 s): delete 1, oldest first");
    expect(stdout).toContain("cancelPending 2");
    expect(stdout).toContain("invalid broken\n  presets[2].desiredInstances: must be a non-negative integer, got -2");
  });

  it("prints JSON with ISO dates with --json", async () => {
    const { code, stdout } = await cli("plan", fixture("snapshot.json"), "--at", "2025-06-02T08:00:00Z", "--json");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { at: string; presets: { presetId: string; actions: { type: string; count?: number }[] }[]; invalid: { presetId: string; error: { code: string; issues: unknown[] } }[] };
    expect(plan.at).toBe("2025-06-02T08:00:00.000Z");
    expect(plan.presets.map((entry) => [entry.presetId, entry.actions.map((action) => action.type)])).toEqual([
      ["office", ["delete", "create"]],
      ["old", ["cancelPending", "delete"]],
    ]);
    expect(plan.invalid).toEqual([
      { presetId: "broken", error: expect.objectContaining({ code: "SNAPSHOT_INVALID", issues: [{ path: "presets[2].desiredInstances", message: "must be a non-negative integer, got -2" }] }) },
    ]);
  });

  it("applies a create budget with --max-creates", async () => {
    const { stdout } = await cli("plan", fixture("snapshot.json"), "--at", "2025-06-02T08:00:00Z", "--json", "--max-creates", "0");
    const plan = JSON.parse(stdout) as { presets: { actions: { type: string }[] }[] };
    expect(plan.presets.flatMap((entry) => entry.actions.map((action) => action.type))).not.toContain("create");
  });
});

describe("prebuild-reconciler validate", () => {
  it("lists every issue with its path and exits 1", async () => {
    const { code, stdout } = await cli("validate", fixture("presets-bad.json"));
    expect(code).toBe(1);
    const file = fixture("presets-bad.json");
    expect(stdout).toBe(
      [
        `✗ ${file}: [1].desiredInstances: must be a non-negative integer, got 1.5`,
        `✗ ${file}: [1].scheduling.timezone: unknown time zone "Europe/Berln"; use an IANA name such as "Europe/Berlin"`,
        `✗ ${file}: [1].scheduling.schedules[0].cron: invalid cron expression "@daily": aliases such as "@daily" are not supported; write the 5 fields`,
        `3 problems in ${file}`,
        "",
      ].join("\n"),
    );
  });

  it("exits 0 when every preset is valid", async () => {
    const { code, stdout } = await cli("validate", fixture("preset-berlin.json"));
    expect(code).toBe(0);
    expect(stdout).toContain("1 preset, no problems");
  });

  it("reports a second preset with an id already taken, as plan does, at the second one's path", async () => {
    const { code, stdout } = await cli("validate", fixture("presets-duplicate.json"));
    expect(code).toBe(1);
    const file = fixture("presets-duplicate.json");
    expect(stdout).toBe([`✗ ${file}: [2].id: duplicate preset id "office", also at [0]`, `1 problem in ${file}`, ""].join("\n"));
  });
});

describe("prebuild-reconciler preview", () => {
  it("lists each transition with local and UTC time and marks the DST change", async () => {
    const { code, stdout } = await cli("preview", fixture("preset-berlin.json"), "--from", "2025-03-29T00:00:00Z", "--days", "2");
    expect(code).toBe(0);
    const lines = stdout.split("\n").filter((line) => line.startsWith("  "));
    expect(lines.slice(0, 6).map((line) => line.trim().replace(/\s+/g, " "))).toEqual([
      "Sat 2025-03-29 01:00 GMT+1 2025-03-29T00:00Z start: 2 (schedule `* 1-3 * * *`)",
      "Sat 2025-03-29 04:00 GMT+1 2025-03-29T03:00Z 2 → 0 (base count)",
      "Sun 2025-03-30 01:00 GMT+1 2025-03-30T00:00Z 0 → 2 (schedule `* 1-3 * * *`)",
      "Sun 2025-03-30 03:00 GMT+2 2025-03-30T01:00Z DST: UTC offset +01:00 → +02:00",
      "Sun 2025-03-30 04:00 GMT+2 2025-03-30T02:00Z 2 → 0 (base count)",
      "Mon 2025-03-31 01:00 GMT+2 2025-03-30T23:00Z 0 → 2 (schedule `* 1-3 * * *`)",
    ]);
    expect(stdout).toContain("desired count, hourly:");
  });

  it("moves a rise earlier by the lead time and says what it is ahead of; falls stay", async () => {
    const { code, stdout } = await cli("preview", fixture("preset-lead-time.json"), "--from", "2025-06-02T00:00:00Z", "--days", "1");
    expect(code).toBe(0);
    const lines = stdout.split("\n").filter((line) => line.startsWith("  "));
    expect(lines.slice(0, 3).map((line) => line.trim().replace(/\s+/g, " "))).toEqual([
      "Mon 2025-06-02 02:00 GMT+2 2025-06-02T00:00Z start: 0 (base count)",
      "Mon 2025-06-02 08:30 GMT+2 2025-06-02T06:30Z 0 → 3 (schedule `* 9-17 * * 1-5`, 30 min ahead of 2025-06-02 09:00 GMT+2)",
      "Mon 2025-06-02 18:00 GMT+2 2025-06-02T16:00Z 3 → 0 (base count)",
    ]);
  });

  it("gives a lead time to the second, and never says a fall is ahead of anything", async () => {
    const seconds = await cli("preview", fixture("preset-lead-time-90s.json"), "--from", "2025-06-02T00:00:00Z", "--days", "1");
    expect(seconds.stdout).toContain("0 → 3 (schedule `* 9-17 * * 1-5`, 1 min 30 s ahead of 2025-06-02 09:00 GMT+2)");
    const { code, stdout } = await cli("preview", fixture("preset-lead-time-fall.json"), "--from", "2025-06-02T00:00:00Z", "--days", "1");
    expect(code).toBe(0);
    const lines = stdout.split("\n").filter((line) => line.startsWith("  "));
    // 08:45 is when the 30-minute window [t, t + 30 min] stops seeing the 08:00–08:44 schedule: the
    // count falls to what 09:00 will want, and that fall is not a warm-up.
    expect(lines.slice(0, 4).map((line) => line.trim().replace(/\s+/g, " "))).toEqual([
      "Mon 2025-06-02 02:00 GMT+2 2025-06-02T00:00Z start: 0 (base count)",
      "Mon 2025-06-02 07:30 GMT+2 2025-06-02T05:30Z 0 → 5 (schedule `0-44 8 * * 1-5`, 30 min ahead of 2025-06-02 08:00 GMT+2)",
      "Mon 2025-06-02 08:45 GMT+2 2025-06-02T06:45Z 5 → 3 (schedule `* 9-17 * * 1-5`)",
      "Mon 2025-06-02 18:00 GMT+2 2025-06-02T16:00Z 3 → 0 (base count)",
    ]);
  });
});

describe("prebuild-reconciler simulate", () => {
  const scenario = join(process.cwd(), "examples", "scenarios", "business-hours.json");

  it("gives the same numbers for the same seed, and different ones for another", async () => {
    const [first, second, other] = await Promise.all([
      cli("simulate", scenario, "--days", "2", "--seed", "7", "--json"),
      cli("simulate", scenario, "--days", "2", "--seed", "7", "--json"),
      cli("simulate", scenario, "--days", "2", "--seed", "8", "--json"),
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout).not.toBe(other.stdout);
    const report = JSON.parse(first.stdout) as { claims: number; hits: number; hitRate: number; buildsStarted: number; hourly: { desired: number[] } };
    expect(report.claims).toBeGreaterThan(0);
    expect(report.hitRate).toBeCloseTo(report.hits / report.claims, 10);
    expect(report.buildsStarted).toBeGreaterThan(0);
    expect(report.hourly.desired).toHaveLength(48);
  });

  // The longest run there is: had it simulated first, it would have printed its report to stdout.
  it.each([
    ["in a missing folder", join(tmpdir(), "no-such-folder-for-prebuilds", "x.svg"), "ENOENT"],
    ["that is a folder", tmpdir(), "EISDIR"],
  ])("exits 2 before simulating when the SVG path is %s", async (_, path, code) => {
    const outcome = await cli("simulate", scenario, "--days", "366", "--svg", path);
    expect(outcome).toEqual({ code: 2, stdout: "", stderr: `--svg: cannot write ${path} (${code})\n` });
  });

  it("writes a well-formed SVG holding the three series", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "prebuild-svg-")), "chart.svg");
    const { code, stdout, stderr } = await cli("simulate", scenario, "--days", "1", "--svg", out);
    expect(code).toBe(0);
    expect(stdout).toContain("hit rate");
    expect(stderr).toBe(`wrote ${out}\n`);
    const svg = readFileSync(out, "utf8");
    expect(XMLValidator.validate(svg)).toBe(true);
    const document = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg: { polyline: { "@_data-series": string; "@_points": string }[]; text: ({ "@_class"?: string; "#text": string | number } | string)[] } };
    const series = document.svg.polyline;
    expect(series.map((line) => line["@_data-series"])).toEqual(["desired", "ready", "claims per hour"]);
    for (const line of series) expect(line["@_points"].split(" ")).toHaveLength(24);
    const texts = (name: string) => document.svg.text.flatMap((text) => (typeof text === "object" && text["@_class"] === name ? [String(text["#text"])] : []));
    // Every series is a whole count, so every y tick is a whole number, from 0 up.
    const yTicks = texts("y-tick");
    expect(yTicks.length).toBeGreaterThanOrEqual(2);
    expect(yTicks.every((tick) => /^\d+$/.test(tick))).toBe(true);
    expect(yTicks[0]).toBe("0");
    const values = yTicks.map(Number);
    expect(values.every((value, index) => index === 0 || value > (values[index - 1] ?? 0))).toBe(true);
    // Day labels are UTC dates, and the axis says so.
    expect(texts("x-tick")).toEqual(["06-02"]);
    expect(texts("x-title")).toEqual(["day (UTC)"]);
  });
});

describe("prebuild-reconciler simulate with traces, --compare and --recommend", () => {
  const scenario = join(process.cwd(), "examples", "scenarios", "business-hours.json");

  it("replays a CSV trace given with --trace, or named by the scenario, claim for claim", async () => {
    const fromFlag = await cli("simulate", scenario, "--trace", fixture("claims.csv"), "--json");
    const named = await cli("simulate", fixture("scenario-trace.json"), "--json");
    for (const outcome of [fromFlag, named]) {
      expect(outcome.code).toBe(0);
      const report = JSON.parse(outcome.stdout) as { claims: number; hourly: { claims: number[] }; presets: { presetId: string; claims: number }[] };
      // All of the trace, through its last claim on the second day.
      expect({ claims: report.claims, hours: report.hourly.claims.length }).toEqual({ claims: 7, hours: 48 });
      expect(report.presets.map(({ presetId, claims }) => [presetId, claims])).toEqual([
        ["eu-dev", 5],
        ["us-dev", 2],
      ]);
      // 07:05, 07:06:30, 07:07 and 09:40+02:00 (07:40 UTC) in the hour from 07:00; 13:15 and 13:16 in the hour from 13:00.
      expect(report.hourly.claims.slice(7, 14)).toEqual([4, 0, 0, 0, 0, 0, 2]);
    }
  });

  it("says on stderr how many trace claims come after the days asked for", async () => {
    const { code, stdout, stderr } = await cli("simulate", fixture("scenario-trace.json"), "--days", "1");
    expect(code).toBe(0);
    expect(stdout).toContain("  claims                6\n");
    expect(stderr).toBe("note: 1 claim of the trace comes after the last simulated day and was not replayed\n");
  });

  it("prints the same report with --every-step", async () => {
    const [fast, everyStep] = await Promise.all([cli("simulate", scenario, "--days", "1", "--seed", "3"), cli("simulate", scenario, "--days", "1", "--seed", "3", "--every-step")]);
    expect(fast.code).toBe(0);
    expect(everyStep).toEqual(fast);
  });

  it("--compare runs every scenario on the first one's claims and prints them side by side", async () => {
    const { code, stdout, stderr } = await cli("simulate", "--compare", scenario, fixture("scenario-flat.json"), "--days", "2");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const alone = JSON.parse((await cli("simulate", scenario, "--days", "2", "--json")).stdout) as { claims: number; hitRate: number; idlePrebuildHours: number; buildsStarted: number; buildsFailed: number };
    const lines = stdout.split("\n");
    expect(lines[0]).toBe(`Compared 2 scenarios over 2 days from 2025-06-02T00:00:00.000Z, on the same ${alone.claims} claims of business-hours.json's demand (seed 1)`);
    const row = (label: string) => (lines.find((line) => line.startsWith(`  ${label}`)) ?? "").slice(2 + label.length).trim().split(/\s{3,}/);
    expect(lines[1]?.trim().split(/\s{3,}/)).toEqual(["business-hours.json", "scenario-flat.json"]);
    expect(row("served warm")[0]).toBe(`${(alone.hitRate * 100).toFixed(1)} %`);
    expect(row("idle prebuild-hours")[0]).toBe(String(alone.idlePrebuildHours));
    expect(row("builds started")[0]).toBe(String(alone.buildsStarted));
    expect(row("builds failed")[0]).toBe(String(alone.buildsFailed));
    expect(row("wait p50 / p95")).toHaveLength(2);
  });

  it("--compare --json holds each scenario's report, and --svg one line per scenario plus the claims", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "prebuild-compare-")), "compare.svg");
    const { code, stdout, stderr } = await cli("simulate", "--compare", scenario, fixture("scenario-flat.json"), "--days", "1", "--json", "--svg", out);
    expect(code).toBe(0);
    expect(stderr).toBe(`wrote ${out}\n`);
    const comparison = JSON.parse(stdout) as { days: number; seed: number; claims: number; results: { name: string; report: { claims: number } }[] };
    expect(Object.keys(comparison)).toEqual(["days", "seed", "claims", "results"]);
    expect(comparison.results.map(({ name, report }) => [name, report.claims])).toEqual([
      ["business-hours.json", comparison.claims],
      ["scenario-flat.json", comparison.claims],
    ]);
    const svg = readFileSync(out, "utf8");
    expect(XMLValidator.validate(svg)).toBe(true);
    const document = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg: { polyline: { "@_data-series": string }[] } };
    expect(document.svg.polyline.map((line) => line["@_data-series"].replace(/ \(.*\)$/, ""))).toEqual(["business-hours.json", "scenario-flat.json", "claims per hour"]);
  });

  it("--recommend prints the figures of the current and the recommended configuration, and presets to paste", async () => {
    const { code, stdout, stderr } = await cli("simulate", fixture("scenario-trace.json"), "--recommend", "--target-warm", "1");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split("\n")[0]).toBe("Recommended for 100 % of claims served warm, tuned on 2 days of claims from 2025-06-02T00:00:00.000Z (7 claims, seed 1; " + /; (\d+) simulations/.exec(stdout)?.[1] + " simulations)");
    expect(stdout).toMatch(/^ {2}served warm {11}71\.4 % +100\.0 %$/m);
    const pasted = stdout.split("\n").slice(stdout.split("\n").findIndex((line) => line.startsWith("eu-dev (Europe/Berlin)")) + 1);
    const json = pasted.slice(0, pasted.indexOf("}") + 1).join("\n");
    const preset = JSON.parse(json) as { id: string; desiredInstances: number; scheduling: { timezone: string; schedules: { cron: string; instances: number }[] } };
    expect({ id: preset.id, desiredInstances: preset.desiredInstances, timezone: preset.scheduling.timezone }).toEqual({ id: "eu-dev", desiredInstances: 0, timezone: "Europe/Berlin" });
  });

  it("--recommend --json holds the search's outcome", async () => {
    const { code, stdout } = await cli("simulate", fixture("scenario-trace.json"), "--recommend", "--json");
    expect(code).toBe(0);
    const recommendation = JSON.parse(stdout) as Record<string, unknown> & { presets: Record<string, unknown>[] };
    expect(Object.keys(recommendation)).toEqual(["targetWarmRate", "days", "seed", "metTarget", "simulations", "presets", "recommended", "current", "claims"]);
    expect(Object.keys(recommendation.presets[0] ?? {})).toEqual(["presetId", "timezone", "ratesByHourOfWeek", "rungs", "countsByHourOfWeek", "leadTimeSeconds", "preset"]);
    expect({ targetWarmRate: recommendation["targetWarmRate"], claims: recommendation["claims"], metTarget: recommendation["metTarget"] }).toEqual({ targetWarmRate: 0.99, claims: 7, metTarget: true });
  });
});

describe("bad input", () => {
  it.each([
    [["plan", "missing.json"], /missing\.json: no such file/],
    [["plan", fixture("not-json.json")], /not-json\.json: not valid JSON/],
    [["plan", fixture("no-presets.json")], /no-presets\.json: presets: expected an array, and it is missing/],
    [["plan", fixture("bad-date.json")], /bad-date\.json: running\[0\]\.createdAt: "yesterday" is not an ISO date/],
    [["plan", fixture("snapshot.json"), "--at", "noon"], /--at: "noon" is not an ISO date/],
    [["validate", fixture("not-json.json")], /not valid JSON/],
    [["preview", fixture("preset-bad.json")], /preset-bad\.json: scheduling\.schedules\[0\]\.cron: invalid cron expression "\* 25 \* \* \*": cron-parser rejected it/],
    [["preview", fixture("preset-berlin.json"), "--days", "zero"], /--days: expected a whole number from 1 to 366, got "zero"/],
    [["preview", fixture("preset-berlin.json"), "--days", "367"], /--days: expected a whole number from 1 to 366, got 367/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--days", "367"], /--days: expected a whole number from 1 to 366, got 367/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--seed", "4294967296"], /--seed: expected a whole number from 0 to 4294967295, got 4294967296/],
    [["simulate", fixture("scenario-tiny-step.json"), "--days", "7"], /scenario-tiny-step\.json: stepSeconds: 7 days of 0\.5 s steps is 1209600 steps, more than 527040; use a larger stepSeconds or fewer --days/],
    [["plan", fixture("snapshot.json"), "--max-creates", "100001"], /--max-creates: expected a whole number from 0 to 100000, got 100001/],
    [["simulate", fixture("snapshot.json")], /snapshot\.json: start: expected an ISO date/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--seed", "x"], /--seed: expected a whole number from 0 to 4294967295, got "x"/],
    [["plan", fixture("snapshot.json"), "--max-creates", "abc"], /--max-creates: expected a whole number from 0 to 100000, got "abc"/],
    [["plan", fixture("snapshot.json"), "--max-creates", "1.5"], /--max-creates: expected a whole number from 0 to 100000, got 1\.5/],
    [["simulate", fixture("scenario-bad-zone.json")], /scenario-bad-zone\.json: presets\[0\]\.demand\.timezone: unknown time zone "Mars\/Base"/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--trace", fixture("claims-bad.csv")], /claims-bad\.csv: line 3: timestamp "2025-06-02 07:06" is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--trace", fixture("missing.csv")], /missing\.csv: no such file/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), fixture("scenario-flat.json")], /simulate takes one scenario, got 2; to run several on the same claims, add --compare/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--compare"], /--compare needs at least two scenarios, got 1/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--compare", "--recommend"], /--compare and --recommend cannot be used together/],
    [["simulate", join(process.cwd(), "examples", "scenarios", "business-hours.json"), "--recommend", "--target-warm", "99"], /--target-warm: expected a share of claims above 0 and at most 1, such as 0\.99, got 99/],
    [["simulate", "--compare", join(process.cwd(), "examples", "scenarios", "business-hours.json"), fixture("snapshot.json")], /snapshot\.json: start: expected an ISO date/],
    [["simulate", "--compare", fixture("scenario-bad-zone.json"), join(process.cwd(), "examples", "scenarios", "business-hours.json")], /scenario-bad-zone\.json: presets\[0\]\.demand\.timezone: unknown time zone "Mars\/Base"/],
    [["frobnicate"], /unknown command: frobnicate/],
    [[], /usage: prebuild-reconciler/],
  ])("%j exits 2 with one clear message and no stack trace", async (args, message) => {
    const { code, stderr, stdout } = await cli(...args);
    expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("prebuild-reconciler --version", () => {
  it.each(["--version", "-v"])("%s prints the package's version alone", async (flag) => {
    const { version } = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")) as { version: string };
    expect(await cli(flag)).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});
