/**
 * Type checking a syntax tree and turning it into a tree of closures, once per expression.
 *
 * Every input is a number, so each node's type (number or boolean) is known before any
 * evaluation: a boolean where a number is needed, or the reverse, is a compile error, as in
 * expr-lang's checker. The closures then need no type tests and allocate nothing; one evaluation
 * is a few nested calls.
 */

import { type BooleanProgram, FUNCTIONS, type NumberProgram, TARGET_EXPRESSION_FUNCTIONS } from "./functions.js";
import { EvaluationFault, INPUT_READERS, isTargetExpressionInput, TARGET_EXPRESSION_INPUTS, type TargetExpressionInput, type TargetExpressionInputs } from "./inputs.js";
import { type ArithmeticOperator, type ComparisonOperator, columnOf, type SyntaxNode, textOf } from "./syntax.js";

type Typed = { readonly type: "number"; readonly run: NumberProgram } | { readonly type: "boolean"; readonly run: BooleanProgram };

/** A type-checked expression: its program and the inputs it reads. */
export interface Program {
  readonly run: NumberProgram;
  readonly inputs: readonly TargetExpressionInput[];
}

/** The result of building a program. */
export type ProgramResult = { readonly ok: true; readonly program: Program } | { readonly ok: false; readonly message: string };

class TypeFault {
  constructor(readonly message: string) {}
}

type ValueType = Typed["type"];

function article(type: ValueType): string {
  return type === "number" ? "a number" : "a boolean";
}

class Builder {
  readonly used = new Set<TargetExpressionInput>();

  constructor(private readonly source: string) {}

  private quote(node: SyntaxNode): string {
    return `"${textOf(this.source, node)}"`;
  }

  private where(node: SyntaxNode): string {
    return `(at column ${columnOf(node.start)})`;
  }

  number(node: SyntaxNode, role: string): NumberProgram {
    const typed = this.build(node);
    if (typed.type !== "number") throw new TypeFault(`${role} must be a number, but ${this.quote(node)} is a boolean ${this.where(node)}`);
    return typed.run;
  }

  boolean(node: SyntaxNode, role: string): BooleanProgram {
    const typed = this.build(node);
    if (typed.type !== "boolean") throw new TypeFault(`${role} must be a boolean, but ${this.quote(node)} is a number ${this.where(node)}`);
    return typed.run;
  }

  build(node: SyntaxNode): Typed {
    switch (node.kind) {
      case "number": {
        const value = node.value;
        return { type: "number", run: () => value };
      }
      case "boolean": {
        const value = node.value;
        return { type: "boolean", run: () => value };
      }
      case "name":
        return this.name(node.name, node);
      case "unary": {
        if (node.operator === "!") {
          const operand = this.boolean(node.operand, `the operand of "${node.spelling}"`);
          return { type: "boolean", run: (inputs) => !operand(inputs) };
        }
        const operand = this.number(node.operand, `the operand of "${node.spelling}"`);
        return { type: "number", run: node.operator === "-" ? (inputs) => -operand(inputs) : operand };
      }
      case "arithmetic": {
        const left = this.number(node.left, `the left operand of "${node.spelling}"`);
        const right = this.number(node.right, `the right operand of "${node.spelling}"`);
        return { type: "number", run: arithmetic(node.operator, left, right, `${this.quote(node)} ${this.where(node)}`) };
      }
      case "logical": {
        const left = this.boolean(node.left, `the left operand of "${node.spelling}"`);
        const right = this.boolean(node.right, `the right operand of "${node.spelling}"`);
        return { type: "boolean", run: node.operator === "&&" ? (inputs) => left(inputs) && right(inputs) : (inputs) => left(inputs) || right(inputs) };
      }
      case "comparison":
        return { type: "boolean", run: this.comparison(node.operators, node.operands) };
      case "conditional":
        return this.conditional(node.test, node.consequent, node.alternate);
      case "call":
        return this.call(node);
    }
  }

  private name(name: string, node: SyntaxNode): Typed {
    if (isTargetExpressionInput(name)) {
      this.used.add(name);
      return { type: "number", run: INPUT_READERS[name] };
    }
    if (FUNCTIONS[name] !== undefined) throw new TypeFault(`${name} is a function; call it as ${FUNCTIONS[name].usage} ${this.where(node)}`);
    throw new TypeFault(`unknown name "${name}" ${this.where(node)}; the inputs are ${TARGET_EXPRESSION_INPUTS.join(", ")}`);
  }

  private comparison(operators: readonly ComparisonOperator[], operands: readonly SyntaxNode[]): BooleanProgram {
    const links: BooleanProgram[] = [];
    for (const [index, operator] of operators.entries()) {
      const left = operands[index] as SyntaxNode;
      const right = operands[index + 1] as SyntaxNode;
      links.push(this.comparePair(operator, left, right));
    }
    if (links.length === 1) return links[0] as BooleanProgram;
    // a < b <= c means a < b && b <= c; the middle operand is evaluated twice, as in expr-lang
    // (it has no side effects, so only the cost differs).
    return (inputs) => {
      for (const link of links) if (!link(inputs)) return false;
      return true;
    };
  }

  private comparePair(operator: ComparisonOperator, leftNode: SyntaxNode, rightNode: SyntaxNode): BooleanProgram {
    if (operator === "==" || operator === "!=") {
      const left = this.build(leftNode);
      const right = this.build(rightNode);
      if (left.type !== right.type) {
        throw new TypeFault(
          `"${operator}" compares two numbers or two booleans, but ${this.quote(leftNode)} is ${article(left.type)} and ${this.quote(rightNode)} is ${article(right.type)} ${this.where(leftNode)}`,
        );
      }
      // Both sides have the same type; strict equality on numbers compares them numerically.
      const leftRun = left.run as (inputs: TargetExpressionInputs) => number | boolean;
      const rightRun = right.run as (inputs: TargetExpressionInputs) => number | boolean;
      return operator === "==" ? (inputs) => leftRun(inputs) === rightRun(inputs) : (inputs) => leftRun(inputs) !== rightRun(inputs);
    }
    const left = this.number(leftNode, `the left operand of "${operator}"`);
    const right = this.number(rightNode, `the right operand of "${operator}"`);
    switch (operator) {
      case "<":
        return (inputs) => left(inputs) < right(inputs);
      case "<=":
        return (inputs) => left(inputs) <= right(inputs);
      case ">":
        return (inputs) => left(inputs) > right(inputs);
      case ">=":
        return (inputs) => left(inputs) >= right(inputs);
    }
  }

  private conditional(testNode: SyntaxNode, consequentNode: SyntaxNode, alternateNode: SyntaxNode): Typed {
    const test = this.boolean(testNode, 'the condition of "? :"');
    const consequent = this.build(consequentNode);
    const alternate = this.build(alternateNode);
    if (consequent.type === "number" && alternate.type === "number") {
      const yes = consequent.run;
      const no = alternate.run;
      return { type: "number", run: (inputs) => (test(inputs) ? yes(inputs) : no(inputs)) };
    }
    if (consequent.type === "boolean" && alternate.type === "boolean") {
      const yes = consequent.run;
      const no = alternate.run;
      return { type: "boolean", run: (inputs) => (test(inputs) ? yes(inputs) : no(inputs)) };
    }
    throw new TypeFault(
      `both branches of "? :" must have the same type, but ${this.quote(consequentNode)} is ${article(consequent.type)} and ${this.quote(alternateNode)} is ${article(alternate.type)} ${this.where(consequentNode)}`,
    );
  }

  private call(node: Extract<SyntaxNode, { kind: "call" }>): Typed {
    const definition = FUNCTIONS[node.callee];
    if (definition === undefined) {
      const what = isTargetExpressionInput(node.callee) ? `${node.callee} is an input, not a function` : `unknown function "${node.callee}"`;
      throw new TypeFault(`${what} ${this.where(node)}; the functions are ${TARGET_EXPRESSION_FUNCTIONS.join(", ")}`);
    }
    const count = node.arguments.length;
    if (count < definition.minArguments || count > definition.maxArguments) {
      const expected =
        definition.maxArguments === Infinity
          ? `at least ${definition.minArguments} argument${definition.minArguments === 1 ? "" : "s"}`
          : `${definition.minArguments} argument${definition.minArguments === 1 ? "" : "s"}`;
      throw new TypeFault(`${node.callee} takes ${expected} (${definition.usage}), but got ${count} ${this.where(node)}`);
    }
    const args = node.arguments.map((argument, index) => this.number(argument, `argument ${index + 1} of ${node.callee}`));
    return { type: "number", run: definition.build(args, `${this.quote(node)} ${this.where(node)}`) };
  }
}

function arithmetic(operator: ArithmeticOperator, left: NumberProgram, right: NumberProgram, where: string): NumberProgram {
  switch (operator) {
    case "+":
      return (inputs) => left(inputs) + right(inputs);
    case "-":
      return (inputs) => left(inputs) - right(inputs);
    case "*":
      return (inputs) => left(inputs) * right(inputs);
    case "/":
      // Float division, as expr-lang's `/` always is: 7 / 2 is 3.5, 1 / 0 is +Inf.
      return (inputs) => left(inputs) / right(inputs);
    case "%":
      // Integer remainder with the sign of the dividend, as Go's `%`; `+ 0` turns -0 into 0, as Go's integers have no -0.
      return (inputs) => {
        const dividend = left(inputs);
        const divisor = right(inputs);
        if (!Number.isInteger(dividend) || !Number.isInteger(divisor)) {
          throw new EvaluationFault(`${where}: "%" needs whole numbers, but got ${dividend} % ${divisor}`);
        }
        if (divisor === 0) throw new EvaluationFault(`${where}: modulo by zero`);
        return (dividend % divisor) + 0;
      };
    case "**":
      return (inputs) => left(inputs) ** right(inputs);
  }
}

/** Type checks a syntax tree and builds its program; the whole expression must give a number. */
export function buildProgram(tree: SyntaxNode, source: string): ProgramResult {
  const builder = new Builder(source);
  try {
    const typed = builder.build(tree);
    if (typed.type !== "number") {
      return { ok: false, message: `the expression must give a number (the desired count), but "${textOf(source, tree)}" gives a boolean` };
    }
    const inputs = TARGET_EXPRESSION_INPUTS.filter((name) => builder.used.has(name));
    return { ok: true, program: { run: typed.run, inputs } };
  } catch (error) {
    if (error instanceof TypeFault) return { ok: false, message: error.message };
    throw error;
  }
}
