import { describe, expect, it } from "vitest";
import { passagesOf, SearchIndex, tokenize } from "./search-index.js";

const doc = `# Budgets

Every run has a step budget. When it is reached the run stops with a summary.

# Models

Rate limits (429) are retried with backoff and jitter.`;

describe("search index", () => {
  it("splits Markdown into passages under their headings", () => {
    expect(passagesOf("a.md", doc)).toEqual([
      {
        source: "a.md",
        heading: "Budgets",
        text: "Every run has a step budget. When it is reached the run stops with a summary.",
      },
      { source: "a.md", heading: "Models", text: "Rate limits (429) are retried with backoff and jitter." },
    ]);
  });

  it("ranks the passage that matches the query first, and finds nothing for unrelated words", () => {
    const index = new SearchIndex(passagesOf("a.md", doc));
    const hits = index.search("how are rate limits retried?", 5);
    expect(hits[0]?.heading).toBe("Models");
    expect(hits[0]!.score).toBeGreaterThan(0);
    expect(index.search("zebra giraffe", 5)).toEqual([]);
  });

  it("rarer terms weigh more than common ones", () => {
    const index = new SearchIndex([
      { source: "x", heading: "", text: "the run the run the run" },
      { source: "y", heading: "", text: "the checkpoint" },
    ]);
    expect(index.search("the checkpoint", 2)[0]?.source).toBe("y");
  });

  it("tokenizes case- and width-insensitively", () => {
    expect(tokenize("Ｒate-LIMITS_x 429")).toEqual(["rate", "limits_x", "429"]);
  });
});
