import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { defineTool } from "../define.js";
import { ToolError } from "../errors.js";
import { passagesOf, SearchIndex } from "./search-index.js";

const TEXT_FILE = /\.(md|markdown|txt)$/i;
const MAX_FILES = 2_000;
const MAX_FILE_BYTES = 1_000_000;

/** Searches a local folder of notes (Markdown or text). The index is built on first use. */
export function createKnowledgeSearchTool(folder: string) {
  let index: Promise<SearchIndex> | undefined;
  return defineTool({
    name: "knowledge_search",
    description:
      "Search the local knowledge folder (project notes and documentation). Returns the best-matching passages with their source file.",
    schema: z.object({
      query: z.string().min(2).max(500).describe("Keywords or a question"),
      limit: z.number().int().min(1).max(10).default(3),
    }),
    policy: { risk: "read", timeoutMs: 5_000 },
    handler: async ({ query, limit }) => {
      // A failed build is not cached, so a folder created later is picked up.
      index ??= buildIndex(resolve(folder)).catch((err: unknown) => {
        index = undefined;
        throw err;
      });
      const hits = (await index).search(query, limit);
      if (hits.length === 0) {
        throw new ToolError(`No passage matches "${query}".`, {
          suggestion: "Try other keywords, or answer without the notes.",
        });
      }
      return { hits };
    },
  });
}

async function buildIndex(root: string): Promise<SearchIndex> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new ToolError(`The knowledge folder ${root} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const files = entries.filter((e) => e.isFile() && TEXT_FILE.test(e.name)).slice(0, MAX_FILES);
  const passages = [];
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    const content = (await readFile(path, "utf8")).slice(0, MAX_FILE_BYTES);
    passages.push(...passagesOf(relative(root, path), content));
  }
  return new SearchIndex(passages);
}
