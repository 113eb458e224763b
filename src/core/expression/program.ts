/**
 * Type checking a syntax tree and compiling it to bytecode, once per expression.
 *
 * Every input is a number, so each node's type (number or boolean) is known before any
 * evaluation: a boolean where a number is needed, or the reverse, is a compile error, as in
 * expr-lang's checker. The bytecode then needs no type tests when it runs.
 */

import { type Bytecode, INLINE_INTEGER_LIMIT, Op, reserveStack } from "./bytecode.js";
import { FUNCTIONS, TARGET_EXPRESSION_FUNCTIONS } from "./functions.js";
import { isTargetExpressionInput, TARGET_EXPRESSION_INPUTS, type TargetExpressionInput } from "./inputs.js";
import { type ComparisonOperator, columnOf, type SyntaxNode, textOf } from "./syntax.js";

type ValueType = "number" | "boolean";

/** A type-checked expression: its bytecode and fractions, the texts its run-time messages quote, and the inputs it reads. */
export interface Program {
  readonly bytecode: Bytecode;
  readonly fractions: readonly number[];
  readonly texts: readonly string[];
  readonly inputs: readonly TargetExpressionInput[];
}

/** The result of building a program. */
export type ProgramResult = { readonly ok: true; readonly program: Program } | { readonly ok: false; readonly message: string };

class TypeFault {
  constructor(readonly message: string) {}
}

function article(type: ValueType): string {
  return type === "number" ? "a number" : "a boolean";
}

const ARITHMETIC_OPS = { "+": Op.add, "-": Op.subtract, "*": Op.multiply, "/": Op.divide, "%": Op.modulo, "**": Op.power } as const;
const COMPARISON_OPS = { "==": Op.equal, "!=": Op.notEqual, "<": Op.less, "<=": Op.lessOrEqual, ">": Op.greater, ">=": Op.greaterOrEqual } as const;

/** Emits code that leaves exactly one value on the stack per node, and tracks the stack's height. */
class Compiler {
  readonly used = new Set<TargetExpressionInput>();
  readonly ops: number[] = [];
  readonly fractions: number[] = [];
  readonly texts: string[] = [];
  private height = 0;
  maxHeight = 0;

  constructor(private readonly source: string) {}

  private quote(node: SyntaxNode): string {
    return `"${textOf(this.source, node)}"`;
  }

  private where(node: SyntaxNode): string {
    return `(at column ${columnOf(node.start)})`;
  }

  /**
   * Appends an operation and returns where it is. `change` is how it moves the stack's height on
   * the path that falls through; after a jump the next operation is reached from elsewhere, so a
   * jump's `change` sets the height that path arrives with.
   */
  private emit(change: number, op: number, operand?: number): number {
    const at = this.ops.length;
    this.ops.push(op);
    if (operand !== undefined) this.ops.push(operand);
    this.height += change;
    if (this.height > this.maxHeight) this.maxHeight = this.height;
    return at;
  }

  /** Points the jump emitted at `at` to the next operation. */
  private land(at: number): void {
    this.ops[at + 1] = this.ops.length;
  }

  private push(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) < INLINE_INTEGER_LIMIT) this.emit(1, Op.constant, value);
    else this.emit(1, Op.fraction, this.fractions.push(value) - 1);
  }

  private text(node: SyntaxNode): number {
    return this.texts.push(`${this.quote(node)} ${this.where(node)}`) - 1;
  }

  number(node: SyntaxNode, role: string): void {
    if (this.build(node) !== "number") throw new TypeFault(`${role} must be a number, but ${this.quote(node)} is a boolean ${this.where(node)}`);
  }

  boolean(node: SyntaxNode, role: string): void {
    if (this.build(node) !== "boolean") throw new TypeFault(`${role} must be a boolean, but ${this.quote(node)} is a number ${this.where(node)}`);
  }

  build(node: SyntaxNode): ValueType {
    switch (node.kind) {
      case "number":
        this.push(node.value);
        return "number";
      case "boolean":
        this.push(node.value ? 1 : 0);
        return "boolean";
      case "name":
        return this.name(node.name, node);
      case "unary":
        if (node.operator === "!") {
          this.boolean(node.operand, `the operand of "${node.spelling}"`);
          this.emit(0, Op.not);
          return "boolean";
        }
        this.number(node.operand, `the operand of "${node.spelling}"`);
        if (node.operator === "-") this.emit(0, Op.negate);
        return "number";
      case "arithmetic":
        this.number(node.left, `the left operand of "${node.spelling}"`);
        this.number(node.right, `the right operand of "${node.spelling}"`);
        if (node.operator === "%") this.emit(-1, Op.modulo, this.text(node));
        else this.emit(-1, ARITHMETIC_OPS[node.operator]);
        return "number";
      case "logical": {
        // a && b is a ? b : false, and a || b is a ? true : b: b is not evaluated when a decides.
        this.boolean(node.left, `the left operand of "${node.spelling}"`);
        const toSecond = this.emit(-1, Op.jumpIfFalse, 0);
        if (node.operator === "&&") {
          this.boolean(node.right, `the right operand of "${node.spelling}"`);
          const toEnd = this.emit(-1, Op.jump, 0);
          this.land(toSecond);
          this.push(0);
          this.land(toEnd);
        } else {
          this.push(1);
          const toEnd = this.emit(-1, Op.jump, 0);
          this.land(toSecond);
          this.boolean(node.right, `the right operand of "${node.spelling}"`);
          this.land(toEnd);
        }
        return "boolean";
      }
      case "comparison":
        this.comparison(node.operators, node.operands);
        return "boolean";
      case "conditional":
        return this.conditional(node.test, node.consequent, node.alternate);
      case "call":
        return this.call(node);
    }
  }

  private name(name: string, node: SyntaxNode): ValueType {
    if (isTargetExpressionInput(name)) {
      this.used.add(name);
      this.emit(1, Op.input, TARGET_EXPRESSION_INPUTS.indexOf(name));
      return "number";
    }
    const definition = FUNCTIONS[name];
    if (definition !== undefined) throw new TypeFault(`${name} is a function; call it as ${definition.usage} ${this.where(node)}`);
    throw new TypeFault(`unknown name "${name}" ${this.where(node)}; the inputs are ${TARGET_EXPRESSION_INPUTS.join(", ")}`);
  }

  /**
   * a < b <= c means a < b && b <= c, as in expr-lang; the middle operand is compiled (and
   * evaluated) twice, as expr-lang does: it has no side effects, so only the cost differs.
   */
  private comparison(operators: readonly ComparisonOperator[], operands: readonly SyntaxNode[]): void {
    const toFalse: number[] = [];
    for (const [index, operator] of operators.entries()) {
      this.comparePair(operator, operands[index] as SyntaxNode, operands[index + 1] as SyntaxNode);
      if (index < operators.length - 1) toFalse.push(this.emit(-1, Op.jumpIfFalse, 0));
    }
    if (toFalse.length === 0) return;
    const toEnd = this.emit(-1, Op.jump, 0);
    for (const at of toFalse) this.land(at);
    this.push(0);
    this.land(toEnd);
  }

  private comparePair(operator: ComparisonOperator, left: SyntaxNode, right: SyntaxNode): void {
    if (operator === "==" || operator === "!=") {
      const leftType = this.build(left);
      const rightType = this.build(right);
      if (leftType !== rightType) {
        throw new TypeFault(
          `"${operator}" compares two numbers or two booleans, but ${this.quote(left)} is ${article(leftType)} and ${this.quote(right)} is ${article(rightType)} ${this.where(left)}`,
        );
      }
    } else {
      this.number(left, `the left operand of "${operator}"`);
      this.number(right, `the right operand of "${operator}"`);
    }
    this.emit(-1, COMPARISON_OPS[operator]);
  }

  private conditional(test: SyntaxNode, consequent: SyntaxNode, alternate: SyntaxNode): ValueType {
    this.boolean(test, 'the condition of "? :"');
    const toAlternate = this.emit(-1, Op.jumpIfFalse, 0);
    const consequentType = this.build(consequent);
    const toEnd = this.emit(-1, Op.jump, 0);
    this.land(toAlternate);
    const alternateType = this.build(alternate);
    this.land(toEnd);
    if (consequentType !== alternateType) {
      throw new TypeFault(
        `both branches of "? :" must have the same type, but ${this.quote(consequent)} is ${article(consequentType)} and ${this.quote(alternate)} is ${article(alternateType)} ${this.where(consequent)}`,
      );
    }
    return consequentType;
  }

  private call(node: Extract<SyntaxNode, { kind: "call" }>): ValueType {
    const definition = FUNCTIONS[node.callee];
    if (definition === undefined) {
      const what = isTargetExpressionInput(node.callee) ? `${node.callee} is an input, not a function` : `unknown function "${node.callee}"`;
      throw new TypeFault(`${what} ${this.where(node)}; the functions are ${TARGET_EXPRESSION_FUNCTIONS.join(", ")}`);
    }
    const count = node.arguments.length;
    if (count < definition.minArguments || count > definition.maxArguments) {
      const plural = definition.minArguments === 1 ? "" : "s";
      const expected = definition.maxArguments === Infinity ? `at least ${definition.minArguments} argument${plural}` : `${definition.minArguments} argument${plural}`;
      throw new TypeFault(`${node.callee} takes ${expected} (${definition.usage}), but got ${count} ${this.where(node)}`);
    }
    for (const [index, argument] of node.arguments.entries()) this.number(argument, `argument ${index + 1} of ${node.callee}`);
    if (definition.op === Op.clamp) this.emit(-2, Op.clamp, this.text(node));
    else if (definition.op === Op.min || definition.op === Op.max) this.emit(1 - count, definition.op, count);
    else this.emit(0, definition.op);
    return "number";
  }
}

/** Type checks a syntax tree and compiles it; the whole expression must give a number. */
export function buildProgram(tree: SyntaxNode, source: string): ProgramResult {
  const compiler = new Compiler(source);
  try {
    if (compiler.build(tree) !== "number") {
      return { ok: false, message: `the expression must give a number (the desired count), but "${textOf(source, tree)}" gives a boolean` };
    }
  } catch (error) {
    if (error instanceof TypeFault) return { ok: false, message: error.message };
    throw error;
  }
  reserveStack(compiler.maxHeight);
  compiler.ops.push(Op.end);
  // Fresh arrays, made last so that they sit next to the compiled expression in memory. The
  // fractions are held as unboxed doubles (V8's PACKED_DOUBLE_ELEMENTS) in every expression, so
  // that the interpreter's reads always see one kind of array.
  const bytecode = compiler.ops.slice();
  const fractions = [0.5];
  fractions.length = 0;
  for (const value of compiler.fractions) fractions.push(value);
  const inputs = TARGET_EXPRESSION_INPUTS.filter((name) => compiler.used.has(name));
  return { ok: true, program: { bytecode, fractions, texts: compiler.texts, inputs } };
}
