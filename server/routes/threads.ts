import type { Context, Hono } from "hono";
import { z } from "zod";
import { ApiError, threadNotFound } from "../errors.js";
import { isUuid, parseBody, readJson, type Env } from "../http.js";
import {
  activeRunOfThread,
  deleteThreadRow,
  insertThread,
  mergeThreadMetadata,
  ownedThread,
  searchThreads,
  type ThreadRow,
} from "../store.js";
import type { RouteDeps } from "./context.js";

const Metadata = z.record(z.string(), z.unknown());

const CreateSchema = z.object({
  thread_id: z.uuid().optional(),
  metadata: Metadata.optional(),
  if_exists: z.enum(["raise", "do_nothing"]).optional(),
});

const SearchSchema = z.object({
  metadata: Metadata.optional(),
  status: z.enum(["idle", "busy", "interrupted", "error"]).optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).default(0),
  sort_by: z.enum(["created_at", "updated_at"]).default("created_at"),
  sort_order: z.enum(["asc", "desc"]).default("desc"),
});

interface EngineState {
  values: unknown;
  tasks?: { id: string; interrupts?: unknown[] }[];
}

export const threadJson = (row: ThreadRow, state?: EngineState) => ({
  thread_id: row.thread_id,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  metadata: row.metadata,
  status: row.status,
  values: state?.values ?? null,
  // Pending interrupts by task id, as the platform reports them (approval UIs read these).
  interrupts: Object.fromEntries(
    (state?.tasks ?? []).filter((t) => t.interrupts?.length).map((t) => [t.id, t.interrupts]),
  ),
});

/** The caller's thread, or 404 for a malformed, unknown or foreign id alike. */
export async function requireThread(deps: RouteDeps, threadId: string, ownerId: string): Promise<ThreadRow> {
  const row = isUuid(threadId) ? await ownedThread(deps.pool, threadId, ownerId) : undefined;
  if (!row) throw threadNotFound(threadId);
  return row;
}

/** The thread's current state as the LangGraph API serialises it (messages as dicts). */
export async function stateOf(deps: RouteDeps, threadId: string): Promise<EngineState> {
  const response = await deps.engine.request(`/threads/${threadId}/state`);
  if (!response.ok) throw new Error(`state of ${threadId}: ${response.status}`);
  return (await response.json()) as EngineState;
}

export function threadRoutes(app: Hono<Env>, deps: RouteDeps): void {
  app.post("/threads", async (c) => {
    const body = parseBody(CreateSchema, await readJson(c));
    const owner = c.get("principal").userId;
    const threadId = body.thread_id ?? crypto.randomUUID();
    const row = await insertThread(deps.pool, { threadId, ownerId: owner, metadata: body.metadata ?? {} });
    if (row) return c.json(threadJson(row));
    const existing = await ownedThread(deps.pool, threadId, owner);
    if (existing && body.if_exists === "do_nothing") return c.json(threadJson(existing));
    throw new ApiError(409, "thread_exists", `Thread ${threadId} already exists.`);
  });

  app.post("/threads/search", async (c) => {
    const q = parseBody(SearchSchema, await readJson(c));
    const { rows, total } = await searchThreads(deps.pool, c.get("principal").userId, {
      metadata: q.metadata,
      status: q.status,
      limit: q.limit,
      offset: q.offset,
      sortBy: q.sort_by,
      sortOrder: q.sort_order,
    });
    c.header("x-pagination-total", String(total));
    return c.json(rows.map((row) => threadJson(row)));
  });

  app.get("/threads/:thread_id", async (c) => {
    const row = await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    return c.json(threadJson(row, await stateOf(deps, row.thread_id)));
  });

  app.patch("/threads/:thread_id", async (c) => {
    const row = await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    const body = parseBody(z.object({ metadata: Metadata }), await readJson(c));
    return c.json(threadJson((await mergeThreadMetadata(deps.pool, row.thread_id, body.metadata)) ?? row));
  });

  app.delete("/threads/:thread_id", async (c) => {
    const owner = c.get("principal").userId;
    const row = await requireThread(deps, c.req.param("thread_id"), owner);
    if (await activeRunOfThread(deps.pool, row.thread_id)) {
      throw new ApiError(409, "thread_busy", "The thread has a run in progress; cancel it first.");
    }
    await deps.saver.deleteThread(row.thread_id);
    await deleteThreadRow(deps.pool, row.thread_id, owner);
    return c.body(null, 204);
  });

  // State is written only by runs: a direct update could rewrite budgets or approvals.
  app.post("/threads/:thread_id/state", async (c) => {
    await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    throw new ApiError(405, "not_supported", "Thread state changes only through runs on this server.");
  });

  // Reading state and history: ownership here, serialisation by the LangGraph API engine.
  const readThrough = async (c: Context<Env>) => {
    await requireThread(deps, c.req.param("thread_id") ?? "", c.get("principal").userId);
    const raw = c.req.raw;
    const url = new URL(raw.url);
    return deps.engine.request(`${url.pathname}${url.search}`, {
      method: raw.method,
      headers: { "content-type": "application/json" },
      ...(raw.method === "POST" ? { body: JSON.stringify(await readJson(c)) } : {}),
    });
  };
  app.get("/threads/:thread_id/state", readThrough);
  app.get("/threads/:thread_id/state/:checkpoint_id", readThrough);
  app.post("/threads/:thread_id/state/checkpoint", readThrough);
  app.post("/threads/:thread_id/history", readThrough);
}
