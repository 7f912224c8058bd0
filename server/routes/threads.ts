import type { Context, Hono } from "hono";
import { z } from "zod";
import { visibleAssistant } from "../assistant-lookup.js";
import { isKeelError } from "../../runtime/errors.js";
import { ApiError, threadNotFound } from "../errors.js";
import { jsonContains } from "../json-contains.js";
import { isUuid, parseBody, readJson, type Env } from "../http.js";
import {
  activeRunOfThread,
  countThreads,
  deleteThreadRow,
  insertThread,
  mergeThreadMetadata,
  ownedThread,
  searchThreads,
  type ThreadRow,
  type ThreadSortColumn,
} from "../store.js";
import type { RouteDeps } from "./context.js";

const Metadata = z.record(z.string(), z.unknown());

/**
 * A checkpoint reference as the SDK sends it. The engine spreads it into the read's config after
 * `thread_id`, so other keys (the SDK's own `thread_id` among them) are dropped, not forwarded.
 */
const CheckpointRef = z.object({
  checkpoint_id: z.string().refine(isUuid, "must be a checkpoint id (a UUID)").optional(),
  checkpoint_ns: z.string().max(200).optional(),
  checkpoint_map: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * Bodies of the reads passed to the engine, checked here so bad input is a 422 `{error, detail}`
 * rather than the engine's raw ZodError 400 or its plain-text 500 (`limit: -1` reached SQL).
 */
const ReadBodies: Record<string, z.ZodType> = {
  "/threads/:thread_id/history": z.object({
    limit: z.number().int().min(1).max(1000).default(10),
    before: z.string().refine(isUuid, "must be a checkpoint id (a UUID)").optional(),
    metadata: Metadata.optional(),
    checkpoint: CheckpointRef.optional(),
  }),
  "/threads/:thread_id/state/checkpoint": z.object({
    // The engine takes "true"/"false"; the SDK sends a boolean.
    subgraphs: z
      .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
      .transform(String)
      .optional(),
    checkpoint: CheckpointRef.nullish(),
  }),
};

/**
 * `graph_id` and `assistant_id` in thread metadata are the server's: the engine picks the graph by
 * `graph_id`, and runs write both. A caller may name only what this server serves, as the SDK's
 * `threads.create({ graphId })` does: a served graph, a built-in assistant or one of the caller's
 * own assistants; anything else (someone else's assistant included) is a 422.
 */
async function checkReservedMetadata(
  deps: RouteDeps,
  metadata: Record<string, unknown> | undefined,
  ownerId: string,
): Promise<void> {
  if (!metadata) return;
  const graphIds = deps.assistants.map((a) => a.graph_id);
  for (const key of ["graph_id", "assistant_id"] as const) {
    if (!Object.hasOwn(metadata, key)) continue;
    const value = metadata[key];
    const served =
      typeof value === "string" &&
      (key === "graph_id" ? graphIds.includes(value) : (await visibleAssistant(deps, value, ownerId)) !== undefined);
    if (!served) {
      throw new ApiError(
        422,
        "invalid_request",
        key === "graph_id"
          ? `metadata.graph_id: must name a graph this server serves (${graphIds.join(", ")})`
          : `metadata.assistant_id: must name a built-in assistant (${graphIds.join(", ")}) or one of your own`,
      );
    }
  }
}

const CreateSchema = z.object({
  thread_id: z.uuid().optional(),
  metadata: Metadata.optional(),
  if_exists: z.enum(["raise", "do_nothing"]).optional(),
  // A thread prefilled with state would be a state write past the guards (see POST .../state: 405).
  supersteps: z.undefined({ error: "threads start empty here: state is written by runs only" }).optional(),
});

/** What search and count filter on; `values` is JSON containment on the thread's (redacted) state values. */
const ThreadFilterSchema = z.object({
  metadata: Metadata.optional(),
  status: z.enum(["idle", "busy", "interrupted", "error"]).optional(),
  ids: z.array(z.uuid()).max(1000).optional(),
  values: Metadata.optional(),
});

const SearchSchema = ThreadFilterSchema.extend({
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).default(0),
  // `state_updated_at` sorts as `updated_at`: a run's end, which writes the state, updates both.
  sort_by: z
    .enum(["created_at", "updated_at", "state_updated_at", "thread_id", "status"])
    .default("created_at")
    .transform((v) => (v === "state_updated_at" ? "updated_at" : v)),
  sort_order: z.enum(["asc", "desc"]).default("desc"),
  select: z
    .array(
      z.enum([
        "thread_id",
        "created_at",
        "updated_at",
        "state_updated_at",
        "metadata",
        "config",
        "context",
        "status",
        "values",
        "interrupts",
      ]),
    )
    .max(20)
    .optional(),
});

/** A `values` filter reads each candidate's state: at most this many threads are looked at per request. */
export const VALUES_SCAN_LIMIT = 1000;
/** State reads in flight at once for one search (each takes a database connection). */
const STATE_READ_CONCURRENCY = 4;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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
/**
 * Why the engine failed a read of a thread, when the cause is a checkpoint this server cannot
 * decrypt (written under another CHECKPOINT_ENCRYPTION_KEY): the engine answers every error as a
 * bare 500, so the latest checkpoint is read once more here to tell that case apart.
 */
async function unreadableCheckpoint(deps: RouteDeps, threadId: string): Promise<ApiError | undefined> {
  try {
    await deps.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    return undefined;
  } catch (err) {
    if (!isKeelError(err, "checkpoint_unreadable")) return undefined;
    return new ApiError(
      409,
      "thread_state_unreadable",
      "This thread's saved state cannot be read with the server's CHECKPOINT_ENCRYPTION_KEY (it was written under another key).",
    );
  }
}

export async function stateOf(deps: RouteDeps, threadId: string): Promise<EngineState> {
  const response = await deps.engine.request(`/threads/${threadId}/state`);
  if (response.status >= 500) throw (await unreadableCheckpoint(deps, threadId)) ?? engineFailure(response);
  if (!response.ok) throw new Error(`state of ${threadId}: ${response.status}`);
  return (await response.json()) as EngineState;
}

const engineFailure = (response: Response) => new Error(`engine: ${response.status} ${response.statusText}`);

/**
 * An engine answer passed on only when it succeeded: its 4xx becomes `{error, detail}`, its 5xx
 * (plain text, never logged by the engine) an error the app logs and answers as JSON.
 */
async function engineAnswer(deps: RouteDeps, threadId: string, path: string, response: Response): Promise<Response> {
  if (response.ok) return response;
  if (response.status >= 500) {
    const unreadable = await unreadableCheckpoint(deps, threadId);
    if (unreadable) throw unreadable;
  }
  const text = (await response.text()).slice(0, 500);
  if (response.status >= 500) throw new Error(`engine ${path}: ${response.status} ${text}`);
  if (response.status === 404) throw new ApiError(404, "not_found", text);
  throw new ApiError(422, "invalid_request", text);
}

export function threadRoutes(app: Hono<Env>, deps: RouteDeps): void {
  app.post("/threads", async (c) => {
    const body = parseBody(CreateSchema, await readJson(c));
    const owner = c.get("principal").userId;
    await checkReservedMetadata(deps, body.metadata, owner);
    const threadId = body.thread_id ?? crypto.randomUUID();
    const row = await insertThread(deps.pool, { threadId, ownerId: owner, metadata: body.metadata ?? {} });
    if (row) return c.json(threadJson(row));
    const existing = await ownedThread(deps.pool, threadId, owner);
    if (existing && body.if_exists === "do_nothing") return c.json(threadJson(existing));
    throw new ApiError(409, "thread_exists", `Thread ${threadId} already exists.`);
  });

  /**
   * Threads with their current (redacted) state, filtered on `values` when asked: without it, one
   * page from SQL; with it, candidates in sort order until the page fills, at most VALUES_SCAN_LIMIT.
   */
  const findThreads = async (
    owner: string,
    q: z.infer<typeof ThreadFilterSchema> & {
      limit: number;
      offset: number;
      sortBy: ThreadSortColumn;
      sortOrder: "asc" | "desc";
    },
    withState: boolean,
  ): Promise<{ threads: ReturnType<typeof threadJson>[]; total: number }> => {
    const filter = { metadata: q.metadata, status: q.status, ids: q.ids, sortBy: q.sortBy, sortOrder: q.sortOrder };
    // One thread whose state cannot be read (its checkpoints written under another encryption key,
    // say) is listed without values rather than failing the caller's whole search.
    const readableState = async (row: ThreadRow) =>
      stateOf(deps, row.thread_id).catch((err: unknown) => {
        deps.logger.warn(
          { event: "thread_state_unreadable", thread_id: row.thread_id, err: (err as Error).message },
          "thread search",
        );
        return undefined;
      });
    const withStateOf = async (row: ThreadRow) =>
      deps.redact.json(threadJson(row, withState ? await readableState(row) : undefined));
    if (!q.values) {
      const { rows, total } = await searchThreads(deps.pool, owner, { ...filter, limit: q.limit, offset: q.offset });
      return { threads: await mapLimit(rows, STATE_READ_CONCURRENCY, withStateOf), total };
    }
    const matched: ReturnType<typeof threadJson>[] = [];
    const batch = 100;
    for (let scanned = 0; scanned < VALUES_SCAN_LIMIT; scanned += batch) {
      const { rows } = await searchThreads(deps.pool, owner, { ...filter, limit: batch, offset: scanned });
      const threads = await mapLimit(rows, STATE_READ_CONCURRENCY, async (row) =>
        deps.redact.json(threadJson(row, await readableState(row))),
      );
      matched.push(...threads.filter((t) => jsonContains(t.values, q.values)));
      if (rows.length < batch) break;
    }
    return { threads: matched.slice(q.offset, q.offset + q.limit), total: matched.length };
  };

  app.post("/threads/search", async (c) => {
    const q = parseBody(SearchSchema, await readJson(c));
    const select = q.select ? new Set<string>(q.select) : undefined;
    const withState = !select || select.has("values") || select.has("interrupts");
    const { threads, total } = await findThreads(
      c.get("principal").userId,
      { ...q, sortBy: q.sort_by, sortOrder: q.sort_order },
      withState,
    );
    c.header("x-pagination-total", String(total));
    const picked = select
      ? threads.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => select.has(k))))
      : threads;
    return c.json(picked);
  });

  app.post("/threads/count", async (c) => {
    const q = parseBody(ThreadFilterSchema, await readJson(c));
    const owner = c.get("principal").userId;
    if (!q.values) return c.json(await countThreads(deps.pool, owner, q));
    const { total } = await findThreads(
      owner,
      { ...q, limit: VALUES_SCAN_LIMIT, offset: 0, sortBy: "created_at", sortOrder: "desc" },
      true,
    );
    return c.json(total);
  });

  app.get("/threads/:thread_id", async (c) => {
    const row = await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    return c.json(deps.redact.json(threadJson(row, await stateOf(deps, row.thread_id))));
  });

  app.patch("/threads/:thread_id", async (c) => {
    const owner = c.get("principal").userId;
    const row = await requireThread(deps, c.req.param("thread_id"), owner);
    const body = parseBody(z.object({ metadata: Metadata }), await readJson(c));
    await checkReservedMetadata(deps, body.metadata, owner);
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
    const { thread_id: threadId } = await requireThread(
      deps,
      c.req.param("thread_id") ?? "",
      c.get("principal").userId,
    );
    const checkpointId = c.req.param("checkpoint_id");
    if (checkpointId !== undefined && !isUuid(checkpointId)) {
      throw new ApiError(422, "invalid_request", "checkpoint_id: must be a checkpoint id (a UUID)");
    }
    const raw = c.req.raw;
    const url = new URL(raw.url);
    const bodySchema = ReadBodies[c.req.routePath];
    const body = raw.method === "POST" ? parseBody(bodySchema ?? z.unknown(), await readJson(c)) : undefined;
    return engineAnswer(
      deps,
      threadId,
      `${url.pathname}${url.search}`,
      await deps.engine.request(`${url.pathname}${url.search}`, {
        method: raw.method,
        headers: { "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
  };
  // What the engine answers is redacted before it leaves, like every state this server sends.
  const redactedRead = async (c: Context<Env>) => {
    const response = await readThrough(c);
    return c.json(deps.redact.json((await response.json()) as object), response.status as 200);
  };
  app.get("/threads/:thread_id/state", redactedRead);
  app.get("/threads/:thread_id/state/:checkpoint_id", redactedRead);
  app.post("/threads/:thread_id/state/checkpoint", redactedRead);
  app.post("/threads/:thread_id/history", redactedRead);
}
