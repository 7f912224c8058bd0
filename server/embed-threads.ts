import type { ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import type { Pool } from "pg";
import { mergeThreadMetadata, threadById } from "./store.js";

/**
 * The thread storage the LangGraph API engine sees. It is only ever reached after the routes have
 * checked ownership, so it needs none of its own; creating and deleting go through the routes.
 *
 * The engine picks the graph by `metadata.graph_id` (`graphs[graph_id]`, then assigns onto it), so
 * it never sees the stored metadata, which callers write: only a `graph_id` this server serves. A
 * row written before that was checked (`"__proto__"`, an unknown graph) reads as the first graph.
 * `row.metadata` comes from JSON.parse, so a stored `__proto__` key is an inert own property.
 */
export function embedThreadSaver(pool: Pool, graphIds: readonly [string, ...string[]]): ThreadSaver {
  const served = new Set<unknown>(graphIds);
  const asThread = (row: { thread_id: string; metadata: Record<string, unknown> }) => {
    // No graph_id yet (no run so far) stays none: the engine then reports an empty state.
    const meta: unknown = row.metadata;
    if (typeof meta !== "object" || meta === null || !Object.hasOwn(meta, "graph_id")) {
      return { thread_id: row.thread_id, metadata: {} };
    }
    const stored = (meta as Record<string, unknown>)["graph_id"];
    return { thread_id: row.thread_id, metadata: { graph_id: served.has(stored) ? stored : graphIds[0] } };
  };
  return {
    async get(id) {
      const row = await threadById(pool, id);
      // The engine treats a missing thread as null; the type says Thread, the code checks for null.
      return (row ? asThread(row) : null) as unknown as Awaited<ReturnType<ThreadSaver["get"]>>;
    },
    async set(id, options) {
      // The engine names its own assistant (the graph id Keel runs it with); the thread records the
      // run's assistant, Keel's id for it, written when the run starts (server/executor.ts), as
      // LangGraph's API does. agent-chat-ui lists threads by that id when configured with a UUID.
      const { assistant_id: _engines, ...metadata } = (options.metadata ?? {}) as Record<string, unknown>;
      const row = await mergeThreadMetadata(pool, id, metadata);
      if (!row) throw new Error(`thread ${id} does not exist`);
      return asThread(row);
    },
    async delete() {
      throw new Error("threads are deleted through the API routes");
    },
  };
}
