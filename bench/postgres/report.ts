/** The PostgreSQL benchmark's figures as text and as the delimited section of docs/benchmarks.md. */

import type { Machine } from "../report.js";
import { percentile } from "./measure.js";
import type { SizeResult } from "./measure-size.js";

/** A whole run. */
export interface PgReport {
  readonly machine: Machine;
  readonly postgres: string;
  readonly command: string;
  readonly durationS: number;
  readonly sizes: readonly SizeResult[];
}

/** The figures of one size, reduced to what the tables show. */
export interface SizeFigures {
  readonly presets: number;
  readonly prebuilds: number;
  readonly systemBuilds: number;
  readonly floorMs: number;
  readonly snapshotMs: number;
  /** The fastest timed calls: the least disturbed by other work on a shared machine. */
  readonly floorMinMs: number;
  readonly snapshotMinMs: number;
  readonly cycleMinMs: number;
  readonly statements: readonly { readonly name: string; readonly medianMs: number }[];
  readonly cycleMs: number;
  readonly cycleWithoutSnapshotMs: number;
  readonly cycle: SizeResult["cycle"];
  readonly loneClaimP50Ms: number;
  readonly loneClaimP99Ms: number;
  readonly concurrentP50Ms: number;
  readonly concurrentP99Ms: number;
  readonly claimsPerSecond: number;
  readonly poolWaitP50Ms: number;
  readonly poolWaitP99Ms: number;
  readonly claimers: number;
  readonly claims: number;
  readonly poolSize: number;
  readonly served: number;
  readonly distinct: number;
  readonly unavailable: number;
  readonly ownedAfter: number;
}

/** Medians and percentiles of one size. */
export function figures(result: SizeResult): SizeFigures {
  const concurrent = result.concurrent;
  return {
    presets: result.shape.presets,
    prebuilds: result.shape.prebuilds,
    systemBuilds: result.shape.systemBuilds,
    floorMs: percentile(result.floorMs, 50),
    snapshotMs: percentile(result.snapshotMs, 50),
    floorMinMs: Math.min(...result.floorMs),
    snapshotMinMs: Math.min(...result.snapshotMs),
    cycleMinMs: Math.min(...result.cycleMs),
    statements: result.statements,
    cycleMs: percentile(result.cycleMs, 50),
    cycleWithoutSnapshotMs: percentile(result.cycleWithoutSnapshotMs ?? [], 50),
    cycle: result.cycle,
    loneClaimP50Ms: percentile(result.loneClaimMs, 50),
    loneClaimP99Ms: percentile(result.loneClaimMs, 99),
    concurrentP50Ms: percentile(concurrent.latencyMs, 50),
    concurrentP99Ms: percentile(concurrent.latencyMs, 99),
    claimsPerSecond: (concurrent.claims / concurrent.wallMs) * 1000,
    poolWaitP50Ms: percentile(concurrent.poolWaitMs, 50),
    poolWaitP99Ms: percentile(concurrent.poolWaitMs, 99),
    claimers: concurrent.claimers,
    claims: concurrent.claims,
    poolSize: concurrent.poolSize,
    served: concurrent.served,
    distinct: concurrent.distinct,
    unavailable: concurrent.unavailable,
    ownedAfter: concurrent.ownedAfter,
  };
}

const ms = (value: number): string => (Number.isNaN(value) ? "—" : value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`);
const times = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)}×`;
const count = (value: number): string => value.toLocaleString("en-US");

/** One row per figure, one column per size, and the growth from the first size to the last. */
function figureRows(sizes: readonly SizeFigures[]): string[][] {
  const first = sizes[0];
  const last = sizes.at(-1);
  const growth = (pick: (size: SizeFigures) => number): string => {
    if (first === undefined || last === undefined || sizes.length < 2) return "";
    const value = pick(last) / pick(first);
    return Number.isFinite(value) ? times(value) : "—";
  };
  const row = (name: string, pick: (size: SizeFigures) => number, render: (value: number) => string = ms): string[] => [name, ...sizes.map((size) => render(pick(size))), growth(pick)];
  const statementNames = [...new Set(sizes.flatMap((size) => size.statements.map((statement) => statement.name)))];
  return [
    row("floor: the prebuild and preset rows, plainly", (size) => size.floorMs),
    row("`loadSnapshot()`", (size) => size.snapshotMs),
    ...statementNames.map((name) => row(`  ${name}`, (size) => size.statements.find((statement) => statement.name === name)?.medianMs ?? Number.NaN)),
    row("`loadSnapshot()` ÷ floor", (size) => size.snapshotMs / size.floorMs, times),
    row("steady-state `reconcileOnce()`", (size) => size.cycleMs),
    row("  of which not in `loadSnapshot()` (planCycle, pause, memberships, lock)", (size) => size.cycleWithoutSnapshotMs),
    row("floor, fastest call", (size) => size.floorMinMs),
    row("`loadSnapshot()`, fastest call", (size) => size.snapshotMinMs),
    row("`loadSnapshot()` ÷ floor, fastest calls", (size) => size.snapshotMinMs / size.floorMinMs, times),
    row("steady-state `reconcileOnce()`, fastest call", (size) => size.cycleMinMs),
    row("a lone claim, p50", (size) => size.loneClaimP50Ms),
    row("a lone claim, p99", (size) => size.loneClaimP99Ms),
    row("concurrent claims, p50", (size) => size.concurrentP50Ms),
    row("concurrent claims, p99", (size) => size.concurrentP99Ms),
    row("concurrent claims, p99 ÷ lone p50", (size) => size.concurrentP99Ms / size.loneClaimP50Ms, times),
    row("concurrent claims per second", (size) => size.claimsPerSecond, (value) => value.toFixed(0)),
    row("  of a claim's time, waiting for a pool connection, p50", (size) => size.poolWaitP50Ms),
    row("  waiting for a pool connection, p99", (size) => size.poolWaitP99Ms),
  ];
}

/** The targets, evaluated on the largest size. */
export function targets(sizes: readonly SizeFigures[]): { readonly pass: boolean; readonly name: string; readonly goal: string; readonly measured: string }[] {
  const last = sizes.at(-1);
  const first = sizes[0];
  if (last === undefined || first === undefined) return [];
  const at = `${count(last.presets)} presets`;
  const rows = [
    {
      name: `loadSnapshot vs the floor read, ${at}`,
      goal: "≤ 3×",
      pass: last.snapshotMs / last.floorMs <= 3,
      measured: `${times(last.snapshotMs / last.floorMs)} (of the fastest calls: ${times(last.snapshotMinMs / last.floorMinMs)})`,
    },
    { name: `a lone claim, p50, ${at}`, goal: "≤ 5 ms", pass: last.loneClaimP50Ms <= 5, measured: ms(last.loneClaimP50Ms) },
    {
      name: `${last.claimers} concurrent claimers, p99 ÷ lone p50, ${at}`,
      goal: "≤ 32×",
      pass: last.concurrentP99Ms / last.loneClaimP50Ms <= 32,
      measured: times(last.concurrentP99Ms / last.loneClaimP50Ms),
    },
    {
      name: `every concurrent claim served exactly once, ${at}`,
      goal: `${last.claims} distinct workspaces, 0 unavailable`,
      pass: last.served === last.claims && last.distinct === last.claims && last.ownedAfter === last.claims && last.unavailable === 0,
      measured: `${last.distinct} distinct of ${last.served} served, ${last.unavailable} unavailable, ${last.ownedAfter} owned by claimers`,
    },
    ...sizes.map((size) => ({
      name: `steady-state cycle, ${count(size.presets)} presets`,
      goal: "1 snapshot transaction, 0 writes, 0 provisioner calls",
      pass: size.cycle.snapshotTransactions === 1 && size.cycle.writes === 0 && size.cycle.provisionerCalls === 0 && size.cycle.errors === 0,
      measured: `${size.cycle.snapshotTransactions} snapshot transaction, ${size.cycle.writes} writes, ${size.cycle.provisionerCalls} provisioner calls, ${size.cycle.errors} errors (${size.cycle.statements} statements)`,
    })),
  ];
  if (sizes.length >= 2) {
    const factor = last.presets / first.presets;
    const worst = figureRows(sizes)
      .filter((row) => !row[0]?.includes("÷") && !row[0]?.includes("per second") && !row[0]?.includes("pool connection") && !row[0]?.includes("fastest"))
      .map((row) => ({ name: row[0] ?? "", growth: Number.parseFloat((row.at(-1) ?? "").replace("×", "")) }))
      .filter((entry) => !Number.isNaN(entry.growth))
      .sort((left, right) => right.growth - left.growth)[0];
    rows.push({
      name: `growth from ${count(first.presets)} to ${count(last.presets)} presets, every figure`,
      goal: `≤ ${factor}× (linear)`,
      pass: worst === undefined || worst.growth <= factor,
      measured: worst === undefined ? "—" : `at most ${times(worst.growth)} (${worst.name.trim()})`,
    });
    const fastest = (pick: (size: SizeFigures) => number) => pick(last) / pick(first);
    const fastestGrowth = Math.max(fastest((size) => size.floorMinMs), fastest((size) => size.snapshotMinMs), fastest((size) => size.cycleMinMs));
    rows.push({
      name: `growth from ${count(first.presets)} to ${count(last.presets)} presets, fastest calls of the floor, loadSnapshot and the cycle`,
      goal: `≤ ${factor}× (linear)`,
      pass: fastestGrowth <= factor,
      measured: `at most ${times(fastestGrowth)}`,
    });
  }
  return rows;
}

/** Markdown drops leading spaces: a part of the figure above is marked with an arrow instead. */
function markdownRows(rows: readonly (readonly string[])[]): string[][] {
  return rows.map(([name = "", ...cells]) => [name.startsWith("  ") ? `↳ ${name.trim()}` : name, ...cells]);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((cell, index) => (index === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

/** The report as plain text for the terminal. */
export function renderText(report: PgReport): string {
  const sizes = report.sizes.map(figures);
  const header = ["figure (median unless a percentile is named)", ...sizes.map((size) => `${count(size.presets)} presets`), "growth"];
  const widths = header.map((cell, index) => Math.max(cell.length, ...figureRows(sizes).map((row) => (row[index] ?? "").length)));
  const pad = (cells: readonly string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join("  ");
  const lines = [pad(header), ...figureRows(sizes).map(pad), "", ...targets(sizes).map((target) => `${target.pass ? "PASS" : "MISS"}  ${target.name}: ${target.measured} (goal ${target.goal})`)];
  return lines.join("\n");
}

/** Markers around the section this benchmark owns in docs/benchmarks.md. */
export const SECTION_BEGIN = "<!-- bench:pg begin: written by `npm run bench:pg -- --markdown`; the rest of this file is not -->";
export const SECTION_END = "<!-- bench:pg end -->";

/** The delimited section of docs/benchmarks.md, with the figures of `before` (an older run) beside this run's when given. */
export function renderSection(report: PgReport, before: PgReport | null): string {
  const sizes = report.sizes.map(figures);
  const first = sizes[0];
  const m = report.machine;
  const lines = [
    SECTION_BEGIN,
    "",
    "## PostgreSQL store (`npm run bench:pg`)",
    "",
    `Generated by \`${report.command}\` (bench/postgres/); do not edit by hand. PostgreSQL ${report.postgres},`,
    `${m.cores} cores (${m.cpu}), Node ${m.node}, on the same machine as the database; the run took ${report.durationS.toFixed(0)} s,`,
    `load average ${m.loadAtStart.toFixed(1)} at the start and ${m.loadAtEnd.toFixed(1)} at the end.`,
    "",
    "Each size is a fresh database seeded with `generate_series` (bench/postgres/seed.ts): per preset a",
    "template and an active version, 10 ready prebuilds, each built, stopped and started again by the",
    "system user (3 builds), half the presets with two schedules in Europe/Berlin, 10 people's",
    "workspaces per preset (half of them claimed prebuilds), 1 % of presets hard-limited and 1 % in",
    "backoff. Nothing needs a create or a delete, so the cycle is a steady one.",
    "",
    table(
      ["presets", "prebuilds", "system builds", "all builds"],
      report.sizes.map((size) => [count(size.shape.presets), count(size.shape.prebuilds), count(size.shape.systemBuilds), count(size.shape.allBuilds)]),
    ),
    "",
    `- **floor**: \`SELECT id, preset_id, created_at, ready FROM workspaces WHERE owner_id = $1\` and \`SELECT * FROM presets\`, on one connection.`,
    "- **loadSnapshot**, its statements (times measured in node-postgres, rows parsed included), and a **steady-state `reconcileOnce()`** with a provisioner that does nothing, after one warm-up cycle.",
    `- **a lone claim**: \`store.claim\` of one preset after another, one at a time (${first === undefined ? "" : count(report.sizes[0]?.loneClaimMs.length ?? 0)} claims).`,
    `- **concurrent claims**: ${first?.claimers ?? 32} claimers share 640 claims of 64 presets (exactly their 640 prebuilds) through one \`pg.Pool\` of max ${first?.poolSize ?? 10}, as the web requests of one replica would, after an untimed warm-up round; three such rounds on presets of their own (${first?.claims ?? 1920} claims), percentiles over all of them. A claim's time includes its wait for a connection.`,
    "",
    table(["figure (median unless a percentile is named)", ...sizes.map((size) => `${count(size.presets)} presets`), "growth"], markdownRows(figureRows(sizes))),
    "",
    table(["result", "target", "goal", "measured"], targets(sizes).map((target) => [target.pass ? "PASS" : "MISS", target.name, target.goal, target.measured])),
  ];
  if (before !== null) {
    const old = before.sizes.map(figures);
    lines.push(
      "",
      "### Before: the store of 0.1",
      "",
      "The same benchmark on the store as it was before the work on issue 9 (schema 001 only: a correlated `json_agg` of",
      "schedules per preset, window functions over every create for backoff and the hard limit, three statements and five",
      "round trips per claim, each planned anew; one round of 640 concurrent claims, no warm-up round, no collection",
      `between timed calls), measured on ${before.machine.cores} cores with PostgreSQL ${before.postgres} and kept in bench/postgres/baseline.json:`,
      "",
      table(["figure (median unless a percentile is named)", ...old.map((size) => `${count(size.presets)} presets`), "growth"], markdownRows(figureRows(old))),
    );
  }
  lines.push("", SECTION_END);
  return lines.join("\n");
}

/** `document` with its bench:pg section replaced by `section`, or `section` appended when it has none. */
export function withSection(document: string, section: string): string {
  const begin = document.indexOf(SECTION_BEGIN);
  const end = document.indexOf(SECTION_END);
  if (begin >= 0 && end > begin) return `${document.slice(0, begin)}${section}${document.slice(end + SECTION_END.length)}`;
  return `${document.trimEnd()}\n\n${section}\n`;
}

/** `rendered` (a new docs/benchmarks.md) with the bench:pg section of `previous` appended, when it had one. */
export function keepPostgresSection(previous: string, rendered: string): string {
  const begin = previous.indexOf(SECTION_BEGIN);
  const end = previous.indexOf(SECTION_END);
  if (begin < 0 || end < begin) return rendered;
  return withSection(rendered, previous.slice(begin, end + SECTION_END.length));
}
