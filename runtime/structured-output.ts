import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { formatIssues, KeelError } from "./errors.js";
import { jsonCandidates } from "./json-extract.js";

/** The one method structured output needs from a model (ModelClient has it). */
export interface StructuredModel {
  invoke(messages: BaseMessage[], options: { signal?: AbortSignal; config?: RunnableConfig }): Promise<AIMessage>;
}

export interface StructuredAttempt {
  reply: string;
  error: string;
}

export const StructuredOptionsSchema = z.object({
  /** Model calls in all, the first included. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
});

/**
 * Asks for JSON matching `schema`, extracts it from fenced or prose-wrapped replies, validates it,
 * and on failure asks again with the validation errors fed back. Throws
 * `structured_output_invalid` carrying every attempt once the bound is reached.
 */
export async function invokeStructured<T>(
  model: StructuredModel,
  messages: BaseMessage[],
  schema: z.ZodType<T>,
  options: z.input<typeof StructuredOptionsSchema> & { signal?: AbortSignal; config?: RunnableConfig } = {},
): Promise<{ value: T; attempts: number }> {
  const { maxAttempts } = StructuredOptionsSchema.parse({ maxAttempts: options.maxAttempts });
  const instructions = new SystemMessage(
    `Reply with only one JSON value that matches this JSON Schema, with no prose around it:\n${JSON.stringify(z.toJSONSchema(schema))}`,
  );
  const conversation: BaseMessage[] = [...messages, instructions];
  const attempts: StructuredAttempt[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const reply = await model.invoke(conversation, { signal: options.signal, config: options.config });
    const text = typeof reply.content === "string" ? reply.content : JSON.stringify(reply.content);
    const verdict = validate(text, schema);
    if (verdict.ok) return { value: verdict.value, attempts: attempt };
    attempts.push({ reply: text, error: verdict.error });
    conversation.push(
      new AIMessage(text),
      new HumanMessage(`That reply was not valid: ${verdict.error}. Reply again with only the corrected JSON.`),
    );
  }
  throw new KeelError(
    "structured_output_invalid",
    `The model gave no valid structured answer in ${maxAttempts} attempts; last problem: ${attempts.at(-1)!.error}`,
    { details: { attempts } },
  );
}

function validate<T>(text: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; error: string } {
  const candidates = jsonCandidates(text);
  if (candidates.length === 0) return { ok: false, error: "it contained no JSON" };
  let firstError = "";
  for (const candidate of candidates) {
    const parsed = schema.safeParse(candidate);
    if (parsed.success) return { ok: true, value: parsed.data };
    firstError ||= formatIssues(parsed.error.issues);
  }
  return { ok: false, error: `the JSON did not match the schema (${firstError})` };
}
