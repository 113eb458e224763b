/**
 * The syntax tree of a target expression, after parsing and before type checking. Every node
 * knows where it starts and ends in the source text (`start` inclusive, `end` exclusive, in
 * UTF-16 code units), so that messages can quote it and point at it.
 */

/** The longest source text accepted, in characters (UTF-16 code units). */
export const MAX_EXPRESSION_LENGTH = 4096;

/**
 * The deepest nesting accepted: parentheses, unary operators, calls and conditionals while
 * parsing, and the depth of the tree after. It keeps every recursive step far from the stack's end.
 */
export const MAX_EXPRESSION_DEPTH = 64;

/** An arithmetic operator, with `**` also standing for its synonym `^`. */
export type ArithmeticOperator = "+" | "-" | "*" | "/" | "%" | "**";

/** A logical operator; `and` and `or` are parsed as `&&` and `||`. */
export type LogicalOperator = "&&" | "||";

/** A comparison operator. */
export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** A prefix operator; `not` is parsed as `!`. */
export type UnaryOperator = "-" | "+" | "!";

interface Span {
  readonly start: number;
  readonly end: number;
}

/** One node of the syntax tree. */
export type SyntaxNode =
  | (Span & { readonly kind: "number"; readonly value: number })
  | (Span & { readonly kind: "boolean"; readonly value: boolean })
  | (Span & { readonly kind: "name"; readonly name: string })
  | (Span & { readonly kind: "unary"; readonly operator: UnaryOperator; readonly spelling: string; readonly operand: SyntaxNode })
  | (Span & {
      readonly kind: "arithmetic";
      readonly operator: ArithmeticOperator;
      readonly spelling: string;
      readonly left: SyntaxNode;
      readonly right: SyntaxNode;
    })
  | (Span & {
      readonly kind: "logical";
      readonly operator: LogicalOperator;
      readonly spelling: string;
      readonly left: SyntaxNode;
      readonly right: SyntaxNode;
    })
  /**
   * `a < b`, or a chain such as `a < b <= c`, which means `a < b && b <= c` (as in expr-lang):
   * `operands` has one more entry than `operators`.
   */
  | (Span & { readonly kind: "comparison"; readonly operators: readonly ComparisonOperator[]; readonly operands: readonly SyntaxNode[] })
  | (Span & { readonly kind: "conditional"; readonly test: SyntaxNode; readonly consequent: SyntaxNode; readonly alternate: SyntaxNode })
  | (Span & { readonly kind: "call"; readonly callee: string; readonly arguments: readonly SyntaxNode[] });

/** The 1-based column of a source offset, for messages. */
export function columnOf(offset: number): number {
  return offset + 1;
}

/** The source text of a node, for messages. */
export function textOf(source: string, node: SyntaxNode): string {
  return source.slice(node.start, node.end).trim();
}
