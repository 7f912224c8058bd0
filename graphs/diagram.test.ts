import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentMermaid, withDiagram } from "./diagram.js";

describe("graph diagram", () => {
  it("has every node and the conditional routes", async () => {
    const mermaid = await agentMermaid();
    for (const node of ["guard_input", "summarize", "plan", "approve", "tools", "finalize"])
      expect(mermaid).toContain(node);
    expect(mermaid).toMatch(/plan -.-> approve/);
    expect(mermaid).toMatch(/approve -.-> tools/);
  });

  it("README's copy matches the compiled graph (run `npm run diagram` after changing the wiring)", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(withDiagram(readme, await agentMermaid())).toBe(readme);
  });
});
