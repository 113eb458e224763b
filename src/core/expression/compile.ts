/**
 * Compiling target expressions: parse (jsep, with expr-lang's grammar), type check, compile to
 * bytecode. Each distinct source text is compiled once per process and the result shared.
 */

import type { Bytecode } from "./bytecode.js";
import type { TargetExpressionInput } from "./inputs.js";
import { parseTargetExpression } from "./parse.js";
import { buildProgram } from "./program.js";

/** The key of a compiled expression's bytecode: not exported from the package, so only this module runs it. */
export const PROGRAM: unique symbol = Symbol("target expression bytecode");

/** The key of a compiled expression's constants that are not small integers. */
export const FRACTIONS: unique symbol = Symbol("target expression fractions");

/** The key of the texts a compiled expression's run-time messages quote. */
export const TEXTS: unique symbol = Symbol("target expression texts");

/** A target expression that compiled: well-formed, well-typed, giving a number. Shared and frozen. */
export interface CompiledTargetExpression {
  /** The source text, exactly as given. */
  readonly source: string;
  /**
   * The inputs the expression reads, each once, in {@link TARGET_EXPRESSION_INPUTS} order. An
   * input that is not listed is never read, so it need not be computed.
   */
  readonly inputs: readonly TargetExpressionInput[];
  /** The compiled bytecode; use {@link evaluateTargetExpression} to run it. */
  readonly [PROGRAM]: Bytecode;
  /** The constants that are not small integers, which the bytecode refers to by index. */
  readonly [FRACTIONS]: readonly number[];
  /** The texts of the operations that can fail at run time, with their columns. */
  readonly [TEXTS]: readonly string[];
}

/** The result of compiling: the compiled expression, or a message saying what is wrong and where. */
export type TargetExpressionCompileResult =
  | { readonly ok: true; readonly expression: CompiledTargetExpression }
  | { readonly ok: false; readonly message: string };

// Bounded so that a host feeding endless distinct expressions cannot grow memory without limit.
const CACHE_LIMIT = 10_000;
const cache = new Map<string, TargetExpressionCompileResult>();

function compileUncached(source: string): TargetExpressionCompileResult {
  const parsed = parseTargetExpression(source);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const built = buildProgram(parsed.tree, source);
  if (!built.ok) return { ok: false, message: built.message };
  const expression: CompiledTargetExpression = Object.freeze({
    source,
    inputs: Object.freeze([...built.program.inputs]),
    // Not frozen: V8 stores a frozen array's numbers boxed, one more memory access per read.
    // Nothing outside this module can reach them.
    [PROGRAM]: built.program.bytecode,
    [FRACTIONS]: built.program.fractions,
    [TEXTS]: Object.freeze([...built.program.texts]),
  });
  return Object.freeze({ ok: true, expression });
}

/**
 * Compiles a target expression, once per distinct source text: the same text gives the same
 * result object. Never throws; a bad expression gives `{ ok: false, message }` naming the problem
 * and, where it has one, its column.
 *
 * @example
 * const compiled = compileTargetExpression("max(scheduled_target, ceil(claim_rate_30m * 10))");
 * if (compiled.ok) compiled.expression.inputs; // ["scheduled_target", "claim_rate_30m"]
 * compileTargetExpression("hour > 9"); // { ok: false, message: 'the expression must give a number …' }
 */
export function compileTargetExpression(source: string): TargetExpressionCompileResult {
  let result = cache.get(source);
  if (result === undefined) {
    result = compileUncached(source);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, result);
  }
  return result;
}
