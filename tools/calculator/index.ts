import { z } from "zod";
import { defineTool } from "../define.js";
import { evaluateExpression } from "./expression.js";

export const calculator = defineTool({
  name: "calculator",
  description:
    "Evaluate an arithmetic expression exactly. Supports + - * / % ^, parentheses, and functions such as sqrt, abs, round, min, max, ln, log, sin, cos, tan; constants pi and e.",
  schema: z.object({
    expression: z.string().min(1).max(500).describe("The expression, e.g. (3+4)*2 or sqrt(2)"),
  }),
  policy: { risk: "read", timeoutMs: 1_000 },
  handler: async ({ expression }) => ({ expression, result: evaluateExpression(expression) }),
});
