import type { AIMessage } from "@langchain/core/messages";
import { costUsd, type PriceTable } from "./pricing.js";
import { z } from "zod";

/** Counters kept per run and per thread in graph state, so they survive interrupts and restarts. */
export const UsageSchema = z.object({
  steps: z.number().int().default(0),
  modelCalls: z.number().int().default(0),
  toolCalls: z.number().int().default(0),
  inputTokens: z.number().int().default(0),
  outputTokens: z.number().int().default(0),
  costUsd: z.number().default(0),
  /** Active time: model calls and tool batches (time waiting for a human is not counted). */
  elapsedMs: z.number().default(0),
});
export type Usage = z.infer<typeof UsageSchema>;

export const ZERO_USAGE: Usage = Object.freeze({
  steps: 0,
  modelCalls: 0,
  toolCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  elapsedMs: 0,
});

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    steps: a.steps + (b.steps ?? 0),
    modelCalls: a.modelCalls + (b.modelCalls ?? 0),
    toolCalls: a.toolCalls + (b.toolCalls ?? 0),
    inputTokens: a.inputTokens + (b.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b.outputTokens ?? 0),
    // Round to 1e-9 USD so sums of many tiny prices don't drift.
    costUsd: Math.round((a.costUsd + (b.costUsd ?? 0)) * 1e9) / 1e9,
    elapsedMs: a.elapsedMs + (b.elapsedMs ?? 0),
  };
}

/** Usage of one model reply: tokens as the endpoint reported them, priced from the table. */
export function usageOfReply(
  reply: AIMessage,
  fallbackModel: string,
  prices: PriceTable,
  elapsedMs: number,
): Partial<Usage> & { model: string } {
  const inputTokens = reply.usage_metadata?.input_tokens ?? 0;
  const outputTokens = reply.usage_metadata?.output_tokens ?? 0;
  const cachedInput = reply.usage_metadata?.input_token_details?.cache_read ?? 0;
  const reported: unknown = reply.response_metadata?.model_name;
  const model = typeof reported === "string" && reported ? reported : fallbackModel;
  return {
    model,
    modelCalls: 1,
    inputTokens,
    outputTokens,
    costUsd: costUsd(model, { input: inputTokens, output: outputTokens, cachedInput }, prices),
    elapsedMs,
  };
}
