import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { isGraphInterrupt } from "@langchain/langgraph";
import { isKeelError } from "./errors.js";
import type { Logger } from "./logger.js";
import { stepNode, stepSpend, stopReasonOf } from "./run-facts.js";

type KVMap = Record<string, unknown>;

/** A node execution in flight. */
interface OpenStep {
  node: string;
  started: number;
  input: unknown;
  threadId: unknown;
  userId: unknown;
}

/** Every run in flight, by run id: which tree it belongs to, and the step it is, if it is one. */
interface OpenRun {
  rootId: string;
  /** On roots: the caller's run id when one is given (LangGraph copies `configurable.run_id` to metadata). */
  runId?: string;
  step?: OpenStep;
}

/**
 * One log line per graph node execution: `event: "step"` (or `"step_error"`), the trace and run
 * ids, the caller, the node, its duration, and what it spent in tokens and USD. A callback
 * handler, so no node has to log anything itself.
 */
export class StepLogger extends BaseCallbackHandler {
  name = "keel_step_logger";
  private readonly runs = new Map<string, OpenRun>();

  constructor(private readonly logger: Logger) {
    // Awaited: the line is written before the step's result moves on, so logs keep run order.
    super({ _awaitHandler: true });
  }

  /** Runs started and not yet ended; 0 between runs (nothing is kept once a run tree ends). */
  get openRuns(): number {
    return this.runs.size;
  }

  /** One shared instance: its map must not be cloned per callback manager. */
  override copy(): this {
    return this;
  }

  // LangChain calls handlers with (…, runId, parentRunId, tags, metadata, runType, runName), the order
  // BaseTracer declares; the CallbackHandlerMethods typing lists them differently.
  override handleChainStart(
    _chain: Serialized,
    inputs: KVMap,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: KVMap,
    _runType?: string,
    runName?: string,
  ): void {
    const run = this.enter(runId, parentRunId);
    if (!parentRunId && typeof metadata?.run_id === "string") run.runId = metadata.run_id;
    const node = stepNode(runName, metadata);
    if (node) {
      run.step = {
        node,
        started: performance.now(),
        input: inputs,
        threadId: metadata?.thread_id,
        userId: metadata?.user_id,
      };
    }
  }

  override handleChainEnd(outputs: KVMap, runId: string): void {
    const { run, root } = this.leave(runId);
    if (!run?.step) return;
    const spend = stepSpend(run.step.input, outputs);
    const stopReason = stopReasonOf(outputs);
    this.logger.info(
      {
        event: "step",
        ...this.identity(run, run.step, root),
        ...spend,
        ...(stopReason ? { stop_reason: stopReason } : {}),
      },
      "step",
    );
  }

  override handleChainError(err: unknown, runId: string): void {
    const { run, root } = this.leave(runId);
    if (!run?.step) return;
    const identity = this.identity(run, run.step, root);
    // interrupt() pauses the run by throwing; it is a normal step that waits for a human.
    if (isGraphInterrupt(err)) {
      this.logger.info({ event: "step", ...identity, interrupted: true }, "step");
      return;
    }
    const code = isKeelError(err) ? err.code : err instanceof Error ? err.name : "error";
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error({ event: "step_error", ...identity, code, message }, "step failed");
  }

  // Other run types only matter as links between a step and its root (e.g. a graph inside a tool).
  override handleLLMStart(_llm: Serialized, _prompts: string[], runId: string, parentRunId?: string): void {
    this.enter(runId, parentRunId);
  }
  override handleChatModelStart(_llm: Serialized, _messages: unknown[][], runId: string, parentRunId?: string): void {
    this.enter(runId, parentRunId);
  }
  override handleToolStart(_tool: Serialized, _input: string, runId: string, parentRunId?: string): void {
    this.enter(runId, parentRunId);
  }
  override handleRetrieverStart(_retriever: Serialized, _query: string, runId: string, parentRunId?: string): void {
    this.enter(runId, parentRunId);
  }
  override handleLLMEnd(_output: unknown, runId: string): void {
    this.leave(runId);
  }
  override handleLLMError(_err: unknown, runId: string): void {
    this.leave(runId);
  }
  override handleToolEnd(_output: unknown, runId: string): void {
    this.leave(runId);
  }
  override handleToolError(_err: unknown, runId: string): void {
    this.leave(runId);
  }
  override handleRetrieverEnd(_documents: unknown, runId: string): void {
    this.leave(runId);
  }
  override handleRetrieverError(_err: unknown, runId: string): void {
    this.leave(runId);
  }

  private enter(runId: string, parentRunId: string | undefined): OpenRun {
    // A parent we never saw (a run started outside these callbacks) is the root as far as we know.
    const rootId = parentRunId ? (this.runs.get(parentRunId)?.rootId ?? parentRunId) : runId;
    const run: OpenRun = { rootId };
    this.runs.set(runId, run);
    return run;
  }

  /** Forgets a run; when a root ends, everything left in its tree goes too, so nothing can leak. */
  private leave(runId: string): { run: OpenRun | undefined; root: OpenRun | undefined } {
    const run = this.runs.get(runId);
    const root = run ? this.runs.get(run.rootId) : undefined;
    this.runs.delete(runId);
    if (run && run.rootId === runId) {
      for (const [id, other] of this.runs) if (other.rootId === runId) this.runs.delete(id);
    }
    return { run, root: root ?? run };
  }

  private identity(run: OpenRun, step: OpenStep, root: OpenRun | undefined): KVMap {
    return {
      trace_id: run.rootId,
      run_id: root?.runId ?? run.rootId,
      thread_id: step.threadId,
      user_id: step.userId,
      node: step.node,
      duration_ms: Math.round(performance.now() - step.started),
    };
  }
}

/** The step logger for a run's callbacks; one instance can serve many runs at once. */
export function createStepLogger(logger: Logger): StepLogger {
  return new StepLogger(logger);
}
