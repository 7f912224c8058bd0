/**
 * Safe arithmetic evaluator behind the calculator tool.
 *
 * Model-written expressions are untrusted input, so this is a hand-written tokenizer and a
 * precedence-climbing recursive-descent parser (never `eval`/`Function`). Every failure is an
 * `ExpressionError` with a stable `code`, the offending `position` and a message a model can act on.
 *
 * Grammar, loosest to tightest:
 *   expression := term (("+" | "-") term)*                 left-associative
 *   term       := unary (("*" | "/" | "%") unary)*         left-associative
 *   unary      := ("+" | "-") unary | power
 *   power      := operand (("^" | "**") unary)?            right-associative via `unary`
 *   operand    := number | constant | name "(" args ")" | "(" expression ")"
 * Putting `unary` below `power` on the left but accepting it on the right gives -2^2 = -4 and 2^-1 = 0.5.
 */

export const EXPRESSION_ERROR_CODES = ["syntax", "unknown_name", "arity", "domain", "too_long", "too_deep"] as const;
export type ExpressionErrorCode = (typeof EXPRESSION_ERROR_CODES)[number];

export class ExpressionError extends Error {
  readonly code: ExpressionErrorCode;
  /** Index (UTF-16 code unit) in the source where the problem was found; undefined when not meaningful. */
  readonly position: number | undefined;

  constructor(code: ExpressionErrorCode, message: string, position?: number) {
    super(message);
    this.name = "ExpressionError";
    this.code = code;
    this.position = position;
  }

  toJSON(): { code: ExpressionErrorCode; message: string; position?: number } {
    return {
      code: this.code,
      message: this.message,
      ...(this.position === undefined ? {} : { position: this.position }),
    };
  }
}

export interface ExpressionOptions {
  /** Longest accepted source, in characters. Default 500. */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses, function calls, signs and exponents. Default 64, at most 256. */
  maxDepth?: number;
}

export const DEFAULT_MAX_LENGTH = 500;
export const DEFAULT_MAX_DEPTH = 64;
// A nesting level costs up to ~10 stack frames (a function call is the dearest); Node's default stack
// overflows somewhere past 800 nested calls, so the cap keeps a wide margin for whatever called us.
const MAX_ALLOWED_DEPTH = 256;

interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  apply: (args: readonly number[]) => number;
  /** Says why the (single) argument is outside the function's real domain, if it is. */
  domain?: (x: number) => string | undefined;
}

// Arity is checked before `apply`, so the `?? NaN` fallbacks are unreachable; they only satisfy the type checker.
const one = (f: (x: number) => number) => (args: readonly number[]) => f(args[0] ?? NaN);
const positiveOnly = (x: number) => (x > 0 ? undefined : "the argument must be greater than 0");

// Maps, not object literals, so names like "constructor" can never resolve to inherited properties.
const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  [
    "sqrt",
    {
      minArgs: 1,
      maxArgs: 1,
      apply: one(Math.sqrt),
      domain: (x) => (x >= 0 ? undefined : "the argument must not be negative"),
    },
  ],
  ["abs", { minArgs: 1, maxArgs: 1, apply: one(Math.abs) }],
  // Half away from zero (round(-2.5) = -3), which is what people expect; Math.round would give -2.
  ["round", { minArgs: 1, maxArgs: 1, apply: one((x) => Math.sign(x) * Math.round(Math.abs(x))) }],
  ["floor", { minArgs: 1, maxArgs: 1, apply: one(Math.floor) }],
  ["ceil", { minArgs: 1, maxArgs: 1, apply: one(Math.ceil) }],
  // reduce, not Math.min(...args): spreading a very long argument list can overflow the stack.
  ["min", { minArgs: 1, maxArgs: Infinity, apply: (args) => args.reduce((a, b) => Math.min(a, b)) }],
  ["max", { minArgs: 1, maxArgs: Infinity, apply: (args) => args.reduce((a, b) => Math.max(a, b)) }],
  ["ln", { minArgs: 1, maxArgs: 1, apply: one(Math.log), domain: positiveOnly }],
  ["log", { minArgs: 1, maxArgs: 1, apply: one(Math.log10), domain: positiveOnly }],
  ["log2", { minArgs: 1, maxArgs: 1, apply: one(Math.log2), domain: positiveOnly }],
  ["exp", { minArgs: 1, maxArgs: 1, apply: one(Math.exp) }],
  ["sin", { minArgs: 1, maxArgs: 1, apply: one(Math.sin) }],
  ["cos", { minArgs: 1, maxArgs: 1, apply: one(Math.cos) }],
  ["tan", { minArgs: 1, maxArgs: 1, apply: one(Math.tan) }],
]);

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ["pi", Math.PI],
  ["e", Math.E],
]);

/** Names the evaluator understands (lower-case; input is matched case-insensitively). */
export const EXPRESSION_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];
export const EXPRESSION_CONSTANTS: readonly string[] = [...CONSTANTS.keys()];

type TokenKind = "number" | "name" | "+" | "-" | "*" | "/" | "%" | "^" | "(" | ")" | "," | "end";

interface Token {
  kind: TokenKind;
  /** The source text as written (e.g. "×" or "**"), so messages quote what the caller typed. */
  text: string;
  pos: number;
  /** Numeric value of a `number` token; 0 for the others. */
  value: number;
}

/**
 * Evaluates an arithmetic expression and returns a finite number, or throws `ExpressionError`.
 * Trig functions use radians; `%` is the remainder with the sign of the dividend (-7 % 3 = -1).
 */
export function evaluateExpression(source: string, options: ExpressionOptions = {}): number {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer (got ${String(options.maxLength)})`);
  }
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_ALLOWED_DEPTH) {
    throw new RangeError(
      `maxDepth must be an integer from 1 to ${MAX_ALLOWED_DEPTH} (got ${String(options.maxDepth)})`,
    );
  }
  // Callers may forward raw tool arguments; fail as a normal, reportable error rather than a TypeError.
  if (typeof source !== "string") {
    throw new ExpressionError("syntax", `Expression must be a string (got ${typeof source})`);
  }
  // Checked before tokenizing so oversized input costs nothing and cannot drive deep recursion.
  if (source.length > maxLength) {
    throw new ExpressionError(
      "too_long",
      `Expression is ${source.length} characters long; the limit is ${maxLength}. Split the calculation into smaller steps.`,
      maxLength,
    );
  }
  try {
    return new Parser(tokenize(source), maxDepth).parse();
  } catch (err) {
    // Safety net only: maxDepth should stop recursion long before this, but if the caller was already
    // deep in its own stack, a stack overflow must still surface as a reportable error, not a crash.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new ExpressionError(
        "too_deep",
        "Expression is nested too deeply to evaluate. Simplify it or split it into steps.",
      );
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer (iterative, so it is safe on any input length)

const SINGLE_CHAR_TOKENS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ["+", "+"],
  ["-", "-"],
  ["\u2212", "-"], // − minus sign
  ["*", "*"],
  ["\u00d7", "*"], // × multiplication sign
  ["/", "/"],
  ["\u00f7", "/"], // ÷ division sign
  ["%", "%"],
  ["^", "^"],
  ["(", "("],
  [")", ")"],
  [",", ","],
]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isLetter = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
const isWhitespace = (c: string): boolean => /\s/.test(c);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? "";
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(source[i + 1]))) {
      const token = readNumber(source, i);
      tokens.push(token);
      i += token.text.length;
      continue;
    }
    if (isLetter(c)) {
      const start = i;
      while (isLetter(source[i]) || isDigit(source[i])) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: "name", text, pos: start, value: 0 });
      continue;
    }
    if (c === "*" && source[i + 1] === "*") {
      tokens.push({ kind: "^", text: "**", pos: i, value: 0 });
      i += 2;
      continue;
    }
    const kind = SINGLE_CHAR_TOKENS.get(c);
    if (kind !== undefined) {
      tokens.push({ kind, text: c, pos: i, value: 0 });
      i++;
      continue;
    }
    throw unexpectedCharacter(source, i);
  }
  tokens.push({ kind: "end", text: "", pos: source.length, value: 0 });
  return tokens;
}

function readNumber(source: string, start: number): Token {
  let i = start;
  while (isDigit(source[i])) i++;
  const integerDigits = i - start;
  if (source[i] === ".") {
    i++;
    while (isDigit(source[i])) i++;
  }
  let hasExponent = false;
  const e = source[i];
  if (e === "e" || e === "E") {
    const sign = source[i + 1];
    const firstExponentDigit = sign === "+" || sign === "-" ? i + 2 : i + 1;
    if (isDigit(source[firstExponentDigit])) {
      hasExponent = true;
      i = firstExponentDigit;
      while (isDigit(source[i])) i++;
    } else if (!isLetter(source[firstExponentDigit]) || firstExponentDigit !== i + 1) {
      // "1e", "1e+", "1e-x": an exponent was started but has no digits. (A letter right after "e",
      // as in "2exp(1)", is a name instead and fails later as implicit multiplication.)
      throw new ExpressionError(
        "syntax",
        `Malformed number "${source.slice(start, firstExponentDigit)}" at position ${start}: the exponent needs digits (e.g. 1e3 or 2.5e-4)`,
        start,
      );
    }
  }
  const text = source.slice(start, i);
  const next = source[i];
  if (next === ".") {
    const why = hasExponent ? "an exponent must be a whole number" : "a number can have only one decimal point";
    throw new ExpressionError("syntax", `Unexpected "." at position ${i}: ${why}`, i);
  }
  // Rejecting leading zeros ("007") also catches "max(1,000)", which would otherwise silently mean max(1, 0).
  if (integerDigits > 1 && source[start] === "0") {
    const afterComma = source[start - 1] === ",";
    throw new ExpressionError(
      "syntax",
      `Number "${text}" at position ${start} has a leading zero; write it without one` +
        (afterComma ? ` ("," separates function arguments and is not a digit separator: write 1000, not 1,000)` : ""),
      start,
    );
  }
  return { kind: "number", text, pos: start, value: Number(text) };
}

function unexpectedCharacter(source: string, i: number): ExpressionError {
  const c = source[i] ?? "";
  if (c === "_" && isDigit(source[i - 1])) {
    return new ExpressionError(
      "syntax",
      `Unexpected "_" at position ${i}: digit separators are not supported (write 1000, not 1_000)`,
      i,
    );
  }
  if (c === "=") {
    return new ExpressionError("syntax", `Unexpected "=" at position ${i}: give only the expression to compute`, i);
  }
  // Quote the whole code point so astral characters are shown intact.
  const char = String.fromCodePoint(source.codePointAt(i) ?? 0);
  return new ExpressionError(
    "syntax",
    `Unexpected character "${char}" at position ${i}: use numbers, + - * / % ^ ( ), and known functions and constants`,
    i,
  );
}

// ---------------------------------------------------------------------------------------------
// Parser + evaluator (values are computed while parsing, so no AST is built or walked recursively)

const OPERAND_START: ReadonlySet<TokenKind> = new Set<TokenKind>(["number", "name", "("]);

class Parser {
  private index = 0;
  private depth = 0;
  // Domain errors are recorded, not thrown, so a syntax error anywhere in the input is reported first;
  // evaluation continues with NaN and the first recorded domain error is thrown once parsing succeeds.
  private domainError: ExpressionError | undefined;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly maxDepth: number,
  ) {}

  parse(): number {
    if (this.peek().kind === "end") {
      throw new ExpressionError("syntax", "Expression is empty: give an arithmetic expression such as 12*7", 0);
    }
    const value = this.parseExpression();
    const rest = this.peek();
    if (rest.kind !== "end") {
      throw unexpected(
        rest,
        rest.kind === ")" ? `there is no matching "("` : "expected an operator or the end of the expression",
      );
    }
    if (this.domainError) throw this.domainError;
    // Normalise -0 (e.g. from round(-0.4)) so callers never print "-0".
    return value === 0 ? 0 : value;
  }

  private peek(): Token {
    // The token list always ends with "end" and parsing never advances past it.
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.index++;
    return token;
  }

  /** Every recursive path goes through here, so maxDepth bounds the stack regardless of input length. */
  private nested<T>(at: Token, body: () => T): T {
    if (this.depth >= this.maxDepth) {
      throw new ExpressionError(
        "too_deep",
        `Expression is nested too deeply at position ${at.pos}: at most ${this.maxDepth} levels of parentheses, function calls, signs and exponents are allowed. Simplify it or split it into steps.`,
        at.pos,
      );
    }
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
    }
  }

  private parseExpression(): number {
    let left = this.parseTerm();
    for (let op = this.peek(); op.kind === "+" || op.kind === "-"; op = this.peek()) {
      this.advance();
      const right = this.parseTerm();
      left = this.finite(op.kind === "+" ? left + right : left - right, op);
    }
    return left;
  }

  private parseTerm(): number {
    let left = this.parseUnary();
    for (let op = this.peek(); op.kind === "*" || op.kind === "/" || op.kind === "%"; op = this.peek()) {
      this.advance();
      const next = this.peek();
      if (op.kind === "%" && !OPERAND_START.has(next.kind) && next.kind !== "+" && next.kind !== "-") {
        // "50%" is a common model habit; say what "%" means here instead of a bare "unexpected end".
        throw unexpected(next, `"%" is the remainder operator (a % b), not percent: write 50/100 instead of 50%`);
      }
      const right = this.parseUnary();
      if (op.kind === "*") {
        left = this.finite(left * right, op);
      } else if (right === 0) {
        const what = op.kind === "/" ? "Division" : "Modulo";
        left = this.domain(`${what} by zero at position ${op.pos}`, op.pos);
      } else {
        left = this.finite(op.kind === "/" ? left / right : left % right, op);
      }
    }
    return left;
  }

  private parseUnary(): number {
    const sign = this.peek();
    if (sign.kind === "+" || sign.kind === "-") {
      this.advance();
      const operand = this.nested(sign, () => this.parseUnary());
      return sign.kind === "-" ? -operand : operand;
    }
    return this.parsePower();
  }

  private parsePower(): number {
    const base = this.parseOperand();
    const op = this.peek();
    if (op.kind !== "^") return base;
    this.advance();
    // The exponent is a full `unary`, which recurses back into `power`: right-associative, and 2^-1 works.
    const exponent = this.nested(op, () => this.parseUnary());
    if (base === 0 && exponent < 0) {
      return this.domain(`0 raised to a negative power (division by zero) at position ${op.pos}`, op.pos);
    }
    return this.finite(base ** exponent, op);
  }

  private parseOperand(): number {
    const value = this.parsePrimary();
    const next = this.peek();
    if (OPERAND_START.has(next.kind)) {
      throw unexpected(next, `implicit multiplication is not supported, put "*" between the factors`);
    }
    return value;
  }

  private parsePrimary(): number {
    const token = this.advance();
    switch (token.kind) {
      case "number":
        if (!Number.isFinite(token.value)) {
          return this.domain(`Number ${token.text} at position ${token.pos} is too large`, token.pos);
        }
        return token.value;
      case "(":
        return this.nested(token, () => {
          const value = this.parseExpression();
          this.expect(")", `expected ")" to close "(" at position ${token.pos}`);
          return value;
        });
      case "name":
        return this.parseName(token);
      default:
        throw unexpected(token, `expected a number, a function, a constant or "("`);
    }
  }

  private parseName(token: Token): number {
    const name = token.text.toLowerCase();
    const constant = CONSTANTS.get(name);
    if (constant !== undefined) {
      if (this.peek().kind === "(") {
        throw new ExpressionError(
          "syntax",
          `"${token.text}" at position ${token.pos} is a constant, not a function; use "*" to multiply`,
          token.pos,
        );
      }
      return constant;
    }
    const fn = FUNCTIONS.get(name);
    if (fn === undefined) {
      throw new ExpressionError(
        "unknown_name",
        `Unknown name "${token.text}" at position ${token.pos}. Known functions: ${EXPRESSION_FUNCTIONS.join(", ")}. Known constants: ${EXPRESSION_CONSTANTS.join(", ")}.`,
        token.pos,
      );
    }
    if (this.peek().kind !== "(") {
      throw new ExpressionError(
        "syntax",
        `Function "${token.text}" at position ${token.pos} must be called with parentheses, e.g. ${name}(2)`,
        token.pos,
      );
    }
    this.advance();
    const args = this.nested(token, () => this.parseArguments(token));
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.maxArgs === Infinity
          ? `at least ${fn.minArgs} argument${fn.minArgs === 1 ? "" : "s"}`
          : `${fn.minArgs} argument${fn.minArgs === 1 ? "" : "s"}`;
      throw new ExpressionError(
        "arity",
        `Function "${name}" at position ${token.pos} expects ${expected} but got ${args.length}`,
        token.pos,
      );
    }
    const first = args[0] ?? NaN;
    const reason = fn.domain?.(first);
    if (reason !== undefined && !this.domainError) {
      return this.domain(`${name}(${first}) at position ${token.pos} is undefined: ${reason}`, token.pos);
    }
    return this.finite(fn.apply(args), token, `${name}()`);
  }

  private parseArguments(call: Token): number[] {
    const args: number[] = [];
    if (this.peek().kind === ")") {
      this.advance();
      return args;
    }
    for (;;) {
      args.push(this.parseExpression());
      const separator = this.advance();
      if (separator.kind === ")") return args;
      if (separator.kind !== ",") {
        throw unexpected(separator, `expected "," or ")" to close "${call.text}(" at position ${call.pos}`);
      }
    }
  }

  private expect(kind: TokenKind, expectation: string): void {
    const token = this.advance();
    if (token.kind !== kind) throw unexpected(token, expectation);
  }

  /** Records the first domain error and yields NaN so parsing can go on looking for syntax errors. */
  private domain(message: string, position: number): number {
    this.domainError ??= new ExpressionError("domain", message, position);
    return NaN;
  }

  private finite(value: number, at: Token, what = `"${at.text}"`): number {
    if (Number.isFinite(value) || this.domainError) return value;
    const problem = Number.isNaN(value) ? "is not a real number" : "is too large (overflow)";
    return this.domain(`Result of ${what} at position ${at.pos} ${problem}`, at.pos);
  }
}

function unexpected(token: Token, expectation: string): ExpressionError {
  const what = token.kind === "end" ? "end of expression" : `"${token.text}"`;
  let message = `Unexpected ${what} at position ${token.pos}: ${expectation}`;
  if (token.kind === ",") {
    message += `. "," only separates function arguments; it is not a digit separator (write 1000, not 1,000)`;
  }
  return new ExpressionError("syntax", message, token.pos);
}
