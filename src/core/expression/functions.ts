/**
 * The functions a target expression may call. Each takes numbers and gives a number; `min` and
 * `max` take one or more arguments, the others a fixed number. `round` rounds half away from
 * zero, as Go's math.Round (and so expr-lang) does; JavaScript's Math.round rounds half up.
 */

import { EvaluationFault, type TargetExpressionInputs } from "./inputs.js";

/** A compiled piece of an expression that gives a number. */
export type NumberProgram = (inputs: TargetExpressionInputs) => number;

/** A compiled piece of an expression that gives a boolean. */
export type BooleanProgram = (inputs: TargetExpressionInputs) => boolean;


interface FunctionDefinition {
  readonly minArguments: number;
  /** `Infinity` for `min` and `max`. */
  readonly maxArguments: number;
  /** How a call looks, for messages. */
  readonly usage: string;
  /** Builds the call from its compiled arguments; `call` is the call's text and column, for messages. */
  build(args: readonly NumberProgram[], call: string): NumberProgram;
}

function only(args: readonly NumberProgram[], index: number): NumberProgram {
  const program = args[index];
  if (program === undefined) throw new Error(`argument ${index + 1} is missing`);
  return program;
}

function roundHalfAwayFromZero(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

function extremum(args: readonly NumberProgram[], keepLeft: (left: number, right: number) => boolean): NumberProgram {
  if (args.length === 1) return only(args, 0);
  if (args.length === 2) {
    const first = only(args, 0);
    const second = only(args, 1);
    return (inputs) => {
      const left = first(inputs);
      const right = second(inputs);
      return keepLeft(left, right) ? left : right;
    };
  }
  const programs = [...args];
  return (inputs) => {
    let best = (programs[0] as NumberProgram)(inputs);
    for (let index = 1; index < programs.length; index += 1) {
      const value = (programs[index] as NumberProgram)(inputs);
      if (!keepLeft(best, value)) best = value;
    }
    return best;
  };
}

/** Every function, by name. */
export const FUNCTIONS: Readonly<Record<string, FunctionDefinition>> = {
  clamp: {
    minArguments: 3,
    maxArguments: 3,
    usage: "clamp(value, low, high)",
    build(args, call) {
      const value = only(args, 0);
      const low = only(args, 1);
      const high = only(args, 2);
      return (inputs) => {
        const number = value(inputs);
        const lowest = low(inputs);
        const highest = high(inputs);
        if (lowest > highest) throw new EvaluationFault(`${call}: the low bound ${lowest} is above the high bound ${highest}`);
        if (number < lowest) return lowest;
        return number > highest ? highest : number;
      };
    },
  },
  min: { minArguments: 1, maxArguments: Infinity, usage: "min(a, b, …)", build: (args) => extremum(args, (left, right) => !(right < left)) },
  max: { minArguments: 1, maxArguments: Infinity, usage: "max(a, b, …)", build: (args) => extremum(args, (left, right) => !(right > left)) },
  ceil: {
    minArguments: 1,
    maxArguments: 1,
    usage: "ceil(x)",
    build(args) {
      const argument = only(args, 0);
      return (inputs) => Math.ceil(argument(inputs));
    },
  },
  floor: {
    minArguments: 1,
    maxArguments: 1,
    usage: "floor(x)",
    build(args) {
      const argument = only(args, 0);
      return (inputs) => Math.floor(argument(inputs));
    },
  },
  round: {
    minArguments: 1,
    maxArguments: 1,
    usage: "round(x)",
    build(args) {
      const argument = only(args, 0);
      return (inputs) => roundHalfAwayFromZero(argument(inputs));
    },
  },
  abs: {
    minArguments: 1,
    maxArguments: 1,
    usage: "abs(x)",
    build(args) {
      const argument = only(args, 0);
      return (inputs) => Math.abs(argument(inputs));
    },
  },
};

/**
 * The names of the functions a target expression may call.
 *
 * @example
 * TARGET_EXPRESSION_FUNCTIONS.includes("clamp"); // true
 */
export const TARGET_EXPRESSION_FUNCTIONS: readonly string[] = Object.freeze(Object.keys(FUNCTIONS));
