/** Targets, and the figures rendered as text for the console and as docs/benchmarks.md. */

import { cpus, loadavg, release, totalmem, type } from "node:os";
import type { DesiredResult } from "./desired.js";
import type { PlanCase, PlanResult } from "./plan.js";
import type { ReconcilerResult } from "./reconciler.js";
import type { StageResult } from "./stages.js";

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGb: number;
  /** 1-minute load average when the run started (filled in at the end with the value then). */
  readonly loadAtStart: number;
  loadAtEnd: number;
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  /** `null`: not run (its section was left out). */
  readonly pass: boolean | null;
}

export interface Report {
  readonly machine: Machine;
  readonly plan: readonly PlanResult[];
  /** planCycle stage by stage at 10k presets; empty when that size was not run. */
  readonly stages: readonly StageResult[];
  readonly reconciler: readonly ReconcilerResult[];
  readonly desired: readonly DesiredResult[];
  readonly targets: readonly Target[];
  readonly durationS: number;
  readonly naiveStride: number;
  /** The optional capped-heap run (`--heap-limit=MB`), or `null` when not asked for. */
  readonly heapLimit: { readonly limitMb: number; readonly ok: boolean; readonly detail: string } | null;
}

export const COMMAND = "npm run bench -- --markdown";

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? "unknown",
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAtStart: loadavg()[0] ?? 0,
    loadAtEnd: loadavg()[0] ?? 0,
  };
}

function find(report: Report, kind: PlanCase, presets: number): PlanResult | undefined {
  return report.plan.find((result) => result.case === kind && result.shape.presets === presets);
}

function ratio(numerator: PlanResult | undefined, denominator: PlanResult | undefined, of: "medianMs" | "minMs" = "medianMs"): number | null {
  if (numerator === undefined || denominator === undefined) return null;
  return numerator.timing[of] / denominator.timing[of];
}

const times = (value: number | null): string => (value === null ? "not run" : `${value.toFixed(value < 10 ? 2 : 1)}×`);

/** The ratios the issue asks for, in order. */
export function ratios(report: Report): { readonly name: string; readonly value: number | null; readonly ofMinimums: number | null; readonly paired: number | null; readonly meaning: string }[] {
  const rows: { name: string; value: number | null; ofMinimums: number | null; paired: number | null; meaning: string }[] = [];
  // The paired figure belongs to the numerator's case, measured against exactly this denominator.
  const both = (numerator: PlanResult | undefined, denominator: PlanResult | undefined, paired = false) => ({
    value: ratio(numerator, denominator),
    ofMinimums: ratio(numerator, denominator, "minMs"),
    paired: paired ? (numerator?.pairedRatio ?? null) : null,
  });
  for (const presets of [1_000, 10_000, 100_000]) {
    if (find(report, "planCycle", presets) === undefined) continue;
    rows.push({ name: `planCycle ÷ group-by, ${presets.toLocaleString("en-US")} presets`, ...both(find(report, "planCycle", presets), find(report, "group-by", presets), true), meaning: "cost over the one-pass floor" });
  }
  for (const presets of [1_000, 10_000]) {
    if (find(report, "expressions", presets) === undefined) continue;
    rows.push({ name: `planCycle with expressions ÷ without, ${presets.toLocaleString("en-US")} presets`, ...both(find(report, "expressions", presets), find(report, "planCycle", presets), true), meaning: "what a target expression on every preset costs" });
  }
  for (const presets of [1_000, 10_000]) {
    if (find(report, "naive", presets) === undefined) continue;
    rows.push({ name: `naive ÷ planCycle, ${presets.toLocaleString("en-US")} presets`, ...both(find(report, "naive", presets), find(report, "planCycle", presets)), meaning: "speed-up over the per-preset filter" });
  }
  if (find(report, "planCycle", 100_000) !== undefined) {
    rows.push({ name: "planCycle 100k ÷ 10k", ...both(find(report, "planCycle", 100_000), find(report, "planCycle", 10_000)), meaning: "scaling (10× the input; linear is 10×)" });
    rows.push({ name: "group-by 100k ÷ 10k", ...both(find(report, "group-by", 100_000), find(report, "group-by", 10_000)), meaning: "the floor's own scaling, for reference" });
    const over = (presets: number, of: "medianMs" | "minMs") => ratio(find(report, "planCycle", presets), find(report, "group-by", presets), of);
    const relative = (of: "medianMs" | "minMs"): number | null => {
      const large = over(100_000, of);
      const small = over(10_000, of);
      return large === null || small === null ? null : large / small;
    };
    rows.push({ name: "planCycle scaling ÷ group-by scaling", value: relative("medianMs"), ofMinimums: relative("minMs"), paired: null, meaning: "below 1: planCycle grows no faster than one pass over the same rows on this machine" });
  }
  return rows;
}

export function evaluateTargets(report: Report): Target[] {
  const targets: Target[] = [];
  const overFloor = find(report, "planCycle", 10_000)?.pairedRatio ?? null;
  targets.push({
    name: "planCycle vs group-by, 10k presets",
    goal: "≤ 5× group-by",
    measured: overFloor === null ? "not run" : `${times(overFloor)} (median of 31 paired calls; of tinybench medians ${times(ratio(find(report, "planCycle", 10_000), find(report, "group-by", 10_000)))})`,
    pass: overFloor === null ? null : overFloor <= 5,
  });
  const speedUp = ratio(find(report, "naive", 10_000), find(report, "planCycle", 10_000));
  targets.push({ name: "planCycle vs naive planner, 10k presets", goal: "≥ 20× faster", measured: times(speedUp), pass: speedUp === null ? null : speedUp >= 20 });
  const expressions = find(report, "expressions", 10_000)?.pairedRatio ?? null;
  targets.push({
    name: "planCycle with an expression on every preset, 10k presets",
    goal: "≤ 1.2× without",
    measured: expressions === null ? "not run" : `${times(expressions)} (median of 31 calls paired with planCycle on the same rows without expressions)`,
    pass: expressions === null ? null : expressions <= 1.2,
  });
  const scaling = ratio(find(report, "planCycle", 100_000), find(report, "planCycle", 10_000));
  targets.push({ name: "planCycle scaling, 100k ÷ 10k presets", goal: "≤ 12×", measured: times(scaling), pass: scaling === null ? null : scaling <= 12 });

  const steady = report.reconciler.find((result) => result.name === "steady state");
  targets.push({
    name: "steady-state cycle",
    goal: "1 snapshot read, 0 writes, 0 provisioner calls",
    measured: steady === undefined ? "not run" : `${steady.counts.snapshotReads} snapshot read, ${steady.counts.writes} writes, ${steady.counts.provisionerCalls} provisioner calls`,
    pass: steady === undefined ? null : steady.counts.snapshotReads === 1 && steady.counts.writes === 0 && steady.counts.provisionerCalls === 0,
  });

  const big = find(report, "planCycle", 100_000)?.heap ?? null;
  targets.push({
    name: "peak heap, 100k presets / 1M prebuilds",
    goal: "< 400 MB",
    measured:
      big === null
        ? "not run"
        : `${big.afterMb.toFixed(0)} MB used right after the call (the snapshot alone: ${big.beforeMb.toFixed(0)} MB; ${big.committedMb.toFixed(0)} MB committed)`,
    pass: big === null ? null : big.afterMb < 400,
  });
  if (report.heapLimit !== null) {
    const { limitMb, ok, detail } = report.heapLimit;
    targets.push({ name: `check: 100k planCycle in a ${limitMb} MB heap`, goal: `completes with --max-old-space-size=${limitMb}`, measured: detail, pass: ok });
  }

  const noOps = report.reconciler.find((result) => result.name === "Go: no-ops");
  targets.push({
    name: "check: Go no-ops skipped",
    goal: "0 presets planned, 0 provisioner calls",
    measured: noOps === undefined ? "not run" : `${noOps.counts.stats.presetsReconciled} planned, ${noOps.counts.provisionerCalls} provisioner calls`,
    pass: noOps === undefined ? null : noOps.counts.stats.presetsReconciled === 0 && noOps.counts.provisionerCalls === 0,
  });
  const contention = report.reconciler.find((result) => result.name === "Go: connection contention");
  targets.push({
    name: "check: concurrency bounded by connections",
    goal: "≤ floor(10 / 2) = 5 provisioner calls at once",
    measured: contention === undefined ? "not run" : `${contention.counts.maxConcurrentProvisionerCalls} at most`,
    pass: contention === undefined ? null : contention.counts.maxConcurrentProvisionerCalls <= contention.concurrency,
  });
  return targets;
}

// ── formatting ───────────────────────────────────────────────────────────────

function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${(value * 1000).toFixed(1)} µs`;
}

function ops(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 1) return value.toFixed(1);
  return value.toFixed(3);
}

const mb = (value: number): string => `${value.toFixed(1)}`;
const count = (value: number): string => value.toLocaleString("en-US");
const verdict = (pass: boolean | null): string => (pass === null ? "n/a " : pass ? "PASS" : "MISS");

function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string[] {
  const rule = header.map((_, index) => ((align?.[index] ?? "r") === "l" ? "---" : "---:"));
  return [`| ${header.join(" | ")} |`, `|${rule.join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)];
}

function planRows(report: Report): string[][] {
  return report.plan.map((result) => [
    count(result.shape.presets),
    count(result.shape.rows),
    result.case,
    ms(result.timing.medianMs),
    ms(result.timing.minMs),
    ops(result.timing.opsPerSec),
    `±${result.timing.rme.toFixed(0)} %`,
    String(result.timing.samples),
    result.heap === null ? "—" : mb(result.heap.afterMb),
    result.heap === null ? "—" : mb(result.heap.deltaMb),
    result.note,
  ]);
}

const PLAN_HEADER = ["presets", "rows", "case", "median", "fastest", "ops/s", "rme", "samples", "heap used after (MB)", "Δ heap (MB)", "what one call does"];
const PLAN_ALIGN = ["r", "r", "l", "r", "r", "r", "r", "r", "r", "r", "l"] as const;

function reconcilerRows(report: Report): string[][] {
  return report.reconciler.map((result) => [
    result.name,
    ms(result.timing.medianMs),
    ops(result.timing.opsPerSec),
    `${count(result.counts.stats.presetsReconciled)} / ${count(result.counts.stats.presetsTotal)}`,
    String(result.counts.snapshotReads),
    String(result.counts.otherReads),
    String(result.counts.writes),
    count(result.counts.provisionerCalls),
    Object.entries(result.counts.provisionerByMethod).map(([method, calls]) => `${method} ${calls}`).join(", ") || "—",
    result.counts.provisionerCalls === 0 ? "—" : String(result.counts.maxConcurrentProvisionerCalls),
    result.floorMs === null ? "—" : ms(result.floorMs),
  ]);
}

const RECONCILER_HEADER = ["scenario", "median", "cycles/s", "planned / total", "snapshot reads", "other reads", "writes", "provisioner calls", "by method", "max in flight", "latency floor"];
const RECONCILER_ALIGN = ["l", "r", "r", "r", "r", "r", "r", "r", "l", "r", "r"] as const;

function desiredRows(report: Report): string[][] {
  const zones = [...new Set(report.desired.map((result) => result.zone))];
  return zones.map((zone) => {
    const cell = (mode: DesiredResult["mode"]): string => {
      const result = report.desired.find((entry) => entry.zone === zone && entry.mode === mode);
      return result === undefined ? "—" : `${ms(result.timing.medianMs)} (${ops(result.timing.opsPerSec)}/s)`;
    };
    return [zone, cell("cached"), cell("fresh minute"), cell("fresh cron")];
  });
}

const DESIRED_HEADER = ["zone", "cached", "uncached: fresh minute", "uncached: fresh cron"];
const DESIRED_ALIGN = ["l", "r", "r", "r"] as const;

const RATIO_HEADER = ["ratio", "of medians", "of fastest calls", "of paired calls", "meaning"];
const RATIO_ALIGN = ["l", "r", "r", "r", "l"] as const;
const ratioRow = (row: ReturnType<typeof ratios>[number]): string[] => [row.name, times(row.value), times(row.ofMinimums), row.paired === null ? "—" : times(row.paired), row.meaning];

function targetRows(report: Report): string[][] {
  return report.targets.map((target) => [verdict(target.pass), target.name, target.goal, target.measured]);
}

/** The console rendering: the same tables, then one PASS/MISS line per target. */
export function renderText(report: Report): string {
  const lines: string[] = [];
  const { machine: m } = report;
  lines.push(`${m.cores} cores, ${m.cpu}, Node ${m.node}; run took ${report.durationS.toFixed(0)} s; load average ${m.loadAtStart.toFixed(1)} at start, ${m.loadAtEnd.toFixed(1)} at end`);
  if (report.plan.length > 0) lines.push("", "planCycle and its reference points", ...table(PLAN_HEADER, planRows(report), PLAN_ALIGN));
  const ratioRows = ratios(report);
  if (ratioRows.length > 0) lines.push("", ...table(RATIO_HEADER, ratioRows.map(ratioRow), RATIO_ALIGN));
  if (report.reconciler.length > 0) lines.push("", "Reconciler.reconcileOnce()", ...table(RECONCILER_HEADER, reconcilerRows(report), RECONCILER_ALIGN));
  if (report.desired.length > 0) lines.push("", "desiredInstances, median per call", ...table(DESIRED_HEADER, desiredRows(report), DESIRED_ALIGN));
  lines.push("");
  for (const target of report.targets) lines.push(`${verdict(target.pass)}  ${target.name}: ${target.goal}; measured ${target.measured}`);
  return lines.join("\n");
}

function naiveNote(report: Report): string {
  const large = report.plan.find((result) => result.case === "naive" && result.shape.presets === 10_000);
  if (large === undefined || large.sampled === 1) return "";
  const stride = Math.round(1 / large.sampled);
  return ` At 10k one call takes ${ms(large.timing.medianMs)} here, so it is timed on every ${stride}th preset over all the rows and the time multiplied by ${stride}: its cost is a sum of independent per-preset scans of every row list, so this is exact up to noise (\`--naive-stride=1\` times it whole).`;
}

function stageSection(report: Report): string[] {
  const stage = (name: string) => report.stages.find((result) => result.stage === name)?.medianMs ?? Number.NaN;
  const whole = stage("planCycle");
  const floor = stage("the floor");
  const perPreset = stage("evaluate") + stage("decide") + stage("next change") + stage("next memory");
  const planned = find(report, "planCycle", 10_000)?.note.match(/^(\d+)\//)?.[1] ?? "10000";
  return [
    "### Where the time goes, 10,000 presets",
    "",
    "Each stage of `planCycle` (src/core/cycle.ts) timed on its own over the inputs of the stage",
    "before it (bench/stages.ts), so that each includes the collection of its own garbage. Indented",
    "rows are parts of the stage above them; *the rest* is `planCycle`'s median less the stages, and",
    "the shares are of the `planCycle` timed with them (the last row), not of the table above. Timed",
    "apart, each stage touches the rows anew; within `planCycle` a preset's stages run one after the",
    "other while its rows are in the caches, so the stages may add up to more than the whole.",
    "",
    ...table(
      ["stage", "median", "of planCycle", "what it does"],
      report.stages.map((result) => [result.kind === "part" ? `&nbsp;&nbsp;${result.stage}` : result.stage, ms(result.medianMs), `${((100 * result.medianMs) / whole).toFixed(0)} %`, result.what]),
      ["l", "r", "r", "l"],
    ),
    "",
    `The floor reads each row once and does one \`Map\` look-up. \`planCycle\` does more with every row`,
    `and every preset, and that work is what it is for. Validating and grouping costs`,
    `${times(stage("validate and group") / floor)} the floor: besides the floor's look-up, each running row passes its type guard`,
    `(${ms(stage("↳ running rows' type guards"))} for all of them on their own; each object rule's guard is compiled into code of`,
    "its own, docs/validation.md) and its id goes into one `Set` of every prebuild id",
    `(${ms(stage("↳ the duplicate-id pass"))} on its own): a duplicate id may sit under another preset, so no per-preset`,
    "check can find it. The `Set` is a hash and a random access into a table of 100k ids per row, bound",
    "by memory latency like the floor's look-ups. It is filled in a pass of its own before the rows are",
    "grouped, and a snapshot without repeated ids then groups with no `Set` at all: filled while",
    "grouping, where it competed with the groups for the caches, it cost three to four times its cost",
    "alone (measured when it was moved; this run does not time the old way). The four per-preset",
    `stages then cost ${((1000 * perPreset) / Number(planned)).toFixed(1)} µs for each of the ${count(Number(planned))} presets planned: they build what the plan`,
    "returns (the state, the actions with their ids sorted and a sentence of reasons, the next change,",
    "the memory to keep), objects the floor never makes. Going lower would mean giving up a guarantee:",
    "trusting the store's rows unchecked (bad input would reach the rules), or returning reasons as",
    "functions instead of strings (a plan would stop being plain data that can be logged, compared and",
    "sent to another process). The planner stays O(presets + rows), as the",
    "100k ÷ 10k ratio shows next to the floor's own.",
    "",
  ];
}

/** docs/benchmarks.md. */
export function renderMarkdown(report: Report): string {
  const { machine: m } = report;
  const big = report.plan.find((result) => result.case === "planCycle" && result.shape.presets === 100_000);
  const shapes = [...new Map(report.plan.map((result) => [result.shape.presets, result.shape])).values()];
  const lines: string[] = [
    "# Benchmarks",
    "",
    `Generated by \`${COMMAND}\` (bench/run.ts, tinybench); do not edit by hand. Timings are never`,
    "asserted in tests: this page is where they live.",
    "",
    "## Machine",
    "",
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- Memory: ${m.memoryGb} GB`,
    `- Node ${m.node} on ${m.os}`,
    `- Command: \`${COMMAND}\` (= \`node --expose-gc --import tsx bench/run.ts --markdown\`); the whole run took ${report.durationS.toFixed(0)} s`,
    `- Load average (1 min): ${m.loadAtStart.toFixed(1)} when the run started, ${m.loadAtEnd.toFixed(1)} when it ended`,
    "",
    ...(Math.max(m.loadAtStart, m.loadAtEnd) > 1.5
      ? [
          "Other work ran on this machine during the run (the benchmark itself accounts for a load of",
          "about 1), so the benchmark shared the CPUs and their caches.",
        ]
      : []),
    "Allocation-heavy code varies by up to 2× from one call to the next on this virtual machine, so",
    "read medians and ratios (measured in the same run, on the same rows) rather than absolute times;",
    "*fastest* is the least disturbed call.",
    "",
    "## Targets",
    "",
    ...table(["result", "target", "goal", "measured"], targetRows(report), ["l", "l", "l", "l"]),
    "",
  ];
  if (report.plan.length > 0) {
    lines.push(
      "## planCycle",
      "",
      "Generated snapshots (seeded, so every run plans the same rows; generation is not timed): every",
      "preset has 10 running prebuilds and a TTL (24 h, or 12 h for one in five; ages spread over 26 h,",
      "so about 8 % are expired); half have two schedules in a DST zone (Europe/Berlin,",
      "America/New_York, Australia/Sydney, Europe/London, America/Los_Angeles); about 10 % are",
      "inactive (a third of those with queued non-active creates); 5 % of the active ones have a",
      "backoff row (half still backing off), 1 % are hard-limited, 20 % have builds starting, a third",
      "have 1 to 4 claim events (one in five a miss) within the last two hours. Rows come",
      "in shuffled order, each id a flat string of its own, as a database driver returns it (ids built",
      "with template literals are ropes, slower to hash: the floor ran twice as long on them in the",
      "benchmarks of 0.1). Every planning call is at Monday 2025-06-02 08:00 UTC.",
      "",
      ...table(
        ["presets", "rows", "scheduled", "inactive", "backoff rows", "hard-limited", "claim events"],
        shapes.map((shape) => [count(shape.presets), count(shape.rows), count(shape.scheduled), count(shape.inactive), count(shape.inBackoff), count(shape.hardLimited), count(shape.claimEvents)]),
      ),
      "",
      "- **group-by**: one pass over every row list (claim events included) into a `Map` of per-preset buckets, nothing else. The floor.",
      "- **planCycle**: the real thing: validate every row, group, skip, evaluate, decide, write the reasons.",
      "- **expressions**: planCycle over the same rows with a target expression on every preset, the three examples of SPEC §11 in turn (`max(scheduled_target, ceil(claim_rate_30m * 10))`, `hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0`, `misses_10m > 0 ? eligible + misses_10m : scheduled_target`); every active preset's desired count then comes from its expression, over the claim events above. Run at 1k and 10k presets.",
      `- **naive**: what the Go system does: for each preset, filter \`running\`, \`inProgress\`, \`pendingNonActive\`, \`backoffs\` and \`hardLimitedPresetIds\` by preset id to build its \`PresetSnapshot\`, then \`calculateActions\`. At 1k presets its decisions are checked equal to planCycle's. Run at 1k and 10k presets only.${naiveNote(report)}`,
      "",
      ...table(PLAN_HEADER, planRows(report), PLAN_ALIGN),
      "",
      "Median and ops/s (= 1000 / mean latency) are tinybench's. Heap: a full GC (`global.gc()`), then",
      "`process.memoryUsage()` around a single call: *heap used after* is everything alive right after the",
      "call (the snapshot itself, the result, and garbage not yet collected); *Δ heap* is the growth over",
      "the call, a lower bound of what it allocated (a GC during the call hides part of it).",
      "",
      "*Of paired calls*: the median of 101 (1k presets) or 31 (10k) ratios, each of two calls made",
      "back to back on the same rows, in turn which first. A slow spell of the shared machine then weighs",
      "on both sides of a ratio, so this column moves least from one run to the next; the targets use it.",
      "",
      ...table(RATIO_HEADER, ratios(report).map(ratioRow), RATIO_ALIGN),
      "",
    );
    if (report.stages.length > 0) lines.push(...stageSection(report));
    if (big?.heap !== undefined && big.heap !== null) {
      lines.push(
        "Peak heap around one `planCycle` at 100k presets / 1M prebuilds:",
        "",
        ...table(
          ["reading", "MB"],
          [
            ["heap used before the call, after a full GC (the snapshot and the process)", mb(big.heap.beforeMb)],
            ["heap used right after the call, no GC (lower bound of the peak)", mb(big.heap.afterMb)],
            ["heap committed right after the call (upper bound of the peak)", mb(big.heap.committedMb)],
            ["heap used after a full GC, plan still held (snapshot + plan)", mb(big.heap.retainedMb)],
          ],
          ["l", "r"],
        ),
        "",
        `The input alone is ${mb(big.heap.beforeMb)} MB here (Node ${m.node} on x64 has no pointer compression: each running`,
        "row is an object, a `Date` and an id string, about 250 bytes), and the plan it produces keeps",
        `${mb(big.heap.retainedMb - big.heap.beforeMb)} MB. At this size the work is bound by memory latency: the rows are in no`,
        "particular order, so each one lands in a random preset's group; from 10k to 100k presets the",
        `one-pass floor itself grows ${times(ratio(find(report, "group-by", 100_000), find(report, "group-by", 10_000)))} (median) for 10× the rows.`,
        "",
      );
    }
  }
  if (report.heapLimit !== null) {
    lines.push(
      `Capped heap: one \`planCycle\` of 100k presets in a child process started with \`--max-old-space-size=${report.heapLimit.limitMb}\` (bench/heap-limit.ts, generation included): ${report.heapLimit.detail}.`,
      "",
    );
  }
  if (report.reconciler.length > 0) {
    lines.push(
      "## Reconciler.reconcileOnce()",
      "",
      "The in-memory world of `prebuild-reconciler/testing` (InMemoryStore, SimulatedProvisioner,",
      "ManualClock), with `maxDbConnections: 10` (so 5 presets are executed at a time). A Proxy counts every",
      "call to the store and the provisioner. Counts are from one cycle; *snapshot reads* are",
      "`loadSnapshot`, *other reads* `isPaused` and `organizationsWithPrebuildStatus` (each cycle also",
      "takes the lock once), *writes* membership inserts, `setPresetStatus` and claims. The steady state",
      "and no-ops worlds are reused (a cycle changes nothing); the others get a fresh world before every",
      "timed cycle, built outside the timed window. The cycle's time includes the in-memory store",
      "deriving its snapshot from workspaces and builds. *Max in flight*: the most provisioner calls",
      "pending at once (the simulated provisioner answers at once unless given a latency, so its calls",
      "never overlap). *Latency floor*: provisioner calls × 1 ms ÷ 5, the least a cycle can take with",
      "that provisioner.",
      "",
      ...report.reconciler.map((result) => `- **${result.name}**: ${result.description}.`),
      "",
      ...table(RECONCILER_HEADER, reconcilerRows(report), RECONCILER_ALIGN),
      "",
    );
  }
  if (report.desired.length > 0) {
    lines.push(
      "## desiredInstances",
      "",
      "One call of the public `desiredInstances(preset, at)` (it validates the preset, then matches two",
      "schedules). Two caches sit behind it: the compiled form of each cron expression (parsed once per",
      "distinct text, by cron-parser) and the wall clock of the last minute asked for in each zone (one",
      "`Intl.DateTimeFormat#formatToParts` per zone and minute). *Cached*: the same preset and instant",
      "every call, so both hit, as they do for the thousands of presets of one cycle. *Uncached* defeats",
      "one cache per call: *fresh minute* asks for the next minute each call, so the zone's wall clock is",
      "computed anew; *fresh cron* gives each call a preset whose first schedule is a cron expression",
      "never seen before in the process, so it is parsed anew (building that preset inside the timed call",
      "costs about 0.1 µs). Median per call, with calls per second.",
      "",
      ...table(DESIRED_HEADER, desiredRows(report), DESIRED_ALIGN),
      "",
    );
  }
  return `${lines.join("\n")}`;
}
