import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Pool } from "pg";
import { describe, expect, it } from "vitest";
import type { Agent } from "../graphs/agent.js";
import { memoryLogger } from "../runtime/logger.js";
import type { ApiError } from "./errors.js";
import { RunExecutor, type StoredKwargs } from "./executor.js";
import type { ThreadLock, ThreadLocks } from "./thread-lock.js";

const KWARGS = {
  input: { messages: [{ role: "user", content: "hi" }] },
  config: {},
  stream_mode: ["values"],
  stream_subgraphs: false,
  on_disconnect: "continue",
  role: "member",
} as unknown as StoredKwargs;

/**
 * An executor on fakes whose runs never end on their own (the engine's stream stays open until the
 * run is aborted), and whose lock and insert each wait a tick, so concurrent starts really interleave.
 */
function slowExecutor(opts: { maxConcurrentRuns: number; maxRunsPerUser?: number; orphans?: unknown[] }) {
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const pool = {
    query: async (sql: string, params: unknown[] = []) => {
      await tick();
      if (sql.includes("INSERT INTO keel_runs")) {
        const [run_id, thread_id, owner_id] = params;
        return { rows: [{ run_id, thread_id, owner_id, kwargs: KWARGS, metadata: {}, attempt: 1, status: "running" }] };
      }
      if (sql.includes("WHERE status IN")) return { rows: opts.orphans ?? [] };
      if (sql.includes("WHERE run_id = $1 AND thread_id")) {
        return { rows: (opts.orphans ?? []).filter((o) => (o as { run_id: string }).run_id === params[0]) };
      }
      if (sql.includes("SELECT * FROM keel_runs")) return { rows: [] };
      return { rows: [], rowCount: 1 };
    },
  } as unknown as Pool;
  const lock = (): ThreadLock => ({
    lost: new AbortController().signal,
    check: () => Promise.resolve(true),
    release: () => Promise.resolve(),
  });
  const engine = {
    request: (_path: string, init: RequestInit) =>
      new Response(
        new ReadableStream({
          start(controller) {
            if (init.signal?.aborted) controller.error(new Error("aborted"));
            init.signal?.addEventListener("abort", () => controller.error(new Error("aborted")));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
  };
  return new RunExecutor({
    pool,
    locks: { tryAcquire: () => tick().then(lock) } as unknown as ThreadLocks,
    saver: { getTuple: () => Promise.resolve(undefined) } as unknown as BaseCheckpointSaver,
    agent: {} as Agent,
    engine,
    graphId: "agent",
    logger: memoryLogger().logger,
    cancelPollMs: 60_000,
    ...opts,
  });
}

const thread = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const start = (executor: RunExecutor, ownerId: string, n: number) =>
  executor.start({ threadId: thread(n), ownerId, assistantId: "agent", kwargs: KWARGS, metadata: {} });

describe("RunExecutor: runs per user", () => {
  // Without a per-user cap one user could hold every slot of the server.
  it("refuses a user's starts beyond the cap with 429, even when they race, and still serves others", async () => {
    const executor = slowExecutor({ maxConcurrentRuns: 8, maxRunsPerUser: 2 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => start(executor, "alice", n)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    const refusals = results.flatMap((r) => (r.status === "rejected" ? [r.reason as ApiError] : []));
    expect(refusals.map((e) => [e.status, e.code])).toEqual([
      [429, "user_at_capacity"],
      [429, "user_at_capacity"],
    ]);
    expect(refusals[0]?.headers).toEqual({ "retry-after": "2" });
    await expect(start(executor, "bob", 5)).resolves.toBeDefined();
    expect(executor.activeCount).toBe(3);
    // A run that ends gives its slot back.
    const alices = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    alices[0]!.execution.abort("cancel");
    await alices[0]!.execution.done;
    await expect(start(executor, "alice", 6)).resolves.toBeDefined();
    await executor.drain(0);
  });

  it("the sweep leaves a user's orphaned runs waiting while that user is at the cap here", async () => {
    const orphan = (n: number, owner: string) => ({
      run_id: `run-${n}`,
      thread_id: thread(n),
      owner_id: owner,
      kwargs: KWARGS,
      metadata: {},
      attempt: 1,
      status: "running",
    });
    const orphans = [orphan(1, "alice"), orphan(2, "alice"), orphan(3, "bob")];
    const executor = slowExecutor({ maxConcurrentRuns: 8, maxRunsPerUser: 1, orphans });
    // Alice's first and Bob's are resumed; Alice's second waits for a later sweep.
    expect(await executor.sweep()).toBe(2);
    expect(executor.local("run-1")).toBeDefined();
    expect(executor.local("run-2")).toBeUndefined();
    await expect(start(executor, "alice", 9)).rejects.toMatchObject({ status: 429, code: "user_at_capacity" });
    executor.local("run-1")?.abort("cancel");
    await executor.local("run-1")?.done;
    orphans.shift(); // ended: no longer active in the database
    expect(await executor.sweep()).toBe(1);
    expect(executor.local("run-2")).toBeDefined();
    await executor.drain(0);
  });
});
