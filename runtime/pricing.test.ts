import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costUsd, DEFAULT_PRICES, loadPrices, priceOf } from "./pricing.js";

describe("pricing", () => {
  it("prices input, cached input and output at their own rates", () => {
    // 1M input of which 400k cached, 100k output on gpt-4o-mini: 0.6M*0.15 + 0.4M*0.075 + 0.1M*0.6
    expect(costUsd("gpt-4o-mini", { input: 1_000_000, output: 100_000, cachedInput: 400_000 })).toBeCloseTo(0.18, 10);
  });

  it("finds dated model names by prefix, and unknown models cost nothing", () => {
    expect(priceOf("gpt-4o-mini-2024-07-18")).toBe(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(priceOf("gpt-4o-2024-08-06")).toBe(DEFAULT_PRICES["gpt-4o"]);
    expect(costUsd("my-local-llama", { input: 1000, output: 1000 })).toBe(0);
  });

  it("an override file adds and replaces entries; a bad one names the file and the problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keel-prices-"));
    const good = join(dir, "prices.json");
    await writeFile(
      good,
      JSON.stringify({
        "my-model": { inputPerMTok: 1, outputPerMTok: 2 },
        "gpt-4o": { inputPerMTok: 9, outputPerMTok: 9 },
      }),
    );
    const table = loadPrices(good);
    expect(costUsd("my-model", { input: 1_000_000, output: 1_000_000 }, table)).toBe(3);
    expect(table["gpt-4o"]?.inputPerMTok).toBe(9);
    expect(table["gpt-4o-mini"]).toBe(DEFAULT_PRICES["gpt-4o-mini"]);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ m: { inputPerMTok: -1, outputPerMTok: 1 } }));
    expect(() => loadPrices(bad)).toThrow(/PRICES_FILE=.*bad\.json: m\.inputPerMTok/);
  });
});
