/** USD per million tokens. Unknown models cost 0 and say so in the turn summary. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10 },
  "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8 },
  "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4 },
};

export function priceOf(
  model: string,
  prices: Readonly<Record<string, ModelPrice>> = DEFAULT_PRICES,
): ModelPrice | undefined {
  // Providers report dated names (gpt-4o-mini-2024-07-18); fall back to the longest known prefix.
  if (prices[model]) return prices[model];
  const prefix = Object.keys(prices)
    .filter((name) => model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? prices[prefix] : undefined;
}

export function costUsd(model: string, inputTokens: number, outputTokens: number, prices = DEFAULT_PRICES): number {
  const price = priceOf(model, prices);
  if (!price) return 0;
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000;
}
