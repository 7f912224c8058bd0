import type { ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import type { Pool } from "pg";
import { mergeThreadMetadata, threadById } from "./store.js";

/**
 * The thread storage the LangGraph API engine sees. It is only ever reached after the routes have
 * checked ownership, so it needs none of its own; creating and deleting go through the routes.
 */
export function embedThreadSaver(pool: Pool): ThreadSaver {
  const asThread = (row: { thread_id: string; metadata: Record<string, unknown> }) => ({
    thread_id: row.thread_id,
    metadata: row.metadata,
  });
  return {
    async get(id) {
      const row = await threadById(pool, id);
      // The engine treats a missing thread as null; the type says Thread, the code checks for null.
      return (row ? asThread(row) : null) as unknown as Awaited<ReturnType<ThreadSaver["get"]>>;
    },
    async set(id, options) {
      const row = await mergeThreadMetadata(pool, id, options.metadata ?? {});
      if (!row) throw new Error(`thread ${id} does not exist`);
      return asThread(row);
    },
    async delete() {
      throw new Error("threads are deleted through the API routes");
    },
  };
}
