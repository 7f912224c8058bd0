import type { Pool } from "pg";
import { describe, expect, it } from "vitest";
import type { Agent } from "../graphs/agent.js";
import { memoryLogger } from "../runtime/logger.js";
import { RunExecutor, type StoredKwargs } from "./executor.js";
import type { ThreadLock, ThreadLocks } from "./thread-lock.js";

const THREAD = "00000000-0000-4000-8000-000000000001";
const KWARGS: StoredKwargs = {
  input: { messages: [{ role: "user", content: "hi" }] },
  command: undefined,
  config: {},
  budget: undefined,
  stream_mode: ["values"],
  stream_subgraphs: false,
  interrupt_before: undefined,
  interrupt_after: undefined,
  on_disconnect: "continue",
  role: "member",
};

/**
 * A run whose engine reports an error, on fakes: a pool that records its statements, a lock whose
 * connection is alive or dead, an engine that streams `values` then `error`.
 */
async function failingRun(lockAlive: boolean) {
  const statements: string[] = [];
  const pool = {
    query: (sql: string, params: unknown[] = []) => {
      statements.push(sql);
      if (sql.includes("INSERT INTO keel_runs")) {
        return { rows: [{ run_id: params[0], thread_id: THREAD, owner_id: "alice", kwargs: KWARGS, metadata: {} }] };
      }
      return { rows: [], rowCount: 1 };
    },
  } as unknown as Pool;
  const lost = new AbortController();
  const lock: ThreadLock = {
    lost: lost.signal,
    check: () => {
      if (!lockAlive) lost.abort();
      return Promise.resolve(lockAlive);
    },
    release: () => Promise.resolve(),
  };
  const sse =
    'event: values\ndata: {"messages":[]}\n\nevent: error\ndata: {"error":"Error","message":"Connection terminated unexpectedly"}\n\n';
  const executor = new RunExecutor({
    pool,
    locks: { tryAcquire: () => Promise.resolve(lock) } as unknown as ThreadLocks,
    agent: {} as Agent,
    engine: { request: () => new Response(sse, { headers: { "content-type": "text/event-stream" } }) },
    graphId: "agent",
    logger: memoryLogger().logger,
    maxConcurrentRuns: 1,
  });
  const { run, execution } = await executor.start({
    threadId: THREAD,
    ownerId: "alice",
    assistantId: "agent",
    kwargs: KWARGS,
    metadata: {},
  });
  const events: string[] = [];
  execution.subscribe((e) => e && events.push(`${e.event} ${e.data}`));
  const outcome = await execution.done;
  return { run, outcome, events, statements: statements.slice(statements.findIndex((s) => s.includes("INSERT"))) };
}

describe("RunExecutor: a run whose engine reports an error", () => {
  it("with its lock's connection alive, fails: the engine's error is relayed and recorded", async () => {
    const { outcome, events, statements } = await failingRun(true);
    expect(outcome).toMatchObject({ status: "error", error: { message: "Connection terminated unexpectedly" } });
    expect(outcome.handoff).toBeUndefined();
    expect(events.at(-1)).toMatch(/^error .*Connection terminated unexpectedly/);
    expect(statements.some((s) => s.startsWith("UPDATE keel_runs SET status"))).toBe(true);
  });

  it("with its lock's connection dead, the database went away: handed off, not failed, row left active", async () => {
    const { run, outcome, events, statements } = await failingRun(false);
    expect(outcome).toMatchObject({ status: "pending", error: null, handoff: { error: "database_connection_lost" } });
    // Clients get the hand-off instead of the engine's error, which is never relayed.
    expect(events.filter((e) => e.startsWith("error "))).toHaveLength(1);
    const last = JSON.parse(events.at(-1)!.slice("error ".length)) as { error: string; message: string };
    expect(last.error).toBe("database_connection_lost");
    expect(last.message).toContain(`run ${run.run_id} continues`);
    // Without its lock the process does not touch the run's row: it stays active for the sweep.
    expect(statements.some((s) => s.startsWith("UPDATE keel_runs SET status"))).toBe(false);
  });
});
