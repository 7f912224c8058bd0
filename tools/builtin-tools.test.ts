import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentTime } from "./current-time.js";
import { ToolError } from "./errors.js";
import { createKnowledgeSearchTool } from "./knowledge/index.js";
import type { ToolContext } from "./types.js";

const ctx: ToolContext = {
  userId: "u",
  role: "member",
  threadId: "t",
  idempotencyKey: "k",
  signal: new AbortController().signal,
  db: () => Promise.reject(new Error("unused")),
};

describe("current_time", () => {
  it("returns UTC now, and local time in a named zone", async () => {
    const before = Date.now();
    const result = (await currentTime.handler({ timeZone: "Asia/Tokyo" }, ctx)) as { utc: string; local: string };
    expect(Date.parse(result.utc)).toBeGreaterThanOrEqual(before - 1);
    expect(result.local).toMatch(/GMT\+9|Japan Standard Time/); // depends on the ICU data Node ships
  });

  it("an unknown zone is a ToolError with a suggestion", async () => {
    await expect(currentTime.handler({ timeZone: "Mars/Olympus" }, ctx)).rejects.toThrow(ToolError);
  });
});

describe("knowledge_search", () => {
  it("finds passages in the project's own knowledge folder", async () => {
    const tool = createKnowledgeSearchTool("knowledge");
    const { hits } = (await tool.handler(
      { query: "what happens when the step budget is reached?", limit: 2 },
      ctx,
    )) as {
      hits: { source: string; text: string }[];
    };
    expect(hits[0]?.source).toBe("budgets.md");
    expect(hits[0]?.text).toContain("budget_steps");
  });

  it("searches nested folders, and says so when nothing matches", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keel-kb-"));
    await writeFile(join(dir, "notes.txt"), "The office wifi password rotates every Monday.");
    const tool = createKnowledgeSearchTool(dir);
    const { hits } = (await tool.handler({ query: "wifi password", limit: 3 }, ctx)) as { hits: { source: string }[] };
    expect(hits.map((h) => h.source)).toEqual(["notes.txt"]);
    await expect(tool.handler({ query: "quarterly revenue", limit: 3 }, ctx)).rejects.toThrow("No passage matches");
  });

  it("a missing folder is a clear tool error", async () => {
    const tool = createKnowledgeSearchTool(join(tmpdir(), "keel-no-such-folder"));
    await expect(tool.handler({ query: "anything", limit: 3 }, ctx)).rejects.toThrow("cannot be read");
  });
});
