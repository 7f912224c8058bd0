import { randomUUID } from "node:crypto";
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
  cancelQueuedRun,
  claimRun,
  insertRun,
  nextQueuedRuns,
  queuedCounts,
  runStatuses,
  unclaimRun,
} from "./run-queue.js";
import {
  ACTIVE_RUN_STATUSES,
  isCancelRequested,
  runningRuns,
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

/** A slot reserved for a run about to execute here (RunExecutor.reserve). */
interface Slot {
  started(): void;
  release(): void;
  cancel(): void;
}

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
function handoffNotice(
  reason: "shutdown" | "lock_lost" | "queued",
  run: Pick<RunRow, "run_id" | "thread_id">,
): NonNullable<RunOutcome["handoff"]> {
  const path = `/threads/${run.thread_id}/runs/${run.run_id}`;
  const join = `Join it: GET ${path}/join for its result (SDK runs.join) or GET ${path}/stream for its events (runs.joinStream).`;
  switch (reason) {
    case "lock_lost":
      return {
        error: "database_connection_lost",
        message:
          `This server lost its database connection mid-run; run ${run.run_id} continues: its status stays running, ` +
          `and it resumes from its last checkpoint once the database answers again, here or on another replica. ${join}`,
      };
    case "queued":
      return {
        error: "run_handed_off",
        message: `This server is shutting down; run ${run.run_id} stays queued and runs on another replica. ${join}`,
      };
    default:
      return {
        error: "run_handed_off",
        message: `This server is shutting down; run ${run.run_id} continues on another replica from its last checkpoint. ${join}`,
      };
  }
}

/** Resuming the same run more often than this means it crashes its process: it is failed instead. */
const MAX_ATTEMPTS = 3;
/** Events kept per run for late subscribers (joinStream on the executing replica). */
const REPLAY_EVENTS = 500;

/**
 * One run's stream in this process, from the moment it is queued: its events fan out to any number
 * of subscribers, with replay of recent ones. A run queued here may be claimed by another replica;
 * its execution here then ends with the run's final state, read from the database.
 */
export class Execution {
  readonly controller = new AbortController();
  abortReason: AbortReason | undefined;
  readonly done: Promise<RunOutcome>;
  private resolveDone!: (outcome: RunOutcome) => void;
  private readonly buffer: SseEvent[] = [];
  private readonly subscribers = new Set<(event: SseEvent | null) => void>();
  private ended = false;

  constructor(
    readonly runId: string,
    readonly threadId: string,
    readonly clientModes: readonly string[],
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // Clients learn the run's id at once, even while it waits in the queue.
    this.emit({ event: "metadata", data: JSON.stringify({ run_id: runId }) });
  }

  abort(reason: AbortReason): void {
    if (this.controller.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new Error(`run stopped: ${reason}`));
  }

  emit(event: SseEvent): void {
    if (this.ended) return;
    this.buffer.push(event);
    if (this.buffer.length > REPLAY_EVENTS) this.buffer.shift();
    for (const s of this.subscribers) s(event);
  }

  /** Ends the stream with the run's outcome (once; later calls are ignored). */
  settle(outcome: RunOutcome): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of this.subscribers) s(null);
    this.subscribers.clear();
    this.resolveDone(outcome);
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
  agent: Agent;
  /** The LangGraph API engine runs execute through (an in-process Hono app; see server/app.ts). */
  engine: { request(path: string, init?: RequestInit): Response | Promise<Response> };
  graphId: string;
  logger: Logger;
  maxConcurrentRuns: number;
  /** Runs one user may have executing at once in this process (default: maxConcurrentRuns). */
  maxRunsPerUser?: number;
  /** Queued runs, in all and per user, beyond which a new run is refused (default: unbounded). */
  maxQueuedRuns?: number;
  maxQueuedPerUser?: number;
  /** How often this replica looks for queued runs it has room for, and at runs its callers wait on. */
  queuePollMs?: number;
  /** How often a run checks whether another replica asked to cancel it. */
  cancelPollMs?: number;
}

/**
 * Queues, starts, streams, cancels, hands off and resumes runs. Every run is queued in PostgreSQL
 * first and executed by whichever replica has a free slot (fairly across users, server/run-queue.ts),
 * in the process holding its thread's lock; when that process dies any replica's sweep takes the lock
 * and continues the run from its last checkpoint.
 */
export class RunExecutor {
  /** Runs executing here. */
  private readonly active = new Map<string, Execution>();
  /** Runs queued by this process's callers and not yet executing here. */
  private readonly waiting = new Map<string, Execution>();
  /** Runs executing here per owner. */
  private readonly perUser = new Map<string, number>();
  /** Slots reserved by starts and claims that have not launched yet. */
  private starting = 0;
  /** Listeners for runs starting on a thread in this process (GET /threads/{id}/stream). */
  private readonly watchers = new Map<string, Set<(execution: Execution) => void>>();
  private draining = false;
  private readonly timer: NodeJS.Timeout;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly deps: ExecutorDeps) {
    this.timer = setInterval(() => this.poll(), deps.queuePollMs ?? 500);
    this.timer.unref();
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** The run's stream in this process: executing here, or queued by a caller here. */
  local(runId: string): Execution | undefined {
    return this.active.get(runId) ?? this.waiting.get(runId);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Calls `listener` with each run of the thread that is queued or starts executing in this process, until unwatched. */
  watch(threadId: string, listener: (execution: Execution) => void): () => void {
    let set = this.watchers.get(threadId);
    if (!set) this.watchers.set(threadId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(threadId) === set) this.watchers.delete(threadId);
    };
  }

  /**
   * Queues a new run on a thread: 409 while another run of the thread is active anywhere. It starts
   * at once when this process has a free slot, else when one frees here or on another replica.
   */
  async start(request: {
    threadId: string;
    ownerId: string;
    assistantId: string;
    kwargs: StoredKwargs;
    metadata: Record<string, unknown>;
  }): Promise<{ run: RunRow; execution: Execution }> {
    this.assertAccepting();
    const queued = await this.assertQueueRoom(request.ownerId);
    const row = {
      run_id: randomUUID(),
      thread_id: request.threadId,
      owner_id: request.ownerId,
      assistant_id: request.assistantId,
      kwargs: request.kwargs as unknown as Record<string, unknown>,
      metadata: request.metadata,
      start_checkpoint_id: await this.latestCheckpointId(request.threadId),
    };
    // With room here and nobody queued, the run starts at once: inserted already claimed, under its
    // thread lock, so no other replica can take it in between. Otherwise it waits its turn. The slot
    // is reserved before the first await, so racing starts cannot overfill the process.
    const slot = queued === 0 ? this.reserve(request.ownerId) : undefined;
    let lock: ThreadLock | undefined;
    let run: RunRow | undefined;
    try {
      lock = slot ? await this.deps.locks.tryAcquire(request.threadId) : undefined;
      run = await insertRun(this.deps.pool, row, lock ? "running" : "pending");
    } finally {
      if (!run) await lock?.release();
      if (!run || !lock) slot?.cancel();
    }
    if (!run) {
      // Possibly a run left by a process that died: the sweep resumes it, then the thread is free.
      void this.sweep().catch(() => undefined);
      throw busy(request.threadId);
    }
    // As LangGraph's API does: the thread names its latest run's graph and assistant (by id), which
    // agent-chat-ui lists threads by (metadata.graph_id, or assistant_id when given a UUID).
    await setThreadStatus(this.deps.pool, request.threadId, "busy", {
      graph_id: this.deps.graphId,
      assistant_id: request.assistantId,
    }).catch(async (err: unknown) => {
      // The caller is told the start failed, so the run must not go ahead (best effort: the
      // database is likely away). Claimed under our lock, nobody else can have taken it.
      if (lock) {
        slot?.cancel();
        await updateRun(this.deps.pool, run.run_id, { status: "interrupted" }).catch(() => undefined);
        await lock.release();
      } else {
        await cancelQueuedRun(this.deps.pool, run.run_id).catch(() => undefined);
      }
      throw err;
    });
    const execution = new Execution(run.run_id, run.thread_id, request.kwargs.stream_mode);
    if (lock && slot) {
      this.launch(run, lock, execution, slot);
      return { run, execution };
    }
    this.waiting.set(run.run_id, execution);
    this.announce(execution);
    // Shutdown began while this run was being queued: it stays queued for another replica.
    if (this.draining) this.handOffWaiting();
    else this.pump();
    return { run, execution };
  }

  /**
   * Cancels a run known here: one executing here is stopped; one queued (by a caller anywhere) ends
   * `interrupted` without running. A run executing on another replica notices its flag there.
   */
  async cancel(runId: string): Promise<void> {
    const executing = this.active.get(runId);
    if (executing) {
      executing.abort("cancel");
      return;
    }
    const row = await cancelQueuedRun(this.deps.pool, runId);
    if (!row) return;
    await setThreadStatus(this.deps.pool, row.thread_id, (await this.endOf(row.thread_id, "interrupted")).thread);
    this.deps.logger.info({ event: "run_cancelled_queued", run_id: runId, thread_id: row.thread_id }, "run");
    const waiting = this.waiting.get(runId);
    this.waiting.delete(runId);
    waiting?.settle({ status: "interrupted", values: null, error: null });
  }

  /** Looks for runs marked running that no process holds (their process died) and continues them. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    if (this.draining) return 0;
    let resumed = 0;
    for (const row of await runningRuns(this.deps.pool, 50)) {
      if (!this.active.has(row.run_id) && (await this.claim(row, "running"))) resumed++;
    }
    return resumed;
  }

  /**
   * Stops taking runs, gives running ones `graceMs` to finish, then stops the rest at their last
   * checkpoint and marks them pending, for another replica (or this one, restarted) to resume.
   * Callers waiting on queued runs are told where their run continues.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.timer);
    this.handOffWaiting();
    await this.pumping;
    const all = () => Promise.allSettled([...this.active.values()].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const execution of this.active.values()) execution.abort("shutdown");
    await all();
  }

  /** Starts queued runs while this process has room: several per look, in the queue's fair order. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.claimQueued();
      } while (this.pumpAgain && !this.draining);
    })()
      .catch((err: Error) => this.deps.logger.warn({ event: "queue_claim_failed", err: err.message }, "queue"))
      .finally(() => (this.pumping = undefined));
  }

  private async claimQueued(): Promise<void> {
    const free = this.deps.maxConcurrentRuns - this.busySlots;
    if (free <= 0 || this.draining) return;
    // A few more than there is room for: some are skipped (owner at their cap here, lock taken).
    for (const row of await nextQueuedRuns(this.deps.pool, free + 8)) {
      if (this.busySlots >= this.deps.maxConcurrentRuns || this.draining) return;
      if (!this.active.has(row.run_id)) await this.claim(row, "pending");
    }
  }

  /** Takes a slot, the run's thread lock and the run; launches it here. False when it cannot. */
  private async claim(row: RunRow, from: RunStatus): Promise<boolean> {
    const slot = this.reserve(row.owner_id);
    if (!slot) return false;
    let lock: ThreadLock | undefined;
    let run: RunRow | undefined;
    try {
      lock = await this.deps.locks.tryAcquire(row.thread_id);
      run = lock ? await claimRun(this.deps.pool, row.run_id, from) : undefined;
      if (run && this.draining) {
        await unclaimRun(this.deps.pool, run.run_id);
        run = undefined;
      }
    } finally {
      if (!run) {
        await lock?.release();
        slot.cancel();
      }
    }
    if (!run || !lock) return false;
    this.launch(run, lock, undefined, slot);
    return true;
  }

  /** Regular work: queued runs this process has room for, and the runs its callers wait on elsewhere. */
  private poll(): void {
    if (this.draining) return;
    this.pump();
    void this.followWaiting().catch((err: Error) =>
      this.deps.logger.warn({ event: "queue_follow_failed", err: err.message }, "queue"),
    );
  }

  /** Callers here whose queued run another replica took (or someone cancelled) get its outcome. */
  private async followWaiting(): Promise<void> {
    if (this.waiting.size === 0) return;
    const ids = [...this.waiting.keys()];
    const rows = await runStatuses(this.deps.pool, ids);
    // A run whose row is gone went with its thread (deleted while the run waited).
    const found = new Set(rows.map((r) => r.run_id));
    for (const id of ids.filter((i) => !found.has(i) && !this.active.has(i))) {
      const execution = this.waiting.get(id);
      this.waiting.delete(id);
      const error = { error: "run_deleted", message: `Run ${id} was deleted with its thread before it started.` };
      execution?.emit({ event: "error", data: JSON.stringify(error) });
      execution?.settle({ status: "error", values: null, error });
    }
    for (const row of rows) {
      if (ACTIVE_RUN_STATUSES.includes(row.status)) continue;
      const execution = this.waiting.get(row.run_id);
      if (!execution || this.active.has(row.run_id)) continue;
      this.waiting.delete(row.run_id);
      const values = row.error ? null : await this.finalValues(row.thread_id);
      const error = row.error;
      if (error) execution.emit({ event: "error", data: JSON.stringify(error) });
      else execution.emit({ event: "values", data: JSON.stringify(values) });
      execution.settle({ status: row.status, values, error });
    }
  }

  /** The thread's values as the API shows them (read through the engine, as /state does). */
  private async finalValues(threadId: string): Promise<unknown> {
    const response = await this.deps.engine.request(`/threads/${threadId}/state`);
    if (!response.ok) return null;
    return ((await response.json()) as { values?: unknown }).values ?? null;
  }

  private handOffWaiting(): void {
    for (const execution of this.waiting.values()) {
      const handoff = handoffNotice("queued", { run_id: execution.runId, thread_id: execution.threadId });
      execution.emit({ event: "error", data: JSON.stringify(handoff) });
      execution.settle({ status: "pending", values: null, error: null, handoff });
    }
    this.waiting.clear();
  }

  private get maxRunsPerUser(): number {
    return this.deps.maxRunsPerUser ?? this.deps.maxConcurrentRuns;
  }

  /** Slots taken here: runs executing and runs being started. */
  private get busySlots(): number {
    return this.active.size + this.starting;
  }

  private hasRoomFor(ownerId: string): boolean {
    return this.busySlots < this.deps.maxConcurrentRuns && (this.perUser.get(ownerId) ?? 0) < this.maxRunsPerUser;
  }

  /**
   * Takes a slot here and counts it against the owner's cap, synchronously, so starts racing through
   * awaits cannot overfill the process. Undefined when there is no room. The slot becomes the run's
   * (`started`) or is given back (`cancel`); its owner's count lasts until `release`.
   */
  private reserve(ownerId: string): Slot | undefined {
    if (!this.hasRoomFor(ownerId)) return undefined;
    this.starting++;
    this.perUser.set(ownerId, (this.perUser.get(ownerId) ?? 0) + 1);
    let starting = true;
    let held = true;
    const started = () => {
      if (starting) this.starting--;
      starting = false;
    };
    const release = () => {
      if (!held) return;
      held = false;
      const left = (this.perUser.get(ownerId) ?? 0) - 1;
      if (left > 0) this.perUser.set(ownerId, left);
      else this.perUser.delete(ownerId);
    };
    return {
      started,
      release,
      cancel: () => {
        started();
        release();
      },
    };
  }

  private assertAccepting(): void {
    if (this.draining) {
      throw new ApiError(503, "shutting_down", "This server is shutting down; retry on another replica.", {
        "retry-after": "1",
      });
    }
  }

  /**
   * The queue is bounded, in all and per user: beyond that a run is refused with a retry-after, the
   * only refusal for load. (Checked before the insert, so racing starts may pass the bound by a few.)
   */
  private async assertQueueRoom(ownerId: string): Promise<number> {
    const { maxQueuedRuns, maxQueuedPerUser } = this.deps;
    const queued = await queuedCounts(this.deps.pool, ownerId);
    // 429, not 503: the server has room, this caller is over their share.
    if (maxQueuedPerUser !== undefined && queued.mine >= maxQueuedPerUser) {
      throw new ApiError(
        429,
        "user_queue_full",
        `You already have ${queued.mine} runs waiting to start, the most one user may queue (SERVE_MAX_QUEUED_PER_USER); wait for some to finish, or cancel some, then retry.`,
        { "retry-after": "5" },
      );
    }
    if (maxQueuedRuns !== undefined && queued.total >= maxQueuedRuns) {
      throw new ApiError(
        503,
        "queue_full",
        `${queued.total} runs are waiting to start, the most this service queues (SERVE_MAX_QUEUED_RUNS); retry shortly.`,
        { "retry-after": "5" },
      );
    }
    return queued.total;
  }

  /**
   * The thread's newest checkpoint id, as the saver's getTuple would find it (newest id first), read
   * from its table alone: getTuple would also load and decode every channel value, at every run start.
   */
  private async latestCheckpointId(threadId: string): Promise<string | null> {
    const { rows } = await this.deps.pool.query<{ checkpoint_id: string }>(
      `SELECT checkpoint_id FROM checkpoints WHERE thread_id = $1 AND checkpoint_ns = ''
       ORDER BY checkpoint_id DESC LIMIT 1`,
      [threadId],
    );
    return rows[0]?.checkpoint_id ?? null;
  }

  private announce(execution: Execution): void {
    for (const listener of this.watchers.get(execution.threadId) ?? []) listener(execution);
  }

  /**
   * Executes a claimed run here, on the stream its caller here already follows when it was queued
   * here (watchers saw that one when it was queued), else on `given` or a new one.
   */
  private launch(run: RunRow, lock: ThreadLock, given: Execution | undefined, slot: Slot): void {
    const kwargs = run.kwargs as unknown as StoredKwargs;
    const queuedHere = this.waiting.get(run.run_id);
    this.waiting.delete(run.run_id);
    const execution = queuedHere ?? given ?? new Execution(run.run_id, run.thread_id, kwargs.stream_mode);
    const fresh = queuedHere === undefined;
    this.active.set(run.run_id, execution);
    slot.started();
    const settle = (outcome: RunOutcome) => {
      this.active.delete(run.run_id);
      slot.release();
      execution.settle(outcome);
      if (!this.draining) this.pump();
    };
    this.execute(run, kwargs, lock, execution).then(settle, (err: Error) =>
      settle({ status: "error", values: null, error: { error: "run_failed", message: err.message } }),
    );
    // Started while shutdown began: stopped at once and handed off like the rest.
    if (this.draining) execution.abort("shutdown");
    if (fresh) this.announce(execution);
  }

  private async execute(
    run: RunRow,
    kwargs: StoredKwargs,
    lock: ThreadLock,
    execution: Execution,
  ): Promise<RunOutcome> {
    const { pool, logger } = this.deps;
    const log = { run_id: run.run_id, thread_id: run.thread_id, user_id: run.owner_id };
    const onLost = () => execution.abort("lock_lost");
    lock.lost.addEventListener("abort", onLost);
    if (lock.lost.aborted) onLost();
    const poll = setInterval(() => {
      isCancelRequested(pool, run.run_id).then(
        (yes) => yes && execution.abort("cancel"),
        () => undefined,
      );
    }, this.deps.cancelPollMs ?? 1_000);
    let outcome: RunOutcome = { status: "error", values: null, error: null };
    try {
      const attempt = run.attempt;
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
      // A later attempt continues from the run's last checkpoint when it made progress, else starts over.
      const continuing = attempt > 1 && (await this.latestCheckpointId(run.thread_id)) !== run.start_checkpoint_id;
      logger.info({ event: attempt > 1 ? "run_resumed" : "run_started", ...log, attempt, continuing }, "run");
      outcome = await this.stream(run, kwargs, lock, execution, continuing);
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
      for await (const event of readSse(response.body)) {
        // The execution announced the run when it was queued; the engine's own id means nothing to clients.
        if (event.event === "metadata") continue;
        if (event.event === "values") {
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
