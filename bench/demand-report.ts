/**
 * Writes docs/demand.md: how to write target expressions, and the comparisons of issue 12's goal
 * on the demand of examples/scenarios/business-hours.json, every figure computed here by
 * simulation. Deterministic: the same code gives the same page. `npm run demand:report` (about a
 * minute); `--print` writes the page to stdout instead.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../src/cli/main.js";
import { compileTargetExpression, evaluateTargetExpression, TARGET_EXPRESSION_INPUTS, type TargetExpressionInputs } from "../src/core/expression/index.js";
import { wallClockAt } from "../src/core/timezone.js";
import {
  materializeDemand,
  recommendConfiguration,
  simulate,
  withTrace,
  type ClaimTrace,
  type Recommendation,
  type ScenarioPreset,
  type SimulationReport,
  type SimulationScenario,
} from "../src/testing.js";

const ROOT = join(import.meta.dirname, "..");
const SCENARIO_FILE = "examples/scenarios/business-hours.json";
const { $schema: _editorHint, ...scenario } = JSON.parse(readFileSync(join(ROOT, SCENARIO_FILE), "utf8")) as SimulationScenario & { $schema?: string };
const DAYS = 7;
const SEED = 1;
const HELD_OUT_SEEDS = [2, 3, 4, 5];
const BUILD_SEEDS = [1, 2, 3, 4, 5];
const TARGET = 0.99;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The expression of the robustness comparison. */
const EXPRESSION = "max(scheduled_target, claims_10m) + (claims_10m > 0 ? 1 : 0) + min(misses_30m, 6)";
/** Weekday working hours of the uniform schedules: 08:00 to 18:59 in each preset's zone, as the example's eu-dev schedule. */
const WORKING_HOURS = "* 8-18 * * 1-5";

const progress = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

function zoneOf(preset: ScenarioPreset): string {
  const demand = preset.demand;
  return demand !== undefined && "timezone" in demand && demand.timezone !== undefined ? demand.timezone : "UTC";
}

/** The scenario with its presets' counts replaced by `counts(preset)`. */
function configured(base: SimulationScenario, change: (preset: ScenarioPreset, index: number) => Partial<ScenarioPreset>): SimulationScenario {
  return { ...base, presets: base.presets.map((preset, index) => ({ ...preset, ...change(preset, index) })) };
}

async function on(configuration: SimulationScenario, trace: ClaimTrace, seed = SEED): Promise<SimulationReport> {
  return simulate(withTrace(configuration, trace), { days: DAYS, seed });
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const hours = (value: number) => value.toFixed(1);

// ── tuning ────────────────────────────────────────────────────────────────────

interface Uniform {
  readonly counts: readonly (readonly [number, number])[];
  readonly leadTimeSeconds: number;
}

function uniformScenario(uniform: Uniform): SimulationScenario {
  return configured(scenario, (preset, index) => {
    const [working, base] = uniform.counts[index] ?? [0, 0];
    return {
      desiredInstances: base,
      scheduling: { timezone: zoneOf(preset), schedules: [{ cron: WORKING_HOURS, instances: working }], ...(uniform.leadTimeSeconds > 0 ? { leadTimeSeconds: uniform.leadTimeSeconds } : {}) },
    };
  });
}

function describeUniform(uniform: Uniform): string {
  const parts = scenario.presets.map((preset, index) => {
    const [working, base] = uniform.counts[index] ?? [0, 0];
    return `${preset.id} ${working} in working hours, ${base} otherwise`;
  });
  return `${parts.join("; ")}; lead time ${uniform.leadTimeSeconds} s`;
}

/** Every uniform schedule of the grid, on the tuning week: the best one that serves the target warm. */
async function bestUniform(trace: ClaimTrace): Promise<{ uniform: Uniform; report: SimulationReport; tried: number; meeting: number }> {
  const replenish = (scenario.build?.maxLatencySeconds ?? 300) + 2 * (scenario.stepSeconds ?? 60);
  const ranges = [
    { working: [1, 2, 3, 4, 5], base: [0, 1, 2] },
    { working: [1, 2, 3, 4], base: [0, 1] },
  ];
  const grid: Uniform[] = [];
  for (const leadTimeSeconds of [0, replenish]) {
    for (const euWorking of ranges[0]?.working ?? []) for (const euBase of ranges[0]?.base ?? []) {
      if (euBase > euWorking) continue;
      for (const usWorking of ranges[1]?.working ?? []) for (const usBase of ranges[1]?.base ?? []) {
        if (usBase <= usWorking) grid.push({ counts: [[euWorking, euBase], [usWorking, usBase]], leadTimeSeconds });
      }
    }
  }
  let best: { uniform: Uniform; report: SimulationReport } | null = null;
  let meeting = 0;
  for (const uniform of grid) {
    const report = await on(uniformScenario(uniform), trace);
    if (report.hitRate < TARGET) continue;
    meeting += 1;
    if (best === null || report.idlePrebuildHours < best.report.idlePrebuildHours) best = { uniform, report };
  }
  if (best === null) throw new Error("no uniform schedule of the grid reaches the target");
  return { ...best, tried: grid.length, meeting };
}

function recommendedScenario(recommendation: Recommendation, extra: Partial<ScenarioPreset> = {}): SimulationScenario {
  return configured(scenario, (_, index) => {
    const { desiredInstances, scheduling } = recommendation.presets[index]?.preset ?? { desiredInstances: 0, scheduling: null };
    return { desiredInstances, scheduling: scheduling ?? null, ...extra };
  });
}

// ── departures ────────────────────────────────────────────────────────────────

function departures(base: ClaimTrace): { readonly name: string; readonly description: string; readonly trace: ClaimTrace }[] {
  const startMs = Date.parse(String(scenario.start));
  const tuesday = (atMs: number) => atMs >= startMs + DAY_MS && atMs < startMs + 2 * DAY_MS;
  const secondDraw = materializeDemand(scenario, { days: DAYS, seed: 99 }).filter((claim) => tuesday(claim.at.getTime()));
  const burstStartMs = Date.parse("2025-06-04T12:00:00Z");
  const burst = Array.from({ length: 20 }, (_, index) => ({ at: new Date(burstStartMs + index * 90_000), presetId: "eu-dev" }));
  const zones = new Map(scenario.presets.map((preset) => [preset.id, zoneOf(preset)]));
  const early = base.map((claim) => {
    const wall = wallClockAt(zones.get(claim.presetId) ?? "UTC", claim.at.getTime());
    return wall.dayOfWeek >= 1 && wall.dayOfWeek <= 5 && wall.hour < 12 ? { ...claim, at: new Date(claim.at.getTime() - 2 * HOUR_MS) } : claim;
  });
  return [
    { name: "as tuned for", description: "the tuning week itself", trace: base },
    { name: "twice the claims on one day", description: `Tuesday (UTC) gets a second, independent draw of its claims: ${secondDraw.length} more`, trace: [...base, ...secondDraw] },
    { name: "a burst of 20 claims in 30 minutes", description: "eu-dev, Wednesday from 14:00 Berlin time, one claim every 90 s", trace: [...base, ...burst] },
    { name: "the morning rush two hours early", description: "every weekday claim before noon (local time) comes two hours earlier", trace: early },
  ];
}

// ── the page ──────────────────────────────────────────────────────────────────

async function cliOutput(args: readonly string[]): Promise<string> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), color: false });
  if (code !== 0 || err !== "") throw new Error(`prebuild-reconciler ${args.join(" ")} exited ${code}: ${err}`);
  return out.trimEnd();
}

function example(source: string, inputs: Partial<TargetExpressionInputs>): string {
  const compiled = compileTargetExpression(source);
  if (!compiled.ok) return `compile error: ${compiled.message}`;
  const all = Object.fromEntries(TARGET_EXPRESSION_INPUTS.map((name) => [name, inputs[name] ?? 0])) as unknown as TargetExpressionInputs;
  const result = evaluateTargetExpression(compiled.expression, all);
  return result.ok ? String(result.value) : `error (${result.message}): the preset gets its scheduled target`;
}

function inputsText(inputs: Partial<TargetExpressionInputs>): string {
  return Object.entries(inputs)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
}

async function main(): Promise<void> {
  progress(`tuning week: ${DAYS} days of ${SCENARIO_FILE}, seed ${SEED}`);
  const trace = materializeDemand(scenario, { days: DAYS, seed: SEED });
  const current = await on(scenario, trace);
  progress("recommendation (a week)");
  const recommendation = await recommendConfiguration(scenario, { days: DAYS, seed: SEED, targetWarmRate: TARGET });
  progress("recommendation (four weeks)");
  const longer = await recommendConfiguration(scenario, { days: 28, seed: SEED, targetWarmRate: TARGET });
  progress("uniform schedules (the grid)");
  const uniform = await bestUniform(trace);
  const ratio = recommendation.recommended.idlePrebuildHours / uniform.report.idlePrebuildHours;
  const tuningMet = recommendation.recommended.hitRate >= TARGET && ratio <= 0.65;

  progress("held-out weeks");
  const heldOutConfigurations = [
    { name: "current (the example's schedules)", configuration: scenario },
    { name: "best uniform, tuned on the week", configuration: uniformScenario(uniform.uniform) },
    { name: "recommended, tuned on the week", configuration: recommendedScenario(recommendation) },
    { name: "recommended, tuned on four weeks", configuration: recommendedScenario(longer) },
  ];
  const heldOut: string[] = [];
  const heldOutIdle: number[] = [];
  const heldOutWorst: number[] = [];
  for (const { name, configuration } of heldOutConfigurations) {
    const reports: SimulationReport[] = [];
    for (const seed of HELD_OUT_SEEDS) reports.push(await on(configuration, materializeDemand(scenario, { days: DAYS, seed }), seed));
    const rates = reports.map((report) => report.hitRate);
    const idle = reports.reduce((sum, report) => sum + report.idlePrebuildHours, 0) / reports.length;
    heldOutIdle.push(idle);
    heldOutWorst.push(Math.min(...rates));
    heldOut.push(`| ${name} | ${rates.map(percent).join(" · ")} | ${percent(Math.min(...rates))} | ${hours(idle)} |`);
  }
  const [, uniformIdle = 0, weekIdle = 0, monthIdle = 0] = heldOutIdle;
  const monthWorst = heldOutWorst[3] ?? 0;

  progress("departures");
  const staticConfiguration = recommendedScenario(recommendation);
  const expressionConfiguration = recommendedScenario(recommendation, { desiredInstancesExpression: EXPRESSION });
  const robustnessRows: string[] = [];
  const robustnessTotals: string[] = [];
  let robustnessMet = true;
  let undisturbedRatio = 0;
  for (const [index, departure] of departures(trace).entries()) {
    const tuned = await on(staticConfiguration, departure.trace);
    const reactive = await on(expressionConfiguration, departure.trace);
    const idleRatio = reactive.idlePrebuildHours / tuned.idlePrebuildHours;
    if (index === 0) undisturbedRatio = idleRatio;
    const better = reactive.hits > tuned.hits;
    const verdict = index === 0 ? "(no departure)" : better && idleRatio <= 1.2 ? "✓" : "✗";
    if (index > 0 && verdict !== "✓") robustnessMet = false;
    robustnessRows.push(
      `| ${departure.name} | ${departure.description} | ${tuned.claims} | ${tuned.hits} (${percent(tuned.hitRate)}) | ${reactive.hits} (${percent(reactive.hitRate)}) | ${hours(tuned.idlePrebuildHours)} | ${hours(reactive.idlePrebuildHours)} | ${idleRatio.toFixed(2)}× | ${verdict} |`,
    );
    let tunedHits = 0;
    let reactiveHits = 0;
    let tunedIdle = 0;
    let reactiveIdle = 0;
    for (const seed of BUILD_SEEDS) {
      const staticRun = seed === SEED ? tuned : await on(staticConfiguration, departure.trace, seed);
      const reactiveRun = seed === SEED ? reactive : await on(expressionConfiguration, departure.trace, seed);
      tunedHits += staticRun.hits;
      reactiveHits += reactiveRun.hits;
      tunedIdle += staticRun.idlePrebuildHours;
      reactiveIdle += reactiveRun.idlePrebuildHours;
    }
    robustnessTotals.push(`| ${departure.name} | ${tuned.claims * BUILD_SEEDS.length} | ${tunedHits} | ${reactiveHits} | ${(reactiveIdle / tunedIdle).toFixed(2)}× |`);
  }

  progress("command-line outputs");
  const recommendOutput = await cliOutput(["simulate", SCENARIO_FILE, "--recommend"]);

  const ladders = recommendation.presets
    .map(({ presetId, rungs }) => `${presetId} ${rungs.map((rung, index) => `${index + 1} from ${Number(rung.toFixed(3))}`).join(", ")}`)
    .join("; ");
  const uniformBases = uniform.uniform.counts.map(([, base], index) => `${scenario.presets[index]?.id} ${base}`).join(", ");
  const page = `# Demand-aware pools: target expressions, lead time, and proving a configuration

<!-- Generated by \`npm run demand:report\` (bench/demand-report.ts): edit the script, not this page. -->

A preset's size comes from \`desiredInstances\` and its cron schedules, and, when you want the pool to
follow the people who actually arrive, from a **target expression**: a formula evaluated every
cycle over the pool's state and the claims and misses of the last minutes. This page says how to
write one, how to try a configuration on your own demand before deploying it (simulate a trace,
compare configurations, let the simulator recommend one), and shows what it buys on the demand of
[${SCENARIO_FILE}](../${SCENARIO_FILE}). Every figure below is computed by simulation when the page is
generated.

Contents: [writing expressions](#writing-expressions) ·
[lead time and stabilization](#lead-time-and-scale-down-stabilization) ·
[proving a configuration](#proving-a-configuration-on-your-demand) ·
[the comparisons](#the-comparisons) · [choosing the evaluator](#choosing-the-evaluator)

## Writing expressions

\`Preset.desiredInstancesExpression\` (a string, or \`null\` for none). When an active preset has one,
its desired count is the expression's value instead of the scheduled target; the schedules still
matter, through the input \`scheduled_target\`. The syntax is that of the Go system's expressions
(expr-lang), so an expression written for one works in the other:

| | |
| --- | --- |
| numbers | \`3\`, \`2.5\`, \`.5\`, \`1e3\`; \`true\`, \`false\` |
| arithmetic | \`+ - * / %\` (\`/\` divides exactly: \`7 / 2\` is 3.5), \`**\` power |
| comparisons | \`== != < <= > >=\`; a chain \`a < b <= c\` means \`a < b && b <= c\` |
| logic | \`&& \\|\\| !\`, or \`and or not\`; only on comparisons (a number is not a condition) |
| choice | \`cond ? a : b\`, grouping to the right |
| functions | \`clamp(value, low, high)\`, \`min(a, …)\`, \`max(a, …)\`, \`ceil\`, \`floor\`, \`round\` (half away from zero), \`abs\` |

### Inputs

| input | what it is |
| --- | --- |
| \`scheduled_target\` | the count the schedules give now (\`desiredInstances\` when none matches), lead time included |
| \`running\` | running prebuilds that have not expired (ready or not) |
| \`eligible\` | of those, the ones ready to be claimed |
| \`starting\` | create builds in flight (and creates asked for that the store does not show yet) |
| \`stopping\`, \`deleting\` | stop and delete builds in flight |
| \`expired\` | running prebuilds past their TTL or invalidation, about to be deleted |
| \`claims_5m\` … \`claims_120m\` | claims that got a prebuild in the last 5, 10, 30, 60 or 120 minutes |
| \`misses_5m\` … \`misses_120m\` | claims in those windows that found nothing ready and were built cold |
| \`claim_rate_5m\` … \`claim_rate_120m\` | claims per minute over the window: \`claims_Wm / W\` |
| \`hour\`, \`weekday\` | the wall-clock hour (0–23) and day (0 is Sunday) in the preset's scheduling zone (UTC without one) |

The desired count includes the builds in flight: the reconciler creates \`desired − running −
starting\` when that is positive. Demand windows count an event while \`at > now − W\`, so an event
stamped a few seconds ahead by another replica's clock counts too.

### The value

The value must be a finite whole number (\`2.0\` is 2; \`2.5\` is an error); it is clamped to
\`[0, policy.maxExpressionTarget]\` (100 by default, the Go system's safety ceiling). An expression
that does not compile is reported by \`validatePreset\` (and \`prebuild-reconciler validate\`) with its
path and column, at configuration time. At planning time a preset whose expression fails still gets
its scheduled target, so a typo never leaves a pool unmanaged; its state says so
(\`targetSource: "expressionFallback"\`, \`expressionError\`), the reason names the source ("desired 5
(expression …)"), and the \`expressionFallback\` gauge counts such presets.

### Worked examples

| expression | meaning | inputs | value |
| --- | --- | --- | --- |
| \`max(scheduled_target, ceil(claim_rate_30m * 10))\` | the schedule, or the claims of the next 10 minutes at the last half hour's pace, whichever is more | ${inputsText({ scheduled_target: 2, claim_rate_30m: 0.5 })} | ${example("max(scheduled_target, ceil(claim_rate_30m * 10))", { scheduled_target: 2, claims_30m: 15, claim_rate_30m: 0.5 })} |
| \`hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0\` | in office hours, as many as were claimed in the last hour, 2 to 20; none at night | ${inputsText({ hour: 12, claims_60m: 7 })} | ${example("hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0", { hour: 12, claims_60m: 7 })} |
| (the same) | | ${inputsText({ hour: 20, claims_60m: 7 })} | ${example("hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0", { hour: 20, claims_60m: 7 })} |
| \`misses_10m > 0 ? eligible + misses_10m : scheduled_target\` | after misses, one more per miss on top of what is ready | ${inputsText({ misses_10m: 2, eligible: 1, scheduled_target: 4 })} | ${example("misses_10m > 0 ? eligible + misses_10m : scheduled_target", { misses_10m: 2, eligible: 1, scheduled_target: 4 })} |
| \`${EXPRESSION}\` | the schedule, or as many as the last 10 minutes' claims; one spare while people arrive; one more per recent miss (at most 6). Used in [the robustness comparison](#robustness) | ${inputsText({ scheduled_target: 2, claims_10m: 3, misses_30m: 1 })} | ${example(EXPRESSION, { scheduled_target: 2, claims_10m: 3, misses_30m: 1 })} |
| (the same, at night) | nothing scheduled, nobody arriving: nothing | ${inputsText({ scheduled_target: 0, claims_10m: 0, misses_30m: 0 })} | ${example(EXPRESSION, { scheduled_target: 0, claims_10m: 0, misses_30m: 0 })} |
| \`weekday == 0 \\|\\| weekday == 6 ? min(scheduled_target, 1) : scheduled_target\` | at most one prebuild at weekends | ${inputsText({ weekday: 6, scheduled_target: 3 })} | ${example("weekday == 0 || weekday == 6 ? min(scheduled_target, 1) : scheduled_target", { weekday: 6, scheduled_target: 3 })} |
| \`claims_30m / 4\` | a fraction is an error at run time | ${inputsText({ claims_30m: 2 })} | ${example("claims_30m / 4", { claims_30m: 2 })} |
| \`ceil(claims_30m / 4)\` | round up instead | ${inputsText({ claims_30m: 2 })} | ${example("ceil(claims_30m / 4)", { claims_30m: 2 })} |

Write expressions that fall back to the schedule when nobody is arriving (the one used below gives
exactly \`scheduled_target\` then), bound what a burst can ask for (\`min(misses_30m, 6)\`,
\`clamp(…)\`), and remember that windows look back: a pool that follows \`claims_10m\` grows after
people arrive, a build time late. Warming up ahead is the schedules' job, with a lead time.

## Lead time and scale-down stabilization

\`scheduling.leadTimeSeconds\` (whole seconds): the scheduled target at \`t\` is the largest scheduled
count at any instant of \`[t, t + leadTimeSeconds]\`, so a pool is full when its window opens instead
of starting to build then; falling edges stay where they are. \`prebuild-reconciler preview\` shows
it. Set it to about one build time.

\`policy.scaleDownStabilizationMs\` (off by default): surplus is deleted only once the desired count
has been below the running count for that long, so a target that follows demand does not delete
prebuilds built minutes ago when a quiet minute follows a burst; scale-up is never delayed. The
Reconciler keeps each preset's recent desired counts and passes them into the plan, so the core
stays pure.

## Proving a configuration on your demand

The simulator runs a real \`Reconciler\` on the in-memory world (\`prebuild-reconciler/testing\`) over
simulated time, with your presets, your policy and builds that take the time and fail as often as
you say, and counts what users and the bill would see: claims served warm, waits, idle
prebuild-hours, builds. From the command line it is \`prebuild-reconciler simulate\`
([docs/cli.md](cli.md#simulate)); from code:

\`\`\`ts
import { compareScenarios, parseClaimTrace, recommendConfiguration, simulate } from "prebuild-reconciler/testing";

const report = await simulate(scenario, { days: 30, seed: 7 });          // rates drawn with the seed, or a trace
const trace = parseClaimTrace(readFileSync("claims.csv", "utf8"));       // timestamp,preset rows; a bad row names its line
const replayed = await simulate({ ...scenario, trace, presets: presetsWithoutDemand }, {});
const { results } = await compareScenarios([{ name: "today", scenario }, { name: "candidate", scenario: candidate }]);
const recommendation = await recommendConfiguration(scenario, { targetWarmRate: 0.99, days: 28 });
\`\`\`

- **Demand** is either rates (claims per hour for each hour of the week, in a zone; each step draws
  its claims from a Poisson distribution) or a **trace**: the instants of real claims, inline per
  preset (\`"demand": { "claims": [...] }\`) or a CSV file of \`timestamp,preset\` rows for all presets
  (\`"trace": "claims.csv"\` in the scenario, or \`--trace claims.csv\`). A trace is replayed exactly:
  each claim is made at its instant, once. Export last month's claims from your database, and replay
  them against a candidate configuration before deploying it.
- **Speed.** The in-memory store indexes what a snapshot reads, and the engine skips the cycles of
  steps in which nothing can happen (no claim, no build finishing, no change the plan foresees), so
  a run costs about the same per event whatever its length: a year of one-minute steps takes
  seconds. The report is the same as with a cycle at every step (\`--every-step\`, \`fastForward:
  false\`), which the tests check on scenarios with failures, capacity limits, expressions, lead
  times, stabilization and backoff.
- **Compare** (\`--compare a.json b.json …\`, \`compareScenarios\`): every scenario replays the claims of
  the first one's demand with the same seed, so the figures differ only by configuration.
- **Recommend** (\`--recommend [--target-warm 0.99]\`, \`recommendConfiguration\`): searches, by
  simulation, a count for each hour of the week, a lead time and a base count that serve the target
  share of claims warm with the fewest idle prebuild-hours. Counts follow demand through a
  *ladder*: an hour's count is how many rungs its claims per hour reach (the rates, or a trace's
  claims per hour of the week), so hours of equal demand get equal counts and the result does not
  fit the accidents of one sample. It starts from rungs that would serve every claim if builds never
  failed, with a lead time of one build time, then raises rungs and shortens the lead time, the
  change that saves the most first, while the target still holds. Seeded and deterministic; bounded
  by a number of simulations (150 by default), which takes seconds for a week of demand.

What \`--recommend\` prints for the example (a week of its demand, seed ${SEED}):

<!-- check -->
\`\`\`text
$ node dist/cli.js simulate ${SCENARIO_FILE} --recommend
${recommendOutput}
\`\`\`

## The comparisons

All on ${SCENARIO_FILE}: two presets, eu-dev (Berlin) and us-dev (New York), builds of 3 to 7
minutes of which 3 % fail, a build capacity of 10, one-minute steps, a cold build of 7 minutes for a
claim that misses. The demand is a week of its rates drawn with seed ${SEED} (${trace.length} claims); every
configuration replays exactly those claims.

### Tuning

The goal: the recommended configuration serves at least ${percent(TARGET)} of claims warm with at most 65 %
of the idle prebuild-hours of the best *uniform* business-hours schedule (one count for weekday
working hours, one base count otherwise) that also reaches ${percent(TARGET)}. The uniform schedules
tried: for each preset a count for weekday working hours \`${WORKING_HOURS}\` in its zone (eu-dev 1 to 5,
us-dev 1 to 4) and a base count (eu-dev 0 to 2, us-dev 0 or 1, never above the working-hours count),
without and with a lead time of one build time: ${uniform.tried} configurations, of which ${uniform.meeting} reach ${percent(TARGET)}.

| configuration | served warm | idle prebuild-hours | builds (failed) |
| --- | --- | --- | --- |
| current: the example's schedules | ${current.hits} of ${current.claims} (${percent(current.hitRate)}) | ${hours(current.idlePrebuildHours)} | ${current.buildsStarted} (${current.buildsFailed}) |
| best uniform: ${describeUniform(uniform.uniform)} | ${uniform.report.hits} of ${uniform.report.claims} (${percent(uniform.report.hitRate)}) | ${hours(uniform.report.idlePrebuildHours)} | ${uniform.report.buildsStarted} (${uniform.report.buildsFailed}) |
| recommended (${recommendation.simulations} simulations) | ${recommendation.recommended.hits} of ${recommendation.recommended.claims} (${percent(recommendation.recommended.hitRate)}) | ${hours(recommendation.recommended.idlePrebuildHours)} | ${recommendation.recommended.buildsStarted} (${recommendation.recommended.buildsFailed}) |

**${tuningMet ? "Met" : "Not met"}:** the recommended configuration serves ${percent(recommendation.recommended.hitRate)} warm with
${percent(ratio)} of the best uniform schedule's idle prebuild-hours (the goal: at most 65 %). Its
counts follow the claims per hour of each hour of the week (prebuilds per rung reached: ${ladders}
claims per hour), so it keeps prebuilds in the hours people arrive, weekend hours included, and
none when nobody does, where the uniform schedule keeps its base count (${uniformBases}) around
the clock and its working-hours count through quiet hours.

### On other weeks

Both configurations above were tuned on one week; what they give on four other weeks of the same
rates (seeds ${HELD_OUT_SEEDS.join(", ")}, claims and builds drawn afresh):

| configuration | served warm, weeks ${HELD_OUT_SEEDS.join(" · ")} | worst week | idle prebuild-hours a week, mean |
| --- | --- | --- | --- |
${heldOut.join("\n")}

A configuration tuned to just reach ${percent(TARGET)} on one week misses it on other weeks, uniform or
recommended: a week is a small sample (${trace.length} claims; one miss is ${percent(1 / trace.length)}). The
recommendation tuned on four weeks (\`--days 28\`, ${longer.simulations} simulations) serves at least
${percent(monthWorst)} on every new week, for ${percent(monthIdle / weekIdle - 1)} more idle prebuild-hours than the
one tuned on a week, and ${percent(monthIdle / uniformIdle)} of the uniform schedule's. Tune on as much
demand as you have, and leave a margin in \`--target-warm\`.

### Robustness

The goal: on demand that departs from what a schedule was tuned for, a configuration with a target
expression serves more claims warm than the tuned static one on every departure, at no more than 1.2×
its idle prebuild-hours. The tuned static configuration is the recommended one above; the
expression configuration has the same schedules and

\`\`\`text
${EXPRESSION}
\`\`\`

(the schedule, or as many as were claimed in the last 10 minutes; one spare while people are
arriving; one more for each recent miss, at most six). Each departure changes the tuning week's
claims; builds are drawn with seed ${SEED}:

| demand | how it departs | claims | warm, tuned static | warm, expression | idle, static | idle, expression | idle ratio | |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${robustnessRows.join("\n")}

**${robustnessMet ? "Met" : "Not met"}** on every departure. The same departures with builds drawn with seeds ${BUILD_SEEDS.join(", ")}
(only build times and failures change), summed, to show the margin is not one lucky draw:

| demand | claims | warm, tuned static | warm, expression | idle ratio |
| --- | --- | --- | --- | --- |
${robustnessTotals.join("\n")}

The expression cannot foresee the first claims in hours the schedule left empty: it reacts to them,
a build time late, which is why the early rush still misses under both. A burst and a rush are
where following demand pays most. Without any departure the expression costs ${percent(undisturbedRatio - 1)} more idle
prebuild-hours for the same claims: the price of the spare it keeps while people arrive.

## Choosing the evaluator

Expressions are parsed with [jsep](https://www.npmjs.com/package/jsep) and run by this library's own
type checker and bytecode interpreter (\`src/core/expression/\`). Five npm evaluators were tried
against the examples above and 21 probes of expr-lang's semantics (jexl, expr-eval-fork, filtrex,
@bufbuild/cel, @marcbachmann/cel-js, and subscript); none has expr-lang's semantics: the CEL ones
type ints and doubles strictly (the first example fails as written) and divide integers; the
JavaScript-flavoured ones have JavaScript's truthiness and \`NaN\` instead of errors, chain no
comparisons, and check no types when the admin saves the expression; filtrex (and, off its evaluate
path, expr-eval-fork) compiles with \`new Function\`. Their evaluation also costs 150 ns to 3 µs, when
the budget at 10,000 presets is well under 1 µs. So the fidelity had to come from our own checker in
any case, and what a package could usefully give is the grammar: jsep (no dependencies, no \`eval\`)
is a configurable precedence parser that takes expr-lang's precedences exactly, with small hooks
for what it lacks (parentheses kept as nodes, comma-only arguments, right-grouping \`? :\`). Its
configuration is global, so it is swapped in for each parse and restored after.

Types are checked when compiling (every input is a number, so the type of every part is known): an
unknown name, a wrong argument count, a boolean where a number is needed or the reverse are errors
with a column, at configuration time. Each distinct expression is compiled once and cached (a
failure too). It compiles to a plain array of small integers run by one interpreter: with 10,000
presets each with its own expression, evaluation costs 0.4–2 ms per cycle for expressions of the
examples' shapes, against a \`planCycle\` of 20–40 ms; a first version that compiled to closures cost
4–26 ms there. The candidates, the probes and the figures are in
[expression-evaluator.md](expression-evaluator.md).
`;
  if (process.argv.includes("--print")) process.stdout.write(page);
  else {
    writeFileSync(join(ROOT, "docs", "demand.md"), page);
    progress("wrote docs/demand.md");
  }
}

await main();
