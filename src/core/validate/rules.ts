/**
 * One validator: every rule is declared once and answers two questions from that one declaration,
 * "is this value valid?" (a type guard that allocates nothing, for the hot path of a cycle) and
 * "what exactly is wrong, and where?" (issues with array paths, for the slow path). There is no
 * second copy of any check to keep in step.
 */

import type { ValidationIssue } from "../errors.js";

/** One step into a value: a property name or an array index. */
export type PathSegment = string | number;
/** Where a value sits, from the root of what is validated. */
export type Path = readonly PathSegment[];

/** `["presets", 2, "scheduling", "schedules", 0, "cron"]` → `presets[2].scheduling.schedules[0].cron`. */
export function formatPath(path: Path, root: string): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text === "" ? root : text;
}

/** Collects issues with array paths and formats each once, when it is found. */
export class IssueList {
  readonly issues: ValidationIssue[] = [];

  /** @param root what an empty path is called (`"preset"`, `"snapshot"`, `"policy"`). */
  constructor(private readonly root: string) {}

  add(path: Path, message: string): void {
    this.issues.push({ path: formatPath(path, this.root), message });
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }
}

/** A validation rule: a type guard and the explanation of its failures, from one declaration. */
export interface Rule<T> {
  /** Whether `value` is valid; allocates nothing. */
  is(value: unknown): value is T;
  /** Adds one issue per problem of `value`, each with its path under `path`; nothing when valid. */
  explain(value: unknown, path: Path, issues: IssueList): void;
}

/** How a value is named in a message: short, and never throwing whatever the value is. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return "an invalid Date";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A rule on one value, from a test and the message that follows "must be"/"is" when it fails. */
export function check<T>(test: (value: unknown) => value is T, message: (value: unknown) => string): Rule<T> {
  return {
    is: test,
    explain(value, path, issues) {
      if (!test(value)) issues.add(path, message(value));
    },
  };
}

/** Whether `value` is a non-null object (arrays included). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** A non-negative integer. */
export const count: Rule<number> = check(isCount, (value) => `must be a non-negative integer, got ${describeValue(value)}`);
/** A valid `Date`. */
export const date: Rule<Date> = check(isValidDate, (value) => `must be a valid Date, got ${describeValue(value)}`);
/** A boolean. */
export const boolean: Rule<boolean> = check((value): value is boolean => typeof value === "boolean", (value) => `must be a boolean, got ${describeValue(value)}`);
/** A non-empty string, as every id is. */
export const id: Rule<string> = check(isNonEmptyString, (value) => `must be a non-empty string, got ${describeValue(value)}`);
/** Any string. */
export const text: Rule<string> = check((value): value is string => typeof value === "string", (value) => `must be a string, got ${describeValue(value)}`);

/** `rule`, or `null`/absent. */
export function nullable<T>(rule: Rule<T>): Rule<T | null | undefined> {
  return {
    is: (value): value is T | null | undefined => value === null || value === undefined || rule.is(value),
    explain(value, path, issues) {
      if (value !== null && value !== undefined) rule.explain(value, path, issues);
    },
  };
}

/** A value that must be one of a few strings. */
export function oneOf<const T extends string>(choices: readonly T[]): Rule<T> {
  const allowed = new Set<unknown>(choices);
  const listed = choices.map((choice) => JSON.stringify(choice));
  const wording = listed.length > 1 ? `${listed.slice(0, -1).join(", ")} or ${listed.at(-1) ?? ""}` : (listed[0] ?? "");
  return check((value): value is T => allowed.has(value), (value) => `must be ${wording}, got ${JSON.stringify(value) ?? "nothing"}`);
}

/** Shapes of an object: a rule per property. */
export type Shape = Readonly<Record<string, Rule<unknown>>>;
type Shaped<S extends Shape> = { [K in keyof S]: S[K] extends Rule<infer T> ? T : never };

/**
 * An object whose listed properties each follow their rule, then `refinements` (rules over the
 * whole object, for what spans several properties), checked only once every property is valid.
 */
export function object<S extends Shape>(shape: S, refinements: readonly Rule<unknown>[] = []): Rule<Shaped<S>> {
  const entries = Object.entries(shape);
  const keys = entries.map(([key]) => key);
  const rules = entries.map(([, rule]) => rule);
  return {
    is: compiledIs(keys, rules, refinements) as (value: unknown) => value is Shaped<S>,
    explain(value, path, issues) {
      if (!isRecord(value) || Array.isArray(value)) {
        issues.add(path, `must be an object, got ${describeValue(value)}`);
        return;
      }
      let fieldsValid = true;
      for (const [key, rule] of entries) {
        if (rule.is(value[key])) continue;
        fieldsValid = false;
        rule.explain(value[key], [...path, key], issues);
      }
      if (fieldsValid) for (const refinement of refinements) refinement.explain(value, path, issues);
    },
  };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
let compilingAllowed = true;

/**
 * The `is` of an object rule. It runs for every row of every cycle, so where the platform allows
 * it, it is compiled once per rule into a function of its own that reads each property by name:
 * its property reads and calls then see one shape each, where a shared loop over keys would see
 * every shape of every rule and run many times slower. The code is built only from the keys
 * declared in this module's schemas (checked to be identifiers), never from input. Where code
 * cannot be compiled (a Content-Security-Policy without 'unsafe-eval'), the loop is used.
 */
export function compiledIs(keys: readonly string[], rules: readonly Rule<unknown>[], refinements: readonly Rule<unknown>[]): (value: unknown) => boolean {
  if (!compilingAllowed || !keys.every((key) => IDENTIFIER.test(key))) return loopIs(keys, rules, refinements);
  const fields = keys.map((key, index) => `fields[${index}].is(value.${key})`);
  const refined = refinements.map((_, index) => `refinements[${index}].is(value)`);
  const body = `return function isValid(value) { return typeof value === "object" && value !== null && !Array.isArray(value)${[...fields, ...refined].map((test) => ` && ${test}`).join("")}; };`;
  try {
    return new Function("fields", "refinements", body)(rules, refinements) as (value: unknown) => boolean;
  } catch {
    compilingAllowed = false;
    return loopIs(keys, rules, refinements);
  }
}

/** The `is` of an object rule as a loop over its keys: where code cannot be compiled, and the reference the compiled one is tested against. */
export function loopIs(keys: readonly string[], rules: readonly Rule<unknown>[], refinements: readonly Rule<unknown>[]): (value: unknown) => boolean {
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (let index = 0; index < keys.length; index += 1) if (!(rules[index] as Rule<unknown>).is(record[keys[index] as string])) return false;
    for (let index = 0; index < refinements.length; index += 1) if (!(refinements[index] as Rule<unknown>).is(value)) return false;
    return true;
  };
}

/** An array whose every element follows `rule`. */
export function array<T>(rule: Rule<T>): Rule<readonly T[]> {
  return {
    is(value): value is readonly T[] {
      if (!Array.isArray(value)) return false;
      for (const element of value as unknown[]) if (!rule.is(element)) return false;
      return true;
    },
    explain(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.add(path, `must be an array, got ${describeValue(value)}`);
        return;
      }
      (value as unknown[]).forEach((element, index) => {
        if (!rule.is(element)) rule.explain(element, [...path, index], issues);
      });
    },
  };
}

/** Any of several rules; explains with the first, which names the expected shape. */
export function either<A, B>(first: Rule<A>, second: Rule<B>): Rule<A | B> {
  return {
    is: (value): value is A | B => first.is(value) || second.is(value),
    explain(value, path, issues) {
      if (!first.is(value) && !second.is(value)) first.explain(value, path, issues);
    },
  };
}

/**
 * Runs `rule` and returns the issues found, for the public "validate without throwing" functions.
 * Paths start at `base`; an issue about the value itself (an empty path) is reported under `root`.
 */
export function issuesOf(rule: Rule<unknown>, value: unknown, root: string, base: Path = []): ValidationIssue[] {
  if (rule.is(value)) return [];
  const issues = new IssueList(root);
  rule.explain(value, base, issues);
  return issues.issues;
}
