// The one task every implementation runs: the user asks for a product, the model calls the
// calculator, the tool runs, the model answers with the result (two model calls, one tool call).
import { tool } from "@langchain/core/tools";
import { calculator } from "../../tools/calculator/index.js";
import { evaluateExpression } from "../../tools/calculator/expression.js";
import { callTool, say, type FakeChatMessage, type Responder } from "../../fake-openai/index.js";

/** Turn `i` of a thread: a different product each time, so every history is distinct. */
export function question(i: number): { text: string; expected: string } {
  const a = 12 + (i % 97);
  const b = 7 + (i % 89);
  return { text: `What is ${a}*${b}?`, expected: answerText(a * b) };
}

function answerText(result: number): string {
  return `The answer is ${result}.`;
}

function textOf(message: FakeChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => part.text ?? "").join("");
}

/**
 * Plays the model for all four implementations alike. It reads the last message: a question gets
 * a calculator call, a tool result gets the answer (whatever wrapping the implementation gives tool
 * output, the result is the `"result":` field). Summary requests get a short summary.
 */
export const benchResponder: Responder = (request) => {
  // Only the summarizers (Keel's node, createAgent's middleware) call the model without tools.
  if (!request.tools?.length) {
    return say("The user asked for several products and got each result from the calculator.");
  }
  const last = request.messages.at(-1);
  if (last?.role === "tool") {
    const result = /"result":\s*(-?[0-9.e+]+)/.exec(textOf(last));
    if (!result) return say("The tool result is missing.");
    return say(answerText(Number(result[1])));
  }
  const asked = /What is (.+)\?/.exec(textOf(last));
  if (!asked) return say(`Unexpected last message: ${textOf(last).slice(0, 80)}`);
  return callTool("calculator", { expression: asked[1]! });
};

/** Keel's calculator (same schema and evaluator) as a plain LangChain tool for the other three. */
export const calculatorTool = tool(
  async ({ expression }: { expression: string }) =>
    JSON.stringify({ expression, result: evaluateExpression(expression) }),
  { name: calculator.name, description: calculator.description, schema: calculator.schema },
);

/** Fails the bench loudly: a fast wrong answer is not a result. */
export function assertAnswer(impl: string, got: string, expected: string): void {
  if (got !== expected)
    throw new Error(`${impl} answered ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
}
