import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Pool } from "pg";
import type { Agent } from "../graphs/agent.js";
import type { AgentStateValue, StopReason } from "../graphs/state.js";
import type { Logger } from "../runtime/logger.js";
import type { Role } from "../tools/types.js";
import { runBudget, type AssistantRunSettings } from "./assistant-settings.js";
import { ApiError } from "./errors.js";
import type { RunKwargs } from "./run-request.js";
import { readSse, type SseEvent } from "./sse.js";
import {
  ACTIVE_RUN_STATUSES,
  activeRunOfThread,
  activeRuns,
  insertRun,
  isCancelRequested,
  runOfThread,
  setThreadStatus,
  updateRun,
  type RunRow,
  type RunStatus,
  type ThreadStatus,
} from "./store.js";
import type { ThreadLock, ThreadLocks } from "./thread-lock.js";

/**
 * What a run is stored with: the validated request plus the caller's role and the assistant's
 * settings at start (absent in runs stored before assistants had any), for resuming it later.
 */
export type StoredKwargs = RunKwargs & { role: Role; assistant?: AssistantRunSettings };

export interface RunOutcome {
  status: RunStatus;
  /** The last `values` event: the thread's state when the run stopped. */
  values: unknown;
  error: { error: string; message: string } | null;
  /**
   * Set when the run stopped in this process but continues (status stays pending/running, resumed
   * from its last checkpoint): what its clients are told instead of a result. Not an error of the run.
   */
  handoff?: { error: "run_handed_off" | "database_connection_lost"; message: string };
}

type AbortReason = "cancel" | "shutdown" | "lock_lost";

/** The events a failed run's stream carries, and what /wait answers with it. */
export const errorValues = (error: { error: string; message: string } | null) => (error ? { __error__: error } : null);

/**
 * How a finished run ended, merged into its metadata so `runs.get`/`runs.list` show it without
 * reading state: the graph's stop reason and error when it reached the end, or why it paused.
 * Callers may not send these keys themselves (RUN_STOP_KEYS in run-request.ts).
 */
export type RunStop = {
  stop_reason: StopReason | "awaiting_approval" | "breakpoint" | null;
  error: { code: string; message: string } | null;
};

/**
 * What the clients of a run stopped here but continuing elsewhere are told (the stream's last
 * `error` event; `wait` answers it as `__error__`, which the SDK throws as "code: message").
 */
function handoffNotice(reason: "shutdown" | "lock_lost", run: RunRow): NonNullable<RunOutcome["handoff"]> {
  const path = `/threads/${run.thread_id}/runs/${run.run_id}`;
  const join = `Join it: GET ${path}/join for its result (SDK runs.join) or GET ${path}/stream for its events (runs.joinStream).`;
  return reason === "lock_lost"
    ? {
        error: "database_connection_lost",
        message:
          `This server lost its database connection mid-run; run ${run.run_id} continues: its status stays running, ` +
          `and it resumes from its last checkpoint once the database answers again, here or on another replica. ${join}`,
      }
    : {
        error: "run_handed_off",
        message: `This server is shutting down; run ${run.run_id} continues on another replica from its last checkpoint. ${join}`,
      };
}

/** Resuming the same run more often than this means it crashes its process: it is failed instead. */
const MAX_ATTEMPTS = 3;
/** Events kept per run for late subscribers (joinStream on the executing replica). */
const REPLAY_EVENTS = 500;

/** One executing run: its events fan out to any number of subscribers, with replay of recent ones. */
export class Execution {
  readonly controller = new AbortController();
  abortReason: AbortReason | undefined;
  private readonly buffer: SseEvent[] = [];
  private readonly subscribers = new Set<(event: SseEvent | null) => void>();
  private ended = false;
  done!: Promise<RunOutcome>;

  constructor(
    readonly runId: string,
    readonly threadId: string,
    readonly clientModes: readonly string[],
  ) {}

  abort(reason: AbortReason): void {
    if (this.controller.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new Error(`run stopped: ${reason}`));
  }

  emit(event: SseEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > REPLAY_EVENTS) this.buffer.shift();
    for (const s of this.subscribers) s(event);
  }

  end(): void {
    this.ended = true;
    for (const s of this.subscribers) s(null);
    this.subscribers.clear();
  }

  /** Receives buffered events first, then live ones; `null` marks the end. */
  subscribe(listener: (event: SseEvent | null) => void): () => void {
    for (const e of this.buffer) listener(e);
    if (this.ended) {
      listener(null);
      return () => undefined;
    }
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }
}

export interface ExecutorDeps {
  pool: Pool;
  locks: ThreadLocks;
  saver: BaseCheckpointSaver;
  agent: Agent;
  /** The LangGraph API engine runs execute through (an in-process Hono app; see server/app.ts). */
  engine: { request(path: string, init: RequestInit): Response | Promise<Response> };
  graphId: string;
  logger: Logger;
  maxConcurrentRuns: number;
  /** Runs one user may have executing at once in this process (default: maxConcurrentRuns). */
  maxRunsPerUser?: number;
  /** How often a run checks whether another replica asked to cancel it. */
  cancelPollMs?: number;
}

/**
 * Starts, streams, cancels, hands off and resumes runs. A run executes in the process holding its
 * thread's lock; its request and status live in PostgreSQL, so when that process dies any replica's
 * sweep takes the lock and continues the run from its last checkpoint.
 */
export class RunExecutor {
  private readonly active = new Map<string, Execution>();
  /** Runs executing, or being started, per owner: counted from admission so racing starts cannot overshoot. */
  private readonly perUser = new Map<string, number>();
  /** Listeners for runs starting on a thread in this process (GET /threads/{id}/stream). */
  private readonly watchers = new Map<string, Set<(execution: Execution) => void>>();
  private draining = false;

  constructor(private readonly deps: ExecutorDeps) {}

  get activeCount(): number {
    return this.active.size;
  }

  local(runId: string): Execution | undefined {
    return this.active.get(runId);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Calls `listener` with each run of the thread that starts executing in this process, until unwatched. */
  watch(threadId: string, listener: (execution: Execution) => void): () => void {
    let set = this.watchers.get(threadId);
    if (!set) this.watchers.set(threadId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(threadId) === set) this.watchers.delete(threadId);
    };
  }

  /** A new run on a thread: 409 while another run of the thread is active anywhere. */
  async start(request: {
    threadId: string;
    ownerId: string;
    assistantId: string;
    kwargs: StoredKwargs;
    metadata: Record<string, unknown>;
  }): Promise<{ run: RunRow; execution: Execution }> {
    this.assertAccepting(request.ownerId);
    // Counted from here, so starts racing past the check above cannot overshoot the user's cap.
    const release = this.hold(request.ownerId);
    const lock = await this.acquireToStart(request.threadId).catch((err: unknown) => {
      release();
      throw err;
    });
    if (!lock) {
      release();
      throw busy(request.threadId);
    }
    let lockPassedOn = false;
    try {
      const orphan = await activeRunOfThread(this.deps.pool, request.threadId);
      if (orphan) {
        // Nobody holds the lock, so the process that ran it is gone: finish that run first.
        this.launch(orphan, lock, true);
        lockPassedOn = true;
        throw busy(request.threadId, "its previous run is being resumed");
      }
      const run = await insertRun(this.deps.pool, {
        run_id: randomUUID(),
        thread_id: request.threadId,
        owner_id: request.ownerId,
        assistant_id: request.assistantId,
        kwargs: request.kwargs as unknown as Record<string, unknown>,
        metadata: request.metadata,
        start_checkpoint_id: await this.latestCheckpointId(request.threadId),
      });
      // As LangGraph's API does: the thread names its latest run's graph and assistant (by id), which
      // agent-chat-ui lists threads by (metadata.graph_id, or assistant_id when given a UUID).
      await setThreadStatus(this.deps.pool, request.threadId, "busy", {
        graph_id: this.deps.graphId,
        assistant_id: request.assistantId,
      });
      lockPassedOn = true;
      return { run, execution: this.launch(run, lock, false, release) };
    } catch (err) {
      release();
      if (!lockPassedOn) await lock.release();
      throw err;
    }
  }

  /**
   * The thread's lock for a new run. Another replica's sweep takes a thread's lock for a moment to
   * look at a run that has just ended; a caller starting the next run in that moment (an approval
   * right after the pause) must not get a spurious 409, so a thread with no active run is tried again
   * for a little while. A thread whose run is really in progress answers busy at once.
   */
  private async acquireToStart(threadId: string): Promise<ThreadLock | undefined> {
    for (let attempt = 0; ; attempt++) {
      const lock = await this.deps.locks.tryAcquire(threadId);
      if (lock || attempt >= 5) return lock;
      if (await activeRunOfThread(this.deps.pool, threadId)) return undefined;
      await sleep(20 * (attempt + 1));
    }
  }

  /** Asks a run to stop wherever it executes; the executing replica notices within `cancelPollMs`. */
  cancelLocal(runId: string): boolean {
    const execution = this.active.get(runId);
    execution?.abort("cancel");
    return execution !== undefined;
  }

  /** Looks for active runs that no process holds and continues them. Safe to call from every replica. */
  async sweep(): Promise<number> {
    if (this.draining) return 0;
    let resumed = 0;
    for (const row of await activeRuns(this.deps.pool, 50)) {
      if (this.active.has(row.run_id) || this.active.size >= this.deps.maxConcurrentRuns) continue;
      // A user's runs left by a dead process wait while the user is at the cap here (for a later sweep).
      if (this.runsOf(row.owner_id) >= this.maxRunsPerUser) continue;
      const lock = await this.deps.locks.tryAcquire(row.thread_id);
      if (!lock) continue;
      const fresh = await runOfThread(this.deps.pool, row.run_id, row.thread_id);
      if (!fresh || !ACTIVE_RUN_STATUSES.includes(fresh.status) || this.draining) {
        await lock.release();
        continue;
      }
      this.launch(fresh, lock, true);
      resumed++;
    }
    return resumed;
  }

  /**
   * Stops taking runs, gives running ones `graceMs` to finish, then stops the rest at their last
   * checkpoint and marks them pending, for another replica (or this one, restarted) to resume.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const all = () => Promise.allSettled([...this.active.values()].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const execution of this.active.values()) execution.abort("shutdown");
    await all();
  }

  private get maxRunsPerUser(): number {
    return this.deps.maxRunsPerUser ?? this.deps.maxConcurrentRuns;
  }

  private runsOf(ownerId: string): number {
    return this.perUser.get(ownerId) ?? 0;
  }

  /** Counts a run against its owner's cap until the returned function is called (once). */
  private hold(ownerId: string): () => void {
    this.perUser.set(ownerId, this.runsOf(ownerId) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.runsOf(ownerId) - 1;
      if (left > 0) this.perUser.set(ownerId, left);
      else this.perUser.delete(ownerId);
    };
  }

  private assertAccepting(ownerId?: string): void {
    if (this.draining) {
      throw new ApiError(503, "shutting_down", "This server is shutting down; retry on another replica.", {
        "retry-after": "1",
      });
    }
    if (this.active.size >= this.deps.maxConcurrentRuns) {
      throw new ApiError(503, "at_capacity", "Too many runs in progress on this server; retry shortly.", {
        "retry-after": "1",
      });
    }
    // 429, not 503: the server has room, this caller is over their share. (The SDK retries both with
    // backoff, which is right here; it then throws "HTTP 429: …" with this detail.)
    if (ownerId !== undefined && this.runsOf(ownerId) >= this.maxRunsPerUser) {
      throw new ApiError(
        429,
        "user_at_capacity",
        `You already have ${this.maxRunsPerUser} runs in progress on this server, the most one user may have at once (SERVE_MAX_RUNS_PER_USER); wait for one to finish, or cancel one, then retry.`,
        { "retry-after": "2" },
      );
    }
  }

  private async latestCheckpointId(threadId: string): Promise<string | null> {
    const tuple = await this.deps.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    const id: unknown = tuple?.config.configurable?.checkpoint_id;
    return typeof id === "string" ? id : null;
  }

  private launch(run: RunRow, lock: ThreadLock, resuming: boolean, held?: () => void): Execution {
    const kwargs = run.kwargs as unknown as StoredKwargs;
    const execution = new Execution(run.run_id, run.thread_id, kwargs.stream_mode);
    this.active.set(run.run_id, execution);
    const release = held ?? this.hold(run.owner_id);
    execution.done = this.execute(run, kwargs, lock, execution, resuming).finally(() => {
      this.active.delete(run.run_id);
      release();
      execution.end();
    });
    // The outcome is recorded inside execute; nobody may be awaiting `done`.
    execution.done.catch(() => undefined);
    for (const listener of this.watchers.get(run.thread_id) ?? []) listener(execution);
    return execution;
  }

  private async execute(
    run: RunRow,
    kwargs: StoredKwargs,
    lock: ThreadLock,
    execution: Execution,
    resuming: boolean,
  ): Promise<RunOutcome> {
    const { pool, logger } = this.deps;
    const log = { run_id: run.run_id, thread_id: run.thread_id, user_id: run.owner_id };
    const onLost = () => execution.abort("lock_lost");
    lock.lost.addEventListener("abort", onLost);
    const poll = setInterval(() => {
      isCancelRequested(pool, run.run_id).then(
        (yes) => yes && execution.abort("cancel"),
        () => undefined,
      );
    }, this.deps.cancelPollMs ?? 1_000);
    let outcome: RunOutcome = { status: "error", values: null, error: null };
    try {
      const attempt = resuming ? run.attempt + 1 : run.attempt;
      if (resuming) {
        if (run.cancel_requested || attempt > MAX_ATTEMPTS) {
          outcome = {
            status: run.cancel_requested ? "interrupted" : "error",
            values: null,
            error: run.cancel_requested
              ? null
              : {
                  error: "run_failed",
                  message: `Gave up after ${MAX_ATTEMPTS} attempts; the run keeps stopping its process.`,
                },
          };
          return outcome;
        }
        await updateRun(pool, run.run_id, { status: "running", attempt });
      }
      // Progress since the run began is in the checkpoints: continue from the last one, else start over.
      const continuing = resuming && (await this.latestCheckpointId(run.thread_id)) !== run.start_checkpoint_id;
      logger.info({ event: resuming ? "run_resumed" : "run_started", ...log, attempt, continuing }, "run");
      outcome = await this.stream(run, kwargs, lock, execution, attempt, continuing);
      return outcome;
    } catch (err) {
      outcome = { status: "error", values: null, error: { error: "run_failed", message: (err as Error).message } };
      return outcome;
    } finally {
      clearInterval(poll);
      lock.lost.removeEventListener("abort", onLost);
      let stop: RunStop | undefined;
      // Without its lock this process no longer owns the run: its row stays active as it is, for
      // whichever process takes the lock next (the database is likely away anyway).
      if (outcome.handoff?.error !== "database_connection_lost") {
        try {
          const end = await this.endOf(run.thread_id, outcome.status);
          stop = end.stop;
          await updateRun(pool, run.run_id, { status: outcome.status, error: outcome.error, metadata: stop });
          await setThreadStatus(pool, run.thread_id, end.thread);
        } catch (err) {
          logger.error({ event: "run_record_failed", ...log, err: (err as Error).message }, "run");
        }
      }
      await lock.release();
      logger.info(
        {
          event: "run_finished",
          ...log,
          status: outcome.status,
          reason: execution.abortReason,
          ...(stop ? { stop_reason: stop.stop_reason } : {}),
          ...(outcome.handoff ? { handoff: outcome.handoff.error } : {}),
        },
        "run",
      );
    }
  }

  private async stream(
    run: RunRow,
    kwargs: StoredKwargs,
    lock: ThreadLock,
    execution: Execution,
    attempt: number,
    continuing: boolean,
  ): Promise<RunOutcome> {
    const payload = {
      assistant_id: this.deps.graphId,
      input: continuing ? null : kwargs.input,
      ...(continuing || !kwargs.command ? {} : { command: kwargs.command }),
      config: {
        tags: ["keel", kwargs.role, ...(kwargs.config.tags ?? [])],
        ...(kwargs.config.recursion_limit ? { recursion_limit: kwargs.config.recursion_limit } : {}),
        configurable: continuing ? {} : (kwargs.config.configurable ?? {}),
      },
      context: runContext(run.owner_id, kwargs),
      // `run_id` here is the id step logs carry: this server's, not the engine's own.
      metadata: {
        ...run.metadata,
        run_id: run.run_id,
        thread_id: run.thread_id,
        user_id: run.owner_id,
        role: kwargs.role,
      },
      // The final values are needed for /wait and /join, whatever the client streams.
      stream_mode: [...new Set([...kwargs.stream_mode, "values"])],
      stream_subgraphs: kwargs.stream_subgraphs,
      ...(kwargs.interrupt_before ? { interrupt_before: kwargs.interrupt_before } : {}),
      ...(kwargs.interrupt_after ? { interrupt_after: kwargs.interrupt_after } : {}),
    };
    let values: unknown = null;
    let error: RunOutcome["error"] = null;
    // The engine's error event is held back: once the run is handed off it is replaced (below).
    let errorEvent: SseEvent | undefined;
    try {
      const response = await this.deps.engine.request(`/threads/${run.thread_id}/runs/stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: execution.controller.signal,
      });
      if (!response.ok || !response.body) {
        throw new Error(`run engine answered ${response.status}: ${await response.text()}`);
      }
      for await (let event of readSse(response.body)) {
        if (event.event === "metadata") {
          event = { event: "metadata", data: JSON.stringify({ run_id: run.run_id, attempt }) };
        } else if (event.event === "values") {
          values = JSON.parse(event.data);
        } else if (event.event === "error") {
          error = JSON.parse(event.data) as RunOutcome["error"];
          errorEvent = event;
          continue;
        }
        execution.emit(event);
        if (execution.controller.signal.aborted) break;
      }
    } catch (err) {
      // A run that fails because the database went away (its lock's connection too) is handed off.
      if (!execution.controller.signal.aborted && (await lock.check())) throw err;
    }
    // The engine reports a failed checkpoint write as the run's error; if the lock's connection is
    // dead as well, the database went away and the run will be resumed: not a failure.
    if (error && !execution.controller.signal.aborted) await lock.check();
    switch (execution.abortReason) {
      case "cancel":
        if (errorEvent) execution.emit(errorEvent);
        return { status: "interrupted", values, error: null };
      case "shutdown":
      case "lock_lost": {
        // Stays active so a sweep resumes it from its last checkpoint; its clients are told so.
        const handoff = handoffNotice(execution.abortReason, run);
        execution.emit({ event: "error", data: JSON.stringify(handoff) });
        return { status: "pending", values, error: null, handoff };
      }
      default:
        if (errorEvent) execution.emit(errorEvent);
        return error ? { status: "error", values, error } : { status: "success", values, error: null };
    }
  }

  /** The thread's status after a run, and for a run that completed, how it ended. */
  private async endOf(threadId: string, status: RunStatus): Promise<{ thread: ThreadStatus; stop?: RunStop }> {
    if (status === "pending" || status === "running") return { thread: "busy" };
    if (status === "error") return { thread: "error" };
    const snapshot = await this.deps.agent.getState({ configurable: { thread_id: threadId } });
    const awaiting = snapshot.tasks.some((t) => t.interrupts.length > 0);
    // Paused (an approval, or a caller's interrupt_before/after breakpoint) reads as interrupted.
    const thread = awaiting || (status === "success" && snapshot.next.length > 0) ? "interrupted" : "idle";
    // A cancelled run says so in its status; the graph's stop reason would be a stale or empty one.
    if (status !== "success") return { thread };
    const values = snapshot.values as Partial<AgentStateValue>;
    // Keel's only interrupts are tool approvals; a pause with none is a caller's interrupt_before/after.
    const reason = awaiting ? "awaiting_approval" : snapshot.next.length > 0 ? "breakpoint" : values.stopReason;
    return { thread, stop: { stop_reason: reason ?? null, error: values.error ?? null } };
  }
}

/**
 * The graph's run context (graphs/state.ts RunContextSchema): the caller, and the assistant's
 * prompt, model and tool set; its budget narrowed further by the request's.
 */
function runContext(userId: string, kwargs: StoredKwargs): Record<string, unknown> {
  const settings = kwargs.assistant;
  const budget = runBudget(settings?.budget, kwargs.budget);
  return {
    userId,
    role: kwargs.role,
    ...(budget ? { budget } : {}),
    ...(settings?.systemPrompt === undefined ? {} : { systemPrompt: settings.systemPrompt }),
    ...(settings?.model === undefined ? {} : { model: settings.model }),
    ...(settings?.tools === undefined ? {} : { tools: settings.tools }),
  };
}

function busy(threadId: string, why = "another run is in progress"): ApiError {
  return new ApiError(409, "thread_busy", `Thread ${threadId} is busy: ${why}. Wait for it, or cancel it.`);
}
