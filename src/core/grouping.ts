/**
 * Groups a global snapshot by preset in one pass over every row (SPEC §6), validating each row on
 * the way: a valid row costs one allocation-free check; a bad one is explained, with its path,
 * under the preset it concerns — or under its own path when it names none.
 */

import { SnapshotValidationError } from "./errors.js";
import type {
  Backoff,
  ClaimEvent,
  GlobalSnapshot,
  InvalidPreset,
  Preset,
  PresetMemory,
  PresetSnapshot,
  PresetStatusRecord,
  RunningPrebuild,
} from "./types/index.js";
import { describeValue, id, IssueList, isRecord, type Path, type Rule } from "./validate/rules.js";
import {
  backoffRowRule,
  claimEventRule,
  inProgressRule,
  memoryRowRule,
  pendingNonActiveRule,
  presetRule,
  recordedStatusRule,
  runningRule,
} from "./validate/schemas.js";

const NO_EVENTS: readonly ClaimEvent[] = Object.freeze([]);

/**
 * The rows of one preset, gathered in the single pass over the global snapshot. What most presets
 * never need (an issue list, a second-row check, claim events) is allocated on first use.
 */
export class Group {
  preset: Preset | null = null;
  readonly running: RunningPrebuild[] = [];
  readonly inProgress = { start: 0, stop: 0, delete: 0 };
  pendingNonActive = 0;
  backoff: Backoff | null = null;
  hardLimited = false;
  claimEvents: readonly ClaimEvent[] = NO_EVENTS;
  recordedStatus: PresetStatusRecord | null = null;
  memory: PresetMemory | null = null;
  private issueList: IssueList | null = null;
  private firstRows: Map<string, number> | null = null;

  constructor(
    readonly presetId: string,
    /** Where the preset is in `presets`; -1 for an id no preset has. */
    readonly index: number,
  ) {}

  /** The problems found so far, with their paths. */
  get issues(): IssueList {
    this.issueList ??= new IssueList("snapshot");
    return this.issueList;
  }

  /** Whether no problem was found. */
  get valid(): boolean {
    return this.issueList === null || this.issueList.empty;
  }

  /** Where the first row of a once-per-preset kind was, by list name. */
  get onlyOnce(): Map<string, number> {
    this.firstRows ??= new Map();
    return this.firstRows;
  }

  addClaimEvent(event: ClaimEvent): void {
    if (this.claimEvents === NO_EVENTS) this.claimEvents = [];
    (this.claimEvents as ClaimEvent[]).push(event);
  }
}

/** The lists every snapshot has, and those it may leave out. */
const REQUIRED_LISTS = ["presets", "running", "inProgress", "pendingNonActive", "backoffs", "hardLimitedPresetIds"] as const;
const OPTIONAL_LISTS = ["claimEvents", "recordedStatuses", "memory"] as const;

/** The result of grouping. */
export interface Grouping {
  /** Every preset with a usable id, in the order of `presets`. */
  readonly groups: Map<string, Group>;
  /** Groups for ids that no preset has, in the order they were first named. */
  readonly unknown: Map<string, Group>;
  /** Presets and rows without a usable preset id, reported under their path. */
  readonly unnamed: InvalidPreset[];
}

class Grouper implements Grouping {
  readonly groups = new Map<string, Group>();
  readonly unknown = new Map<string, Group>();
  readonly unnamed: InvalidPreset[] = [];

  addPreset(preset: unknown, index: number): void {
    if (presetRule.is(preset) && !this.groups.has(preset.id)) {
      const group = new Group(preset.id, index);
      group.preset = preset;
      this.groups.set(preset.id, group);
      return;
    }
    const path: Path = ["presets", index];
    const presetId: unknown = isRecord(preset) ? preset["id"] : undefined;
    if (!id.is(presetId)) {
      this.reportUnnamed(presetRule, preset, path);
      return;
    }
    const existing = this.groups.get(presetId);
    if (existing !== undefined) {
      existing.issues.add([...path, "id"], `duplicate preset id "${presetId}"`);
      return;
    }
    const group = new Group(presetId, index);
    group.preset = preset as Preset;
    presetRule.explain(preset, path, group.issues);
    this.groups.set(presetId, group);
  }

  /** The group a row belongs to; an unknown preset id gets a group of its own and an issue. */
  groupOf(presetId: unknown, path: Path): Group | null {
    if (!id.is(presetId)) return null;
    const known = this.groups.get(presetId);
    if (known !== undefined) return known;
    let unknown = this.unknown.get(presetId);
    if (unknown === undefined) {
      unknown = new Group(presetId, -1);
      this.unknown.set(presetId, unknown);
    }
    unknown.issues.add(path, `names preset "${presetId}", which is not in presets`);
    return unknown;
  }

  /** Explains a bad row under its group, or under its own path when it names no preset. */
  reportRow(rule: Rule<unknown>, row: unknown, path: Path, group: Group | null): void {
    if (group !== null) rule.explain(row, path, group.issues);
    else this.reportUnnamed(rule, row, path);
  }

  reportUnnamed(rule: Rule<unknown>, value: unknown, path: Path): void {
    const issues = new IssueList("snapshot");
    rule.explain(value, path, issues);
    this.unnamed.push({ presetId: formatRowPath(path), error: new SnapshotValidationError(issues.issues, formatRowPath(path)) });
  }

  /** A row kind a preset may have once: a second one is an issue naming the first. */
  firstOfItsKind(group: Group, list: string, index: number): boolean {
    const first = group.onlyOnce.get(list);
    if (first === undefined) {
      group.onlyOnce.set(list, index);
      return true;
    }
    group.issues.add([list, index], `second ${ROW_NOUNS[list] ?? list} row for preset "${group.presetId}", the first is ${list}[${first}]`);
    return false;
  }
}

const ROW_NOUNS: Readonly<Record<string, string>> = { backoffs: "backoff", recordedStatuses: "recorded status", memory: "memory" };

function formatRowPath(path: Path): string {
  const [list, index] = path;
  return `${String(list)}[${String(index)}]`;
}

const presetIdOf = (row: unknown): unknown => (isRecord(row) ? row["presetId"] : undefined);

/** Checks the snapshot's shape; throws when it is unusable as a whole. */
function assertShape(global: GlobalSnapshot): void {
  const issues = new IssueList("snapshot");
  if (!isRecord(global)) issues.add([], "must be an object with the lists of a GlobalSnapshot");
  else {
    for (const list of REQUIRED_LISTS) if (!Array.isArray(global[list])) issues.add([list], `must be an array, got ${describeValue(global[list])}`);
    for (const list of OPTIONAL_LISTS) if (global[list] !== undefined && !Array.isArray(global[list])) issues.add([list], `must be an array or absent, got ${describeValue(global[list])}`);
  }
  if (!issues.empty) throw new SnapshotValidationError(issues.issues);
}

/**
 * Whether some prebuild id appears twice, in any rows. One tight pass that does nothing else: a
 * table of 100k ids is fast to fill on its own, but filled while the rows are being grouped it
 * competes with the groups for the caches and costs three to four times as much.
 */
export function hasRepeatedIds(rows: readonly unknown[]): boolean {
  const seen = new Set<string>();
  let ids = 0;
  for (let index = 0; index < rows.length; index += 1) {
    const rowId = (rows[index] as { readonly id?: unknown } | null | undefined)?.id;
    if (typeof rowId === "string") {
      seen.add(rowId);
      ids += 1;
    }
  }
  return seen.size !== ids;
}

/** Running prebuilds: grouped, with duplicate ids found across presets too. */
function groupRunning(grouper: Grouper, rows: readonly unknown[]): void {
  // Valid input repeats no id: then grouping needs no duplicate check at all. Otherwise one hash
  // operation per valid row; where a repeated id was first seen is looked up only when one
  // repeats, and then each row is indexed at most once.
  const repeated = hasRepeatedIds(rows);
  const seen = new Set<string>();
  const firstIndexById = new Map<string, number>();
  let indexed = 0;
  const firstIndexOf = (rowId: string, before: number): number => {
    for (; indexed < before; indexed += 1) {
      const candidate = rows[indexed];
      const candidateId = isRecord(candidate) ? candidate["id"] : undefined;
      if (typeof candidateId === "string" && !firstIndexById.has(candidateId)) firstIndexById.set(candidateId, indexed);
    }
    return firstIndexById.get(rowId) ?? -1;
  };
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    if (runningRule.is(row)) {
      const group = grouper.groups.get(row.presetId);
      const size = seen.size;
      if (group !== undefined && (!repeated || seen.add(row.id).size > size)) {
        group.running.push(row);
        continue;
      }
    }
    const path: Path = ["running", index];
    const group = grouper.groupOf(presetIdOf(row), [...path, "presetId"]);
    let valid = runningRule.is(row);
    if (!valid) grouper.reportRow(runningRule, row, path, group);
    const rowId = isRecord(row) ? row["id"] : undefined;
    if (repeated && typeof rowId === "string") {
      const firstIndex = firstIndexOf(rowId, index);
      seen.add(rowId);
      if (firstIndex !== -1) {
        valid = false;
        const message = `duplicate prebuild id "${rowId}", also at running[${firstIndex}]`;
        if (group !== null) group.issues.add([...path, "id"], message);
        else grouper.unnamed.push({ presetId: formatRowPath(path), error: new SnapshotValidationError([{ path: `running[${index}].id`, message }], formatRowPath(path)) });
        const firstGroup = grouper.groups.get(String(presetIdOf(rows[firstIndex]))) ?? grouper.unknown.get(String(presetIdOf(rows[firstIndex]))) ?? null;
        if (firstGroup !== null && firstGroup !== group) firstGroup.issues.add(["running", firstIndex, "id"], `duplicate prebuild id "${rowId}", also at running[${index}]`);
      }
    }
    if (valid && group !== null) group.running.push(row as RunningPrebuild);
  }
}

/** Rows that name a preset and add to its group when valid. */
function groupRows<T>(grouper: Grouper, list: string, rows: readonly unknown[] | undefined, rule: Rule<T>, add: (group: Group, row: T, index: number) => void): void {
  if (rows === undefined) return;
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    if (rule.is(row)) {
      const group = grouper.groups.get(String(presetIdOf(row)));
      if (group !== undefined) {
        add(group, row, index);
        continue;
      }
    }
    const path: Path = [list, index];
    const group = grouper.groupOf(presetIdOf(row), [...path, "presetId"]);
    if (!rule.is(row)) grouper.reportRow(rule, row, path, group);
  }
}

/** Groups every row under its preset, recording each problem under the preset it concerns. */
export function groupSnapshot(global: GlobalSnapshot): Grouping {
  assertShape(global);
  const grouper = new Grouper();
  global.presets.forEach((preset, index) => grouper.addPreset(preset, index));
  groupRunning(grouper, global.running);
  groupRows(grouper, "inProgress", global.inProgress, inProgressRule, (group, row) => {
    group.inProgress[row.transition] += row.count;
  });
  groupRows(grouper, "pendingNonActive", global.pendingNonActive, pendingNonActiveRule, (group, row) => {
    group.pendingNonActive += row.count;
  });
  groupRows(grouper, "backoffs", global.backoffs, backoffRowRule, (group, row, index) => {
    if (grouper.firstOfItsKind(group, "backoffs", index)) group.backoff = { failedBuilds: row.failedBuilds, lastBuildAt: row.lastBuildAt };
  });
  global.hardLimitedPresetIds.forEach((presetId: unknown, index) => {
    const known = id.is(presetId) ? grouper.groups.get(presetId) : undefined;
    if (known !== undefined) known.hardLimited = true;
    else if (id.is(presetId)) grouper.groupOf(presetId, ["hardLimitedPresetIds", index]);
    else grouper.reportRow(id, presetId, ["hardLimitedPresetIds", index], null);
  });
  groupRows(grouper, "claimEvents", global.claimEvents, claimEventRule, (group, row) => group.addClaimEvent(row));
  groupRows(grouper, "recordedStatuses", global.recordedStatuses, recordedStatusRule, (group, row, index) => {
    if (grouper.firstOfItsKind(group, "recordedStatuses", index)) group.recordedStatus = { status: row.status, configurationKey: row.configurationKey };
  });
  groupRows(grouper, "memory", global.memory, memoryRowRule, (group, row, index) => {
    if (grouper.firstOfItsKind(group, "memory", index)) group.memory = row;
  });
  return grouper;
}

/** The snapshot of one valid group. */
export function snapshotOf(group: Group, preset: Preset): PresetSnapshot {
  return {
    preset,
    running: group.running,
    inProgress: group.inProgress,
    pendingNonActive: group.pendingNonActive,
    backoff: group.backoff,
    hardLimited: group.hardLimited,
    claimEvents: group.claimEvents,
    recordedStatus: group.recordedStatus,
    memory: group.memory,
  };
}
