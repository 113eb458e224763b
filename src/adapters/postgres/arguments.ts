/**
 * Checks of the values the store sends to PostgreSQL, so that a value it cannot take is a
 * {@link PostgresArgumentError} naming the argument instead of a raw database error (or, for a
 * lone surrogate, which the driver would silently replace, a different value than asked).
 */

import { PostgresArgumentError } from "./errors.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return String(value);
  return typeof value;
}

/** `value`, when it is text PostgreSQL can store. */
export function text(value: unknown, argument: string): string {
  if (typeof value !== "string") throw new PostgresArgumentError(argument, `must be a string, got ${describe(value)}`);
  if (value.includes("\u0000")) throw new PostgresArgumentError(argument, "contains a NUL character (U+0000), which PostgreSQL text cannot hold");
  if (LONE_SURROGATE.test(value)) throw new PostgresArgumentError(argument, "contains a lone UTF-16 surrogate, which is not valid Unicode and cannot be stored as UTF-8");
  return value;
}

/** `value`, when it is `null` or text PostgreSQL can store. */
export function optionalText(value: unknown, argument: string): string | null {
  return value === null ? null : text(value, argument);
}

/** `value`, when it is a valid `Date`. */
export function instant(value: unknown, argument: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new PostgresArgumentError(argument, `must be a valid Date, got ${describe(value)}`);
  return value;
}

/** `value`, when it is `null` or a whole number of milliseconds a bigint column holds. */
export function optionalMilliseconds(value: unknown, argument: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new PostgresArgumentError(argument, `must be null or a whole number of milliseconds ≥ 0, got ${describe(value)}`);
  }
  return value;
}

/** The object at `argument`, so that its fields can be read without a TypeError. */
export function record(value: unknown, argument: string): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null) throw new PostgresArgumentError(argument, `must be an object, got ${describe(value)}`);
  return value as Readonly<Record<string, unknown>>;
}
