import type { ChannelVersions, CheckpointTuple, PendingWrite } from "@langchain/langgraph-checkpoint";
import type { Hono } from "hono";
import { ApiError } from "../errors.js";
import type { Env } from "../http.js";
import { activeRunOfThread, deleteThreadRow, insertThread, setThreadStatus, ownedThread } from "../store.js";
import type { RouteDeps } from "./context.js";
import { requireThread, stateOf, threadJson } from "./threads.js";

/** Top-level metadata values naming the source thread are rewritten to name the copy. */
function renamed(metadata: CheckpointTuple["metadata"], from: string, to: string): CheckpointTuple["metadata"] {
  if (!metadata) return metadata;
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [k, v === from ? to : v]),
  ) as CheckpointTuple["metadata"];
}

/**
 * Every checkpoint of `from` (all namespaces) and its pending writes, written again under `to`
 * through the saver: what a thread's state and history are read from. Going through the saver,
 * not SQL, keeps encrypted checkpoints (checkpoint/encrypted-serde.ts) readable: they are
 * decrypted on read and encrypted again on write. Oldest first, so each parent exists first.
 */
async function copyCheckpoints(deps: RouteDeps, from: string, to: string): Promise<void> {
  const tuples: CheckpointTuple[] = [];
  for await (const tuple of deps.saver.list({ configurable: { thread_id: from } })) tuples.push(tuple);
  tuples.sort((a, b) => String(a.checkpoint.id).localeCompare(String(b.checkpoint.id)));
  for (const tuple of tuples) {
    const ns = String(tuple.config.configurable?.checkpoint_ns ?? "");
    const parentId: unknown = tuple.parentConfig?.configurable?.checkpoint_id;
    // Every channel's value is written again: a checkpoint alone refers to blobs by version.
    const versions: ChannelVersions = { ...tuple.checkpoint.channel_versions };
    const saved = await deps.saver.put(
      {
        configurable: {
          thread_id: to,
          checkpoint_ns: ns,
          ...(typeof parentId === "string" ? { checkpoint_id: parentId } : {}),
        },
      },
      tuple.checkpoint,
      renamed(tuple.metadata, from, to) ?? { source: "update", step: -1, parents: {} },
      versions,
    );
    // Pending writes (an approval's interrupt among them) per task, in their original order.
    const byTask = new Map<string, PendingWrite[]>();
    for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
      const list = byTask.get(taskId) ?? [];
      list.push([channel, value]);
      byTask.set(taskId, list);
    }
    for (const [taskId, writes] of byTask) await deps.saver.putWrites(saved, writes, taskId);
  }
}

export function threadCopyRoutes(app: Hono<Env>, deps: RouteDeps): void {
  /**
   * A new thread of the caller's with the source's metadata, state and history (SDK `threads.copy`).
   * A source with a run in progress is refused (409): its checkpoints are being written, and a copy
   * taken mid-run would hold a step the copy can neither finish nor resume (the run is not copied).
   */
  app.post("/threads/:thread_id/copy", async (c) => {
    const owner = c.get("principal").userId;
    const source = await requireThread(deps, c.req.param("thread_id"), owner);
    if (source.status === "busy" || (await activeRunOfThread(deps.pool, source.thread_id))) {
      throw new ApiError(
        409,
        "thread_busy",
        `Thread ${source.thread_id} has a run in progress; copy it once the run has ended.`,
      );
    }
    const threadId = crypto.randomUUID();
    const row = await insertThread(deps.pool, { threadId, ownerId: owner, metadata: source.metadata });
    if (!row) throw new Error(`thread id ${threadId} already taken`);
    try {
      await copyCheckpoints(deps, source.thread_id, threadId);
      await setThreadStatus(deps.pool, threadId, source.status);
    } catch (err) {
      await deps.saver.deleteThread(threadId).catch(() => undefined);
      await deleteThreadRow(deps.pool, threadId, owner).catch(() => undefined);
      throw err;
    }
    const copy = (await ownedThread(deps.pool, threadId, owner)) ?? row;
    return c.json(deps.redact.json(threadJson(copy, await stateOf(deps, threadId))));
  });
}
