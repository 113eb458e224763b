/**
 * Five-field cron expressions: syntax check, parsing with cron-parser, and a compiled form that
 * matches wall-clock fields with table look-ups. Each expression is parsed once per process.
 */

import { CronExpressionParser } from "cron-parser";
import type { WallClock } from "./timezone.js";

/** A parsed cron expression, ready to match wall-clock fields. */
export interface CompiledCron {
  readonly source: string;
  readonly minutes: Uint8Array;
  readonly hours: Uint8Array;
  readonly daysOfMonth: Uint8Array;
  readonly months: Uint8Array;
  readonly daysOfWeek: Uint8Array;
  /** The minute field is `*`-like: every minute of a matching hour matches. */
  readonly everyMinute: boolean;
  /** The hour field covers all 24 hours. */
  readonly everyHour: boolean;
  /** Day-of-month is restricted (its text is not `*`); with both day fields restricted either may match. */
  readonly dayOfMonthRestricted: boolean;
  /** Day-of-week is restricted (its text is not `*`). */
  readonly dayOfWeekRestricted: boolean;
}

/** The result of compiling: the compiled form, or a message saying what is wrong. */
export type CompileResult = { readonly ok: true; readonly cron: CompiledCron } | { readonly ok: false; readonly message: string };

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELD_NAMES = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;
const NAMES_BY_FIELD: readonly (readonly string[])[] = [[], [], [], MONTH_NAMES, DAY_NAMES];

// Bounded so that a host feeding endless distinct expressions cannot grow memory without limit.
const CACHE_LIMIT = 10_000;
const cache = new Map<string, CompileResult>();

function syntaxProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (trimmed.startsWith("@")) return `aliases such as "${trimmed}" are not supported; write the 5 fields`;
  const fields = trimmed.split(/\s+/);
  if (trimmed === "" || fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${trimmed === "" ? 0 : fields.length}`;
  }
  for (const [index, field] of fields.entries()) {
    const fieldName = FIELD_NAMES[index] ?? "field";
    if (!/^[*0-9A-Za-z,\-/]+$/.test(field)) {
      return `${fieldName} field "${field}" may only hold numbers, names, "*", ",", "-" and "/"`;
    }
    const allowedNames = NAMES_BY_FIELD[index] ?? [];
    for (const word of field.match(/[A-Za-z]+/g) ?? []) {
      if (!allowedNames.includes(word.toLowerCase())) {
        return `${fieldName} field "${field}" has "${word}", which is not a ${fieldName} name`;
      }
    }
  }
  return null;
}

function table(values: readonly number[], size: number, foldSevenToSunday = false): Uint8Array {
  const result = new Uint8Array(size);
  for (const value of values) {
    result[foldSevenToSunday && value === 7 ? 0 : value] = 1;
  }
  return result;
}

const FIELD_KEYS = ["minute", "hour", "dayOfMonth", "month", "dayOfWeek"] as const;
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The values one field allows: the union of its comma-separated items. cron-parser refuses lists
 * whose items overlap (`1-5,3`, `0,7`, a step list plus one of its values), which standard cron
 * accepts, so each item is parsed on its own, in its place, with `*` in the other fields.
 */
function fieldValues(fieldTexts: readonly string[], index: number): number[] | string {
  const values = new Set<number>();
  for (const item of (fieldTexts[index] ?? "").split(",")) {
    const probe = FIELD_KEYS.map((_, position) => (position === index ? item : "*")).join(" ");
    try {
      // The zone does not matter for field parsing; UTC keeps cron-parser off the host's zone. The
      // fixed currentDate too: without one, cron-parser starts from DateTime.local() and asks Intl
      // for the host's zone name, which builds a new Intl.DateTimeFormat on every parse.
      const field = CronExpressionParser.parse(probe, { tz: "UTC", currentDate: 0 }).fields[FIELD_KEYS[index] ?? "minute"];
      for (const value of field.values) if (typeof value === "number") values.add(value);
    } catch (error) {
      return `cron-parser rejected it: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return [...values];
}

function compileUncached(expression: string): CompileResult {
  const problem = syntaxProblem(expression);
  if (problem !== null) return { ok: false, message: problem };
  const fieldTexts = expression.trim().split(/\s+/);
  const fields: number[][] = [];
  for (let index = 0; index < FIELD_KEYS.length; index += 1) {
    const values = fieldValues(fieldTexts, index);
    if (typeof values === "string") return { ok: false, message: values };
    fields.push(values);
  }
  const [minute = [], hour = [], dayOfMonth = [], month = [], dayOfWeek = []] = fields;
  const cron: CompiledCron = {
    source: expression,
    minutes: table(minute, 60),
    hours: table(hour, 24),
    daysOfMonth: table(dayOfMonth, 32),
    months: table(month, 13),
    daysOfWeek: table(dayOfWeek, 7, true),
    everyMinute: minute.length === 60,
    everyHour: hour.length === 24,
    dayOfMonthRestricted: fieldTexts[2] !== "*",
    dayOfWeekRestricted: fieldTexts[4] !== "*",
  };
  // Like cron-parser, refuse days of month that exist in none of the months when only they decide.
  if (cron.dayOfMonthRestricted && !cron.dayOfWeekRestricted && !month.some((monthNumber) => dayOfMonth.some((day) => day <= (DAYS_IN_MONTH[monthNumber] ?? 0)))) {
    return { ok: false, message: `day-of-month ${fieldTexts[2] ?? ""} never occurs in month ${fieldTexts[3] ?? ""}` };
  }
  return { ok: true, cron };
}

/** Compiles a 5-field cron expression, once per distinct text. */
export function compileCron(expression: string): CompileResult {
  let result = cache.get(expression);
  if (result === undefined) {
    result = compileUncached(expression);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(expression, result);
  }
  return result;
}

/** Whether the day (month, day-of-month, day-of-week) of `wall` matches, with cron's day rule. */
export function dayMatches(cron: CompiledCron, wall: WallClock): boolean {
  if (cron.months[wall.month] !== 1) return false;
  const byMonthDay = cron.daysOfMonth[wall.dayOfMonth] === 1;
  const byWeekDay = cron.daysOfWeek[wall.dayOfWeek] === 1;
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return byMonthDay || byWeekDay;
  return byMonthDay && byWeekDay;
}

/** Whether the wall-clock minute `wall` matches every field of `cron`. */
export function cronMatches(cron: CompiledCron, wall: WallClock): boolean {
  return cron.minutes[wall.minute] === 1 && cron.hours[wall.hour] === 1 && dayMatches(cron, wall);
}
