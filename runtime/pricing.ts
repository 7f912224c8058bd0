import { readFileSync } from "node:fs";
import { z } from "zod";
import { formatIssues, KeelError } from "./errors.js";

/** USD per million tokens. Cached input (prompt-cache hits) is billed at its own, lower rate. */
export const ModelPriceSchema = z.object({
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  cachedInputPerMTok: z.number().min(0).optional(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export type PriceTable = Readonly<Record<string, ModelPrice>>;

export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 },
  "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 },
  "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
  "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6, cachedInputPerMTok: 0.1 },
  "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.025 },
};

/** The default table with a JSON file's entries on top (`{"my-model": {"inputPerMTok": 1, …}}`). */
export function loadPrices(file: string | undefined): PriceTable {
  if (!file) return DEFAULT_PRICES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new KeelError("config_invalid", `PRICES_FILE=${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  const table = z.record(z.string(), ModelPriceSchema).safeParse(parsed);
  if (!table.success) {
    throw new KeelError("config_invalid", `PRICES_FILE=${file}: ${formatIssues(table.error.issues)}`);
  }
  return { ...DEFAULT_PRICES, ...table.data };
}

export function priceOf(model: string, prices: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  // Providers report dated names (gpt-4o-mini-2024-07-18); fall back to the longest known prefix.
  if (prices[model]) return prices[model];
  const prefix = Object.keys(prices)
    .filter((name) => model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? prices[prefix] : undefined;
}

export interface TokenCounts {
  input: number;
  output: number;
  /** Part of `input` served from the provider's prompt cache. */
  cachedInput?: number;
}

/** Cost of one call; unknown models cost 0 (the turn summary shows $0). */
export function costUsd(model: string, tokens: TokenCounts, prices: PriceTable = DEFAULT_PRICES): number {
  const price = priceOf(model, prices);
  if (!price) return 0;
  const cached = Math.min(tokens.cachedInput ?? 0, tokens.input);
  const cachedRate = price.cachedInputPerMTok ?? price.inputPerMTok;
  return (
    ((tokens.input - cached) * price.inputPerMTok + cached * cachedRate + tokens.output * price.outputPerMTok) /
    1_000_000
  );
}
