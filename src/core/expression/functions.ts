/**
 * The functions a target expression may call. Each takes numbers and gives a number; `min` and
 * `max` take one or more arguments, the others a fixed number. `round` rounds half away from
 * zero, as Go's math.Round (and so expr-lang) does.
 */

import { Op } from "./bytecode.js";

/** What the compiler needs to know about a function. */
export interface FunctionDefinition {
  readonly minArguments: number;
  /** `Infinity` for `min` and `max`. */
  readonly maxArguments: number;
  /** How a call looks, for messages. */
  readonly usage: string;
  /** The operation that runs it. */
  readonly op: number;
}

/** Every function, by name. */
export const FUNCTIONS: Readonly<Record<string, FunctionDefinition>> = {
  clamp: { minArguments: 3, maxArguments: 3, usage: "clamp(value, low, high)", op: Op.clamp },
  min: { minArguments: 1, maxArguments: Infinity, usage: "min(a, b, …)", op: Op.min },
  max: { minArguments: 1, maxArguments: Infinity, usage: "max(a, b, …)", op: Op.max },
  ceil: { minArguments: 1, maxArguments: 1, usage: "ceil(x)", op: Op.ceil },
  floor: { minArguments: 1, maxArguments: 1, usage: "floor(x)", op: Op.floor },
  round: { minArguments: 1, maxArguments: 1, usage: "round(x)", op: Op.round },
  abs: { minArguments: 1, maxArguments: 1, usage: "abs(x)", op: Op.abs },
};

/**
 * The names of the functions a target expression may call.
 *
 * @example
 * TARGET_EXPRESSION_FUNCTIONS.includes("clamp"); // true
 */
export const TARGET_EXPRESSION_FUNCTIONS: readonly string[] = Object.freeze(Object.keys(FUNCTIONS));
