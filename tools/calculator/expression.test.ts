import { describe, expect, it } from "vitest";
import {
  EXPRESSION_CONSTANTS,
  EXPRESSION_ERROR_CODES,
  EXPRESSION_FUNCTIONS,
  ExpressionError,
  evaluateExpression,
} from "./expression.js";
import type { ExpressionErrorCode, ExpressionOptions } from "./expression.js";

/** Runs an expression that must fail and returns its ExpressionError (anything else fails the test). */
function errorOf(source: string, options?: ExpressionOptions): ExpressionError {
  try {
    const value = evaluateExpression(source, options);
    throw new Error(`expected ${JSON.stringify(source)} to fail, got ${value}`);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
}

describe("numbers", () => {
  it.each([
    ["42", 42],
    ["0", 0],
    ["3.25", 3.25],
    [".5", 0.5],
    ["2.", 2],
    ["0.0", 0],
    ["1e3", 1000],
    ["1E3", 1000],
    ["2.5E-4", 0.00025],
    ["1e+2", 100],
    [".5e1", 5],
    ["2.e2", 200],
    ["1e-400", 0], // underflow to zero is finite, so it is accepted
  ])("%s = %d", (source, expected) => {
    expect(evaluateExpression(source)).toBe(expected);
  });

  it("keeps integer arithmetic exact and floating point close", () => {
    expect(evaluateExpression("12*7")).toBe(84);
    expect(evaluateExpression("12 × 7")).toBe(84);
    expect(evaluateExpression("1000000 * 1000000")).toBe(1e12);
    expect(evaluateExpression("0.1+0.2")).toBeCloseTo(0.3, 12);
  });

  it("never returns negative zero", () => {
    expect(Object.is(evaluateExpression("-0"), 0)).toBe(true);
    expect(Object.is(evaluateExpression("round(-0.4)"), 0)).toBe(true);
    expect(Object.is(evaluateExpression("0 * -1"), 0)).toBe(true);
  });
});

describe("precedence and associativity", () => {
  it.each([
    ["1+2*3", 7],
    ["(1+2)*3", 9],
    ["1-2-3", -4], // left-assoc: (1-2)-3
    ["10-4+3", 9],
    ["100/10/5", 2], // left-assoc: (100/10)/5
    ["8/2*4", 16],
    ["2*3%4", 2], // (2*3)%4
    ["7%4*3", 9], // (7%4)*3
    ["10%4%3", 2], // left-assoc: (10%4)%3, not 10%(4%3) = 0
    ["1+7%4", 4],
    ["2+3^2", 11],
    ["2*3^2", 18],
    ["18/3^2", 2],
    ["2^2*3", 12],
    ["2^3^2", 512], // right-assoc: 2^(3^2)
    ["(2^3)^2", 64],
    ["2**3**2", 512],
    ["2**3^2", 512],
    ["2^3**2", 512],
    ["4^0.5", 2],
    ["-7 % 3", -1], // remainder keeps the dividend's sign
    ["7.5 % 2", 1.5],
    ["((((1))))", 1],
    ["(1+2)*(3+4)", 21],
  ])("%s = %d", (source, expected) => {
    expect(evaluateExpression(source)).toBe(expected);
  });
});

describe("unary plus and minus", () => {
  it.each([
    ["-2^2", -4], // power binds tighter than the sign on its left
    ["-2**2", -4],
    ["(-2)^2", 4],
    ["2^-1", 0.5], // ...but a sign is allowed on the exponent
    ["2**-1", 0.5],
    ["2^+3", 8],
    ["-2^-2", -0.25],
    ["2^-2^2", 0.0625], // 2^(-(2^2))
    ["-3", -3],
    ["+3", 3],
    ["--3", 3],
    ["-+-3", 3],
    ["3--2", 5],
    ["3 - -2", 5],
    ["3*-2", -6],
    ["-3*-2", 6],
    ["6/-2", -3],
    ["-3%2", -1], // (-3)%2
    ["-(2+3)", -5],
    ["-pi", -Math.PI],
    ["-sqrt(4)", -2],
  ])("%s = %d", (source, expected) => {
    expect(evaluateExpression(source)).toBe(expected);
  });
});

describe("unicode operators and whitespace", () => {
  it.each([
    ["3 × 4", 12],
    ["8 ÷ 2", 4],
    ["5 − 7", -2],
    ["−2^2", -4],
    ["2×−3", -6],
    ["3 × 4 ÷ 2 − 1", 5],
    [" \t1 +\n2 * 3 \r\n", 7],
    ["sqrt ( 16 )", 4],
    ["max( 1 , 2 )", 2],
    ["2 ** 3", 8],
    ["2 ^ 3", 8],
    ["\u00a01\u00a0+\u00a01", 2], // non-breaking spaces
  ])("%j = %d", (source, expected) => {
    expect(evaluateExpression(source)).toBe(expected);
  });
});

describe("functions and constants", () => {
  const cases: [string, number][] = [
    ["sqrt(16)", 4],
    ["sqrt(2)", Math.SQRT2],
    ["sqrt(0)", 0],
    ["abs(-3.5)", 3.5],
    ["abs(2)", 2],
    ["round(2.5)", 3],
    ["round(2.4)", 2],
    ["round(-2.5)", -3], // half away from zero
    ["round(-2.6)", -3],
    ["floor(-1.5)", -2],
    ["floor(1.9)", 1],
    ["ceil(-1.5)", -1],
    ["ceil(1.2)", 2],
    ["min(3, 1, 2)", 1],
    ["min(5)", 5],
    ["max(3, 1, 2)", 3],
    ["max(-1)", -1],
    ["ln(e)", 1],
    ["ln(1)", 0],
    ["log(1000)", 3],
    ["log(0.01)", -2],
    ["log2(8)", 3],
    ["log2(0.5)", -1],
    ["exp(0)", 1],
    ["exp(1)", Math.E],
    ["sin(0)", 0],
    ["sin(pi/2)", 1],
    ["cos(0)", 1],
    ["cos(pi)", -1],
    ["tan(0)", 0],
    ["tan(pi/4)", 1],
    ["pi", Math.PI],
    ["e", Math.E],
    ["2*pi", 2 * Math.PI],
    ["e^2", Math.E ** 2],
    ["max(1, min(5, 3), sqrt(4)*2)", 4],
    ["abs(-2^2)", 4],
    ["sqrt(3^2 + 4^2)", 5],
  ];

  it.each(cases)("%s ≈ %d", (source, expected) => {
    expect(evaluateExpression(source)).toBeCloseTo(expected, 12);
  });

  it("exercises every function and constant the evaluator knows", () => {
    const used = new Set(cases.flatMap(([source]) => source.match(/[a-z][a-z0-9]*/g) ?? []));
    for (const name of [...EXPRESSION_FUNCTIONS, ...EXPRESSION_CONSTANTS]) expect(used).toContain(name);
    expect(EXPRESSION_FUNCTIONS).toEqual([
      "sqrt",
      "abs",
      "round",
      "floor",
      "ceil",
      "min",
      "max",
      "ln",
      "log",
      "log2",
      "exp",
      "sin",
      "cos",
      "tan",
    ]);
    expect(EXPRESSION_CONSTANTS).toEqual(["pi", "e"]);
  });

  it("returns the exact constant values", () => {
    expect(evaluateExpression("pi")).toBe(Math.PI);
    expect(evaluateExpression("e")).toBe(Math.E);
  });

  it.each([
    ["SQRT(16)", 4],
    ["Sqrt(16)", 4],
    ["PI", Math.PI],
    ["Pi", Math.PI],
    ["E", Math.E],
    ["Max(1, 2)", 2],
    ["LOG2(8)", 3],
    ["LN(E)", 1],
  ])("names are case-insensitive: %s", (source, expected) => {
    expect(evaluateExpression(source)).toBeCloseTo(expected, 12);
  });

  it("handles many arguments without spreading them onto the stack", () => {
    const args = Array.from({ length: 50_000 }, (_, i) => String(i + 1)).join(",");
    expect(evaluateExpression(`max(${args})`, { maxLength: 1_000_000 })).toBe(50_000);
    expect(evaluateExpression(`min(${args})`, { maxLength: 1_000_000 })).toBe(1);
  });
});

describe("errors", () => {
  const table: [source: string, code: ExpressionErrorCode, position: number | undefined, message: string][] = [
    // syntax
    ["1 + )", "syntax", 4, 'Unexpected ")" at position 4'],
    ["", "syntax", 0, "Expression is empty"],
    ["   ", "syntax", 0, "Expression is empty"],
    ["(1+2", "syntax", 4, 'Unexpected end of expression at position 4: expected ")" to close "(" at position 0'],
    ["1)", "syntax", 1, 'Unexpected ")" at position 1: there is no matching "("'],
    ["1+", "syntax", 2, "Unexpected end of expression at position 2"],
    ["-", "syntax", 1, "Unexpected end of expression at position 1"],
    ["*2", "syntax", 0, 'Unexpected "*" at position 0'],
    ["2 * * 3", "syntax", 4, 'Unexpected "*" at position 4'],
    ["2***3", "syntax", 3, 'Unexpected "*" at position 3'],
    ["2(3)", "syntax", 1, 'Unexpected "(" at position 1: implicit multiplication is not supported'],
    ["(2)(3)", "syntax", 3, "implicit multiplication is not supported"],
    ["2pi", "syntax", 1, 'Unexpected "pi" at position 1: implicit multiplication'],
    ["2 3", "syntax", 2, 'Unexpected "3" at position 2: implicit multiplication'],
    ["2exp(1)", "syntax", 1, "implicit multiplication"],
    ["max(1 2)", "syntax", 6, "implicit multiplication"],
    ["1,5", "syntax", 1, 'Unexpected "," at position 1'],
    ["1,000", "syntax", 2, "not a digit separator"],
    ["1,234", "syntax", 1, "not a digit separator"],
    ["(1,2)", "syntax", 2, '"," only separates function arguments'],
    ["max(1,000)", "syntax", 6, "not a digit separator"],
    ["1_000", "syntax", 1, "digit separators are not supported"],
    ["007", "syntax", 0, "leading zero"],
    ["1.2.3", "syntax", 3, "only one decimal point"],
    ["1e5.5", "syntax", 3, "exponent must be a whole number"],
    ["1e", "syntax", 0, 'Malformed number "1e" at position 0'],
    ["2.5e-", "syntax", 0, 'Malformed number "2.5e-"'],
    [".", "syntax", 0, 'Unexpected character "." at position 0'],
    ["50%", "syntax", 3, '"%" is the remainder operator'],
    ["1 $ 2", "syntax", 2, 'Unexpected character "$" at position 2'],
    ["1 = 1", "syntax", 2, 'Unexpected "=" at position 2'],
    ["2 + 😀", "syntax", 4, 'Unexpected character "😀"'],
    ["max(1,)", "syntax", 6, 'Unexpected ")" at position 6'],
    ["max(1", "syntax", 5, 'expected "," or ")" to close "max(" at position 0'],
    ["sqrt", "syntax", 0, "must be called with parentheses"],
    ["sqrt 4", "syntax", 0, "must be called with parentheses"],
    ["pi(2)", "syntax", 0, "is a constant, not a function"],
    // unknown_name
    ["foo(1)", "unknown_name", 0, 'Unknown name "foo" at position 0'],
    ["2 + x", "unknown_name", 4, 'Unknown name "x" at position 4'],
    ["log10(100)", "unknown_name", 0, "Known functions: sqrt, abs, round"],
    ["pow(2, 3)", "unknown_name", 0, "Known constants: pi, e"],
    ["constructor", "unknown_name", 0, 'Unknown name "constructor"'],
    ["toString(1)", "unknown_name", 0, 'Unknown name "toString"'],
    ["e3", "unknown_name", 0, 'Unknown name "e3"'],
    // arity
    ["sqrt()", "arity", 0, 'Function "sqrt" at position 0 expects 1 argument but got 0'],
    ["sqrt(1, 2)", "arity", 0, "expects 1 argument but got 2"],
    ["2 + abs(1, 2)", "arity", 4, 'Function "abs" at position 4'],
    ["round(1.234, 2)", "arity", 0, "expects 1 argument but got 2"],
    ["min()", "arity", 0, "expects at least 1 argument but got 0"],
    ["MAX()", "arity", 0, 'Function "max" at position 0 expects at least 1 argument'],
    // domain
    ["1/0", "domain", 1, "Division by zero at position 1"],
    ["1 / (2 - 2)", "domain", 2, "Division by zero at position 2"],
    ["5 % 0", "domain", 2, "Modulo by zero at position 2"],
    ["sqrt(-4)", "domain", 0, "sqrt(-4) at position 0 is undefined"],
    ["1 + sqrt(-0.5)", "domain", 4, "sqrt(-0.5) at position 4"],
    ["ln(0)", "domain", 0, "must be greater than 0"],
    ["ln(-e)", "domain", 0, "ln("],
    ["log(-1)", "domain", 0, "log(-1) at position 0"],
    ["log2(0)", "domain", 0, "log2(0) at position 0"],
    ["0^-1", "domain", 1, "0 raised to a negative power"],
    ["(-8)^(1/3)", "domain", 4, "is not a real number"],
    ["10^400", "domain", 2, "too large"],
    ["1e400", "domain", 0, "Number 1e400 at position 0 is too large"],
    ["exp(1000)", "domain", 0, "Result of exp() at position 0 is too large"],
    ["1e308 * 10", "domain", 6, 'Result of "*" at position 6'],
    ["-1e308 - 1e308", "domain", 7, 'Result of "-" at position 7'],
    ["sqrt(-1) + 1/0", "domain", 0, "sqrt(-1)"], // the first domain error wins
    // too_long / too_deep
    ["1+".repeat(300) + "1", "too_long", 500, "Expression is 601 characters long; the limit is 500"],
    ["(".repeat(65) + "1" + ")".repeat(65), "too_deep", 64, "nested too deeply at position 64"],
  ];

  it.each(table)("%j → %s at %s", (source, code, position, message) => {
    const err = errorOf(source);
    expect(err.code).toBe(code);
    expect(err.position).toBe(position);
    expect(err.message).toContain(message);
  });

  it("covers every error code", () => {
    expect(new Set(table.map(([, code]) => code))).toEqual(new Set(EXPRESSION_ERROR_CODES));
  });

  it("reports syntax errors before domain errors found earlier in the input", () => {
    const err = errorOf("1/0 + (");
    expect(err.code).toBe("syntax");
    expect(err.position).toBe(7);
  });

  it("counts every kind of nesting towards maxDepth", () => {
    expect(errorOf("-(-(1))", { maxDepth: 3 })).toMatchObject({ code: "too_deep", position: 3 });
    expect(errorOf("2^2^2^2", { maxDepth: 2 })).toMatchObject({ code: "too_deep", position: 5 });
    expect(errorOf("abs(abs(abs(1)))", { maxDepth: 2 })).toMatchObject({ code: "too_deep", position: 8 });
    expect(evaluateExpression("-(-(1))", { maxDepth: 4 })).toBe(1);
  });

  it("accepts inputs exactly at the limits", () => {
    expect(evaluateExpression("(".repeat(64) + "1" + ")".repeat(64))).toBe(1);
    const atLimit = "1+".repeat(249) + "1 "; // 500 characters
    expect(atLimit).toHaveLength(500);
    expect(evaluateExpression(atLimit)).toBe(250);
    expect(errorOf("1+2+3+4+5+6", { maxLength: 10 })).toMatchObject({ code: "too_long", position: 10 });
  });

  it("is a well-formed Error with a JSON form", () => {
    const err = errorOf("1 + )");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("ExpressionError");
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: "syntax",
      message: err.message,
      position: 4,
    });
    expect(new ExpressionError("too_deep", "x").toJSON()).toEqual({ code: "too_deep", message: "x" });
  });

  it("rejects a non-string source as a syntax error", () => {
    expect(errorOf(42 as unknown as string)).toMatchObject({ code: "syntax", position: undefined });
  });

  it.each([{ maxLength: 0 }, { maxLength: 1.5 }, { maxDepth: 0 }, { maxDepth: 257 }, { maxDepth: Number.NaN }])(
    "rejects invalid options %j",
    (options) => {
      expect(() => evaluateExpression("1", options)).toThrow(RangeError);
    },
  );
});

describe("stack safety", () => {
  const n = 10_000;
  const deepInputs: [string, string][] = [
    ["parentheses", "(".repeat(n) + "1" + ")".repeat(n)],
    ["unary minus", "-".repeat(n) + "1"],
    ["power chain", "2" + "^1".repeat(n)],
    ["function calls", "abs(".repeat(n) + "1" + ")".repeat(n)],
    ["unclosed parentheses", "(".repeat(n)],
  ];

  it.each(deepInputs)("rejects 10,000 nested %s as too_long by default", (_, source) => {
    expect(errorOf(source)).toMatchObject({ code: "too_long", position: 500 });
  });

  it.each(deepInputs)("rejects 10,000 nested %s as too_deep when the length is allowed", (_, source) => {
    const err = errorOf(source, { maxLength: 1_000_000 });
    expect(err.code).toBe("too_deep");
    expect(err.message).not.toMatch(/call stack/);
  });

  it("reports the position where the depth limit was crossed", () => {
    const source = "(".repeat(n) + "1" + ")".repeat(n);
    expect(errorOf(source, { maxLength: 1_000_000 }).position).toBe(64);
    expect(errorOf(source, { maxLength: 1_000_000, maxDepth: 256 }).position).toBe(256);
  });

  it("evaluates nesting right at the largest allowed maxDepth", () => {
    const options = { maxLength: 1_000_000, maxDepth: 256 };
    expect(evaluateExpression("abs(".repeat(256) + "1" + ")".repeat(256), options)).toBe(1);
    expect(evaluateExpression("(".repeat(256) + "1" + ")".repeat(256), options)).toBe(1);
    expect(evaluateExpression("-".repeat(256) + "1", options)).toBe(1);
  });

  it("evaluates long flat chains iteratively", () => {
    expect(evaluateExpression("1+".repeat(100_000) + "1", { maxLength: 1_000_000 })).toBe(100_001);
    expect(evaluateExpression("2*".repeat(1_000) + "1", { maxLength: 1_000_000 })).toBe(2 ** 1_000);
  });
});
