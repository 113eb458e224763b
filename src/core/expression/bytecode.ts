/**
 * The compiled form of a target expression, and the one interpreter that runs them all.
 *
 * An expression compiles to a plain array of small integers: an operation code, followed by its
 * operand when it has one (an integer constant, an input's index, a jump target, a count, the
 * index of a fractional constant in a second array, which most expressions do not need).
 * Booleans are 1 and 0. One interpreter walks the array with a shared stack of numbers.
 *
 * Why not a tree of closures per expression, which is as fast on one expression in a loop? With
 * 10,000 presets each holding its own expression, the closures (a function object and a context
 * per node) no longer fit the processor's caches and every call site sees thousands of targets.
 * Why small integers in one array? Each evaluation then touches the fewest cache lines (the
 * expression, the array, its elements, all inside the JavaScript heap), and the interpreter's
 * `switch` on a small integer compiles to a jump table. The figures are in
 * docs/expression-evaluator.md.
 */

import { TARGET_EXPRESSION_INPUTS, type TargetExpressionInputs } from "./inputs.js";

/**
 * Thrown inside the interpreter for a run-time error; caught by the evaluator, never seen
 * outside. `text` indexes the expression's texts of failing operations (the evaluator puts it in
 * front of the detail), or is null when the detail says it all.
 */
export class EvaluationFault {
  constructor(
    readonly text: number | null,
    readonly detail: string,
  ) {}
}

/**
 * Operation codes. The interpreter's `switch` uses the same numbers as literals; the tests run
 * every operation, so a mismatch cannot go unseen.
 */
export const Op = {
  /** Push the operand, an integer. */
  constant: 0,
  /** Push the input whose index in TARGET_EXPRESSION_INPUTS is the operand. */
  input: 1,
  negate: 2,
  not: 3,
  add: 4,
  subtract: 5,
  multiply: 6,
  divide: 7,
  /** Operand: the index of the operation's text, for messages. */
  modulo: 8,
  power: 9,
  less: 10,
  lessOrEqual: 11,
  greater: 12,
  greaterOrEqual: 13,
  equal: 14,
  notEqual: 15,
  /** Pop; go to the operand when the value is 0 (false). */
  jumpIfFalse: 16,
  /** Go to the operand. */
  jump: 17,
  ceil: 18,
  floor: 19,
  round: 20,
  abs: 21,
  /** Operand: how many values to take. */
  min: 22,
  /** Operand: how many values to take. */
  max: 23,
  /** Takes value, low, high. Operand: the index of the call's text, for messages. */
  clamp: 24,
  /** Stop: the result is the one value on the stack. */
  end: 25,
  /** Push fractions[operand]: a constant that is not a small integer. */
  fraction: 26,
} as const;

/** A compiled expression: operation codes and their operands, all small integers. */
export type Bytecode = readonly number[];

/** The largest magnitude an integer constant may have to sit in the bytecode (V8 keeps such integers unboxed). */
export const INLINE_INTEGER_LIMIT = 2 ** 30;

// One stack for all evaluations: evaluation is synchronous and never re-entered. The compiler
// makes it large enough for every expression it compiles, so running never checks its size.
let stack = new Float64Array(64);

/** Makes the shared stack hold at least `size` values; called by the compiler. */
export function reserveStack(size: number): void {
  if (stack.length < size) stack = new Float64Array(size);
}

function fault(text: number | null, detail: string): never {
  throw new EvaluationFault(text, detail);
}

/** Reads one input by its index; one property read per case keeps each read monomorphic. */
function readInput(inputs: TargetExpressionInputs, index: number): number {
  let value: number;
  switch (index) {
    case 0:
      value = inputs.scheduled_target;
      break;
    case 1:
      value = inputs.running;
      break;
    case 2:
      value = inputs.eligible;
      break;
    case 3:
      value = inputs.starting;
      break;
    case 4:
      value = inputs.stopping;
      break;
    case 5:
      value = inputs.deleting;
      break;
    case 6:
      value = inputs.expired;
      break;
    case 7:
      value = inputs.claims_5m;
      break;
    case 8:
      value = inputs.claims_10m;
      break;
    case 9:
      value = inputs.claims_30m;
      break;
    case 10:
      value = inputs.claims_60m;
      break;
    case 11:
      value = inputs.claims_120m;
      break;
    case 12:
      value = inputs.misses_5m;
      break;
    case 13:
      value = inputs.misses_10m;
      break;
    case 14:
      value = inputs.misses_30m;
      break;
    case 15:
      value = inputs.misses_60m;
      break;
    case 16:
      value = inputs.misses_120m;
      break;
    case 17:
      value = inputs.claim_rate_5m;
      break;
    case 18:
      value = inputs.claim_rate_10m;
      break;
    case 19:
      value = inputs.claim_rate_30m;
      break;
    case 20:
      value = inputs.claim_rate_60m;
      break;
    case 21:
      value = inputs.claim_rate_120m;
      break;
    case 22:
      value = inputs.hour;
      break;
    default:
      value = inputs.weekday;
  }
  // `value - value` is 0 for a finite number and NaN for NaN, ±Infinity, undefined and anything
  // else. Checking each input as it is read fails an expression on a bad input it uses (instead of
  // taking the wrong branch of `? :` on NaN) and never on one it does not.
  if (value - value !== 0) fault(null, `the input ${TARGET_EXPRESSION_INPUTS[index] ?? index} is ${String(value)}, not a finite number`);
  return value;
}

/** Go's math.Round: halves away from zero (JavaScript's Math.round takes them up). */
function roundHalfAwayFromZero(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

/**
 * Runs compiled code over the inputs and returns the number it gives. Throws
 * {@link EvaluationFault} on a run-time error; the evaluator turns it into a result.
 */
export function runBytecode(ops: Bytecode, fractions: readonly number[], inputs: TargetExpressionInputs): number {
  const values = stack;
  let top = -1;
  let pc = 0;
  for (;;) {
    switch (ops[pc]) {
      case 0: // constant
        values[++top] = ops[pc + 1] as number;
        pc += 2;
        break;
      case 1: // input
        values[++top] = readInput(inputs, ops[pc + 1] as number);
        pc += 2;
        break;
      case 2: // negate
        values[top] = -(values[top] as number);
        pc += 1;
        break;
      case 3: // not
        values[top] = values[top] === 0 ? 1 : 0;
        pc += 1;
        break;
      case 4: // add
        top -= 1;
        values[top] = (values[top] as number) + (values[top + 1] as number);
        pc += 1;
        break;
      case 5: // subtract
        top -= 1;
        values[top] = (values[top] as number) - (values[top + 1] as number);
        pc += 1;
        break;
      case 6: // multiply
        top -= 1;
        values[top] = (values[top] as number) * (values[top + 1] as number);
        pc += 1;
        break;
      case 7: // divide: float division, as expr-lang's `/` always is (7 / 2 is 3.5, 1 / 0 is +Inf)
        top -= 1;
        values[top] = (values[top] as number) / (values[top + 1] as number);
        pc += 1;
        break;
      case 8: {
        // modulo: Go's integer remainder takes the dividend's sign, as JavaScript's does; `+ 0`
        // turns -0 into 0, since Go's integers have no -0.
        top -= 1;
        const dividend = values[top] as number;
        const divisor = values[top + 1] as number;
        if (!Number.isInteger(dividend) || !Number.isInteger(divisor)) fault(ops[pc + 1] as number, `"%" needs whole numbers, but got ${dividend} % ${divisor}`);
        if (divisor === 0) fault(ops[pc + 1] as number, "modulo by zero");
        values[top] = (dividend % divisor) + 0;
        pc += 2;
        break;
      }
      case 9: // power
        top -= 1;
        values[top] = (values[top] as number) ** (values[top + 1] as number);
        pc += 1;
        break;
      case 10: // less
        top -= 1;
        values[top] = (values[top] as number) < (values[top + 1] as number) ? 1 : 0;
        pc += 1;
        break;
      case 11: // lessOrEqual
        top -= 1;
        values[top] = (values[top] as number) <= (values[top + 1] as number) ? 1 : 0;
        pc += 1;
        break;
      case 12: // greater
        top -= 1;
        values[top] = (values[top] as number) > (values[top + 1] as number) ? 1 : 0;
        pc += 1;
        break;
      case 13: // greaterOrEqual
        top -= 1;
        values[top] = (values[top] as number) >= (values[top + 1] as number) ? 1 : 0;
        pc += 1;
        break;
      case 14: // equal: numbers compare numerically, booleans as 1 and 0
        top -= 1;
        values[top] = values[top] === values[top + 1] ? 1 : 0;
        pc += 1;
        break;
      case 15: // notEqual
        top -= 1;
        values[top] = values[top] !== values[top + 1] ? 1 : 0;
        pc += 1;
        break;
      case 16: // jumpIfFalse
        top -= 1;
        pc = values[top + 1] === 0 ? (ops[pc + 1] as number) : pc + 2;
        break;
      case 17: // jump
        pc = ops[pc + 1] as number;
        break;
      case 18: // ceil
        values[top] = Math.ceil(values[top] as number);
        pc += 1;
        break;
      case 19: // floor
        values[top] = Math.floor(values[top] as number);
        pc += 1;
        break;
      case 20: // round
        values[top] = roundHalfAwayFromZero(values[top] as number);
        pc += 1;
        break;
      case 21: // abs
        values[top] = Math.abs(values[top] as number);
        pc += 1;
        break;
      case 22: {
        // min: the first argument stays unless a later one is smaller, as expr-lang's min
        const first = top - (ops[pc + 1] as number) + 1;
        let best = values[first] as number;
        for (let index = first + 1; index <= top; index += 1) if ((values[index] as number) < best) best = values[index] as number;
        top = first;
        values[top] = best;
        pc += 2;
        break;
      }
      case 23: {
        // max
        const first = top - (ops[pc + 1] as number) + 1;
        let best = values[first] as number;
        for (let index = first + 1; index <= top; index += 1) if ((values[index] as number) > best) best = values[index] as number;
        top = first;
        values[top] = best;
        pc += 2;
        break;
      }
      case 24: {
        // clamp, as the Go system's: below the low bound gives it, above the high bound gives that
        top -= 2;
        const value = values[top] as number;
        const low = values[top + 1] as number;
        const high = values[top + 2] as number;
        if (low > high) fault(ops[pc + 1] as number, `the low bound ${low} is above the high bound ${high}`);
        values[top] = value < low ? low : value > high ? high : value;
        pc += 2;
        break;
      }
      case 26: // fraction
        values[++top] = fractions[ops[pc + 1] as number] as number;
        pc += 2;
        break;
      default: // end
        return values[0] as number;
    }
  }
}
