/**
 * Target expressions against a reference: random well-typed expression trees are printed to text
 * with as few parentheses as expr-lang's grammar allows (plus some extra ones), compiled and
 * evaluated, and the outcome must equal a direct evaluation of the tree written here: the same
 * value, or the same kind of run-time error. The printer follows expr-lang's precedences, so the
 * property also checks that parsing gives back the tree that was printed.
 */

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  compileTargetExpression,
  evaluateTargetExpression,
  TARGET_EXPRESSION_INPUTS,
  type TargetExpressionInput,
  type TargetExpressionInputs,
} from "../../src/core/expression/index.js";

vi.setConfig({ testTimeout: 60_000 });

type ArithmeticSpelling = "+" | "-" | "*" | "/" | "%" | "**" | "^";
type ComparisonSpelling = "==" | "!=" | "<" | "<=" | ">" | ">=";
type FunctionName = "clamp" | "min" | "max" | "ceil" | "floor" | "round" | "abs";

type NumberTree = { readonly wrap: boolean } & (
  | { readonly t: "literal"; readonly value: number; readonly text: string }
  | { readonly t: "input"; readonly name: TargetExpressionInput }
  | { readonly t: "sign"; readonly negate: boolean; readonly operand: NumberTree }
  | { readonly t: "arithmetic"; readonly op: ArithmeticSpelling; readonly left: NumberTree; readonly right: NumberTree }
  | { readonly t: "choose"; readonly test: BooleanTree; readonly yes: NumberTree; readonly no: NumberTree }
  | { readonly t: "call"; readonly name: FunctionName; readonly args: readonly NumberTree[] }
);

type BooleanTree = { readonly wrap: boolean } & (
  | { readonly t: "boolean"; readonly value: boolean }
  | { readonly t: "compare"; readonly ops: readonly ComparisonSpelling[]; readonly operands: readonly NumberTree[] }
  | { readonly t: "same"; readonly equal: boolean; readonly left: BooleanTree; readonly right: BooleanTree }
  | { readonly t: "logic"; readonly op: "&&" | "and" | "||" | "or"; readonly left: BooleanTree; readonly right: BooleanTree }
  | { readonly t: "not"; readonly spelling: "!" | "not"; readonly operand: BooleanTree }
  | { readonly t: "either"; readonly test: BooleanTree; readonly yes: BooleanTree; readonly no: BooleanTree }
);

// ── generation ─────────────────────────────────────────────────────────────────────────────

const wrapArb = fc.constantFrom(false, false, false, false, true);
const LITERALS: readonly (readonly [number, string])[] = [
  [0, "0"],
  [1, "1"],
  [2, "2"],
  [3, "3"],
  [5, "5"],
  [7, "7"],
  [10, "10"],
  [12, "12"],
  [3, "3.0"],
  [0.5, "0.5"],
  [0.5, ".5"],
  [1.5, "1.5"],
  [2.25, "2.25"],
  [0.1, "0.1"],
  [1000, "1e3"],
];
const FUNCTION_ARITY: Readonly<Record<FunctionName, readonly [number, number]>> = {
  clamp: [3, 3],
  min: [1, 4],
  max: [1, 4],
  ceil: [1, 1],
  floor: [1, 1],
  round: [1, 1],
  abs: [1, 1],
};

const depth = { depthSize: "medium", maxDepth: 6, depthIdentifier: "expression" } as const;

const { number: numberTreeArb } = fc.letrec<{ number: NumberTree; boolean: BooleanTree }>((tie) => ({
  number: fc.oneof(
    depth,
    {
      weight: 3,
      arbitrary: fc
        .record({ t: fc.constant("literal" as const), wrap: wrapArb, pair: fc.constantFrom(...LITERALS) })
        .map(({ t, wrap, pair }) => ({ t, wrap, value: pair[0], text: pair[1] })),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("input" as const), wrap: wrapArb, name: fc.constantFrom(...TARGET_EXPRESSION_INPUTS) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("sign" as const), wrap: wrapArb, negate: fc.boolean(), operand: tie("number") }) },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant("arithmetic" as const),
        wrap: wrapArb,
        op: fc.constantFrom<ArithmeticSpelling>("+", "-", "*", "/", "%", "**", "^"),
        left: tie("number"),
        right: tie("number"),
      }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("choose" as const), wrap: wrapArb, test: tie("boolean"), yes: tie("number"), no: tie("number") }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<FunctionName>("clamp", "min", "max", "ceil", "floor", "round", "abs")
        .chain((name) =>
        fc.record({
          t: fc.constant("call" as const),
          wrap: wrapArb,
          name: fc.constant(name),
            args: fc.array(tie("number"), { minLength: FUNCTION_ARITY[name][0], maxLength: FUNCTION_ARITY[name][1] }),
          }),
        ),
    },
  ),
  boolean: fc.oneof(
    depth,
    { weight: 1, arbitrary: fc.record({ t: fc.constant("boolean" as const), wrap: wrapArb, value: fc.boolean() }) },
    {
      weight: 5,
      arbitrary: fc.integer({ min: 1, max: 3 }).chain((links) =>
        fc.record({
          t: fc.constant("compare" as const),
          wrap: wrapArb,
          ops: fc.array(fc.constantFrom<ComparisonSpelling>("==", "!=", "<", "<=", ">", ">="), { minLength: links, maxLength: links }),
          operands: fc.array(tie("number"), { minLength: links + 1, maxLength: links + 1 }),
        }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("same" as const), wrap: wrapArb, equal: fc.boolean(), left: tie("boolean"), right: tie("boolean") }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant("logic" as const),
        wrap: wrapArb,
        op: fc.constantFrom("&&" as const, "and" as const, "||" as const, "or" as const),
        left: tie("boolean"),
        right: tie("boolean"),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("not" as const), wrap: wrapArb, spelling: fc.constantFrom("!" as const, "not" as const), operand: tie("boolean") }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("either" as const), wrap: wrapArb, test: tie("boolean"), yes: tie("boolean"), no: tie("boolean") }) },
  ),
}));

const COUNT_INPUTS = TARGET_EXPRESSION_INPUTS.filter((name) => !name.startsWith("claim_rate_") && name !== "hour" && name !== "weekday");
const RATE_INPUTS = TARGET_EXPRESSION_INPUTS.filter((name) => name.startsWith("claim_rate_"));

const inputsArb: fc.Arbitrary<TargetExpressionInputs> = fc
  .record({
    counts: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: COUNT_INPUTS.length, maxLength: COUNT_INPUTS.length }),
    rates: fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 1.5, 2, 7.3), { minLength: RATE_INPUTS.length, maxLength: RATE_INPUTS.length }),
    hour: fc.integer({ min: 0, max: 23 }),
    weekday: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ counts, rates, hour, weekday }) => {
    const values: Partial<Record<TargetExpressionInput, number>> = { hour, weekday };
    COUNT_INPUTS.forEach((name, index) => {
      values[name] = counts[index] ?? 0;
    });
    RATE_INPUTS.forEach((name, index) => {
      values[name] = rates[index] ?? 0;
    });
    return values as TargetExpressionInputs;
  });

// ── printing, with expr-lang's precedences ────────────────────────────────────────────────────
// Precedence of each form: ?: 0, || 10, && 15, comparisons 20, + - 30, * / % 60, ! not 50,
// prefix - + 90, ** ^ 100 (to the right), atoms above all. A child is wrapped in parentheses
// when it binds looser than its place allows, or when the generator asked for it.

const ATOM = 1000;

function precedenceOfNumber(tree: NumberTree): number {
  switch (tree.t) {
    case "literal":
    case "input":
    case "call":
      return ATOM;
    case "sign":
      return 90;
    case "arithmetic":
      return tree.op === "+" || tree.op === "-" ? 30 : tree.op === "**" || tree.op === "^" ? 100 : 60;
    case "choose":
      return 0;
  }
}

function precedenceOfBoolean(tree: BooleanTree): number {
  switch (tree.t) {
    case "boolean":
      return ATOM;
    case "compare":
    case "same":
      return 20;
    case "logic":
      return tree.op === "&&" || tree.op === "and" ? 15 : 10;
    case "not":
      return 50;
    case "either":
      return 0;
  }
}

function wrapped(text: string, own: number, minimum: number, wrap: boolean): string {
  return wrap || own < minimum ? `(${text})` : text;
}

function printNumber(tree: NumberTree, minimum: number): string {
  const own = precedenceOfNumber(tree);
  let text: string;
  switch (tree.t) {
    case "literal":
      text = tree.text;
      break;
    case "input":
      text = tree.name;
      break;
    case "sign": {
      const operand = printNumber(tree.operand, 90);
      text = `${tree.negate ? "-" : "+"}${/^[-+]/.test(operand) ? " " : ""}${operand}`;
      break;
    }
    case "arithmetic": {
      const power = tree.op === "**" || tree.op === "^";
      const left = printNumber(tree.left, power ? own + 1 : own);
      const right = printNumber(tree.right, power ? own : own + 1);
      text = `${left} ${tree.op} ${right}`;
      break;
    }
    case "choose":
      text = `${printBoolean(tree.test, 1)} ? ${printNumber(tree.yes, 0)} : ${printNumber(tree.no, 0)}`;
      break;
    case "call":
      text = `${tree.name}(${tree.args.map((argument) => printNumber(argument, 0)).join(", ")})`;
      break;
  }
  return wrapped(text, own, minimum, tree.wrap);
}

function printBoolean(tree: BooleanTree, minimum: number): string {
  const own = precedenceOfBoolean(tree);
  let text: string;
  switch (tree.t) {
    case "boolean":
      text = String(tree.value);
      break;
    case "compare":
      text = tree.operands.map((operand, index) => `${index === 0 ? "" : ` ${tree.ops[index - 1] ?? "=="} `}${printNumber(operand, 21)}`).join("");
      break;
    case "same":
      text = `${printBoolean(tree.left, 21)} ${tree.equal ? "==" : "!="} ${printBoolean(tree.right, 21)}`;
      break;
    case "logic":
      text = `${printBoolean(tree.left, own)} ${tree.op} ${printBoolean(tree.right, own + 1)}`;
      break;
    case "not":
      text = `${tree.spelling}${tree.spelling === "not" ? " " : ""}${printBoolean(tree.operand, 50)}`;
      break;
    case "either":
      text = `${printBoolean(tree.test, 1)} ? ${printBoolean(tree.yes, 0)} : ${printBoolean(tree.no, 0)}`;
      break;
  }
  return wrapped(text, own, minimum, tree.wrap);
}

// ── the reference evaluation ──────────────────────────────────────────────────────────────────

type ErrorKind = "modulo by zero" | "modulo of a fraction" | "clamp bounds" | "not finite" | "not whole";

class ReferenceError {
  constructor(readonly kind: ErrorKind) {}
}

/** Go's math.Round: halves away from zero, computed from the truncation (exact below 2^52). */
function goRound(value: number): number {
  const truncated = Math.trunc(value);
  return Math.abs(value - truncated) >= 0.5 ? truncated + Math.sign(value) : truncated;
}

function referenceNumber(tree: NumberTree, inputs: TargetExpressionInputs): number {
  switch (tree.t) {
    case "literal":
      return tree.value;
    case "input":
      return inputs[tree.name];
    case "sign":
      return tree.negate ? -referenceNumber(tree.operand, inputs) : referenceNumber(tree.operand, inputs);
    case "arithmetic": {
      const left = referenceNumber(tree.left, inputs);
      const right = referenceNumber(tree.right, inputs);
      switch (tree.op) {
        case "+":
          return left + right;
        case "-":
          return left - right;
        case "*":
          return left * right;
        case "/":
          return left / right;
        case "%":
          if (!Number.isInteger(left) || !Number.isInteger(right)) throw new ReferenceError("modulo of a fraction");
          if (right === 0) throw new ReferenceError("modulo by zero");
          // Go's integers have no -0: -4 % 2 is 0, and 1 / (-4 % 2) is +Inf.
          return left % right === 0 ? 0 : left % right;
        case "**":
        case "^":
          return Math.pow(left, right);
      }
      break;
    }
    case "choose":
      return referenceBoolean(tree.test, inputs) ? referenceNumber(tree.yes, inputs) : referenceNumber(tree.no, inputs);
    case "call": {
      const args = tree.args.map((argument) => referenceNumber(argument, inputs));
      const [first = Number.NaN, second = Number.NaN, third = Number.NaN] = args;
      switch (tree.name) {
        case "clamp":
          // As the Go system's clamp: below the low bound gives it, above the high bound gives that.
          if (second > third) throw new ReferenceError("clamp bounds");
          if (first < second) return second;
          return first > third ? third : first;
        case "min":
          return args.reduce((best, value) => (value < best ? value : best));
        case "max":
          return args.reduce((best, value) => (value > best ? value : best));
        case "ceil":
          return Math.ceil(first);
        case "floor":
          return Math.floor(first);
        case "round":
          return goRound(first);
        case "abs":
          return Math.abs(first);
      }
    }
  }
}

function referenceBoolean(tree: BooleanTree, inputs: TargetExpressionInputs): boolean {
  switch (tree.t) {
    case "boolean":
      return tree.value;
    case "compare": {
      for (let index = 0; index < tree.ops.length; index += 1) {
        const left = referenceNumber(tree.operands[index] as NumberTree, inputs);
        const right = referenceNumber(tree.operands[index + 1] as NumberTree, inputs);
        const holds = { "==": left === right, "!=": left !== right, "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right }[tree.ops[index] ?? "=="];
        if (!holds) return false;
      }
      return true;
    }
    case "same": {
      const left = referenceBoolean(tree.left, inputs);
      const right = referenceBoolean(tree.right, inputs);
      return tree.equal ? left === right : left !== right;
    }
    case "logic":
      return tree.op === "&&" || tree.op === "and"
        ? referenceBoolean(tree.left, inputs) && referenceBoolean(tree.right, inputs)
        : referenceBoolean(tree.left, inputs) || referenceBoolean(tree.right, inputs);
    case "not":
      return !referenceBoolean(tree.operand, inputs);
    case "either":
      return referenceBoolean(tree.test, inputs) ? referenceBoolean(tree.yes, inputs) : referenceBoolean(tree.no, inputs);
  }
}

type Outcome = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly kind: ErrorKind };

function referenceOutcome(tree: NumberTree, inputs: TargetExpressionInputs): Outcome {
  let value: number;
  try {
    value = referenceNumber(tree, inputs);
  } catch (error) {
    if (error instanceof ReferenceError) return { ok: false, kind: error.kind };
    throw error;
  }
  if (!Number.isFinite(value)) return { ok: false, kind: "not finite" };
  if (!Number.isInteger(value)) return { ok: false, kind: "not whole" };
  return { ok: true, value: value === 0 ? 0 : value };
}

function kindOf(message: string): ErrorKind | string {
  if (message.endsWith("modulo by zero")) return "modulo by zero";
  if (message.includes('"%" needs whole numbers')) return "modulo of a fraction";
  if (/the low bound .* is above the high bound/.test(message)) return "clamp bounds";
  if (/^the result .* not a finite number$/.test(message)) return "not finite";
  if (/^the result .* is not a whole number/.test(message)) return "not whole";
  return message;
}

function inputsOf(tree: NumberTree | BooleanTree, found: Set<TargetExpressionInput>): Set<TargetExpressionInput> {
  if (tree.t === "input") found.add(tree.name);
  for (const child of Object.values(tree).flat()) {
    if (typeof child === "object" && child !== null && "t" in child) inputsOf(child as NumberTree | BooleanTree, found);
  }
  return found;
}

describe("property: compiled target expressions agree with a direct evaluation of their tree", () => {
  it("gives the same value or the same kind of error, and lists the inputs the tree names", () => {
    fc.assert(
      fc.property(numberTreeArb, inputsArb, (tree, inputs) => {
        const source = printNumber(tree, 0);
        fc.pre(source.length <= 4096);
        const compiled = compileTargetExpression(source);
        if (!compiled.ok) throw new Error(`${source} did not compile: ${compiled.message}`);
        const used = inputsOf(tree, new Set());
        expect(compiled.expression.inputs).toEqual(TARGET_EXPRESSION_INPUTS.filter((name) => used.has(name)));
        const result = evaluateTargetExpression(compiled.expression, inputs);
        const expected = referenceOutcome(tree, inputs);
        const actual: Outcome | { ok: false; kind: string } = result.ok ? result : { ok: false, kind: kindOf(result.message) };
        expect(actual, source).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
