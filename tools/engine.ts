import { formatIssues } from "../runtime/errors.js";
import type { Logger } from "../runtime/logger.js";
import { retryPolicy, retryWithPolicy, RetryGaveUpError } from "../runtime/retry.js";
import { isTransientToolError, ToolError } from "./errors.js";
import { ToolRateLimiter } from "./rate-limit.js";
import type { ToolRegistry } from "./registry.js";
import { idempotencyKeyOf } from "./idempotency.js";
import type { CallerToolContext, KeelTool, ToolContext, ToolErrorCode, ToolResult } from "./types.js";

export interface ToolCallRequest {
  id: string;
  name: string;
  args: unknown;
  /** Id of the AI message that made the call; part of the idempotency key (providers may reuse call ids). */
  messageId?: string;
}

export interface ExecuteOptions {
  /** Ids of calls a human approved (or edited); calls needing approval run only if listed. */
  approvedIds: ReadonlySet<string>;
}

export interface ToolEngineOptions {
  logger?: Logger;
  /** Clock for rate limits (tests pass a fake one). */
  now?: () => number;
}

/**
 * Runs tool calls: look-up, permission, argument validation, approval, rate limit, then the handler
 * under a per-attempt timeout with retries. Every outcome is a structured result the model can act
 * on; nothing a tool throws escapes into the graph.
 */
export class ToolEngine {
  private readonly limiter: ToolRateLimiter;

  constructor(
    readonly registry: ToolRegistry,
    private readonly options: ToolEngineOptions = {},
  ) {
    this.limiter = new ToolRateLimiter(options.now);
  }

  async run(call: ToolCallRequest, caller: CallerToolContext, options: ExecuteOptions): Promise<ToolResult> {
    const ctx: ToolContext = { ...caller, idempotencyKey: idempotencyKeyOf(caller.threadId, call) };
    const tool = this.registry.get(call.name);
    if (!tool) {
      const valid = this.registry.allowedFor(ctx.role, ctx.tools).map((t) => t.name);
      return this.refuse(call, ctx, "unknown_tool", `There is no tool named "${call.name}".`, false, {
        suggestion: `Use one of: ${valid.join(", ") || "(no tools available)"}.`,
      });
    }
    if (!tool.policy.roles.includes(ctx.role)) {
      return this.refuse(call, ctx, "permission_denied", `Role "${ctx.role}" may not use "${call.name}".`, false, {
        suggestion: "Do not call this tool again; tell the user it needs a role with more permissions.",
      });
    }
    // The model named a tool this run was not offered (an assistant's narrowed set): never run it.
    if (ctx.tools !== undefined && !ctx.tools.includes(call.name)) {
      return this.refuse(call, ctx, "permission_denied", `"${call.name}" is not offered in this conversation.`, false, {
        suggestion: `Do not call this tool again; use one of: ${
          this.registry
            .allowedFor(ctx.role, ctx.tools)
            .map((t) => t.name)
            .join(", ") || "(no tools available)"
        }.`,
      });
    }
    const parsed = tool.schema.safeParse(call.args);
    if (!parsed.success) {
      return failure(
        "invalid_args",
        `Arguments for "${call.name}" are invalid: ${formatIssues(parsed.error.issues)}`,
        true,
        "Call the tool again with arguments that match its schema.",
      );
    }
    const egress = this.registry.egressFindings(call.name, parsed.data);
    if (egress && egress.secrets > 0) {
      // Before approval and before the handler: a secret must not reach DNS, a log or a server.
      return this.refuse(
        call,
        ctx,
        "egress_blocked",
        `"${call.name}" would send a secret (an API key, token, password or private key) out of the system; the call was not made.`,
        false,
        { suggestion: "Do not retry with the secret; call the tool without credentials, or tell the user why not." },
      );
    }
    if (this.registry.needsApproval(call.name, parsed.data, ctx) && !options.approvedIds.has(call.id)) {
      // Defense in depth: routing sends such calls to a human first.
      return this.refuse(
        call,
        ctx,
        "approval_required",
        `"${call.name}" needs human approval and none was given.`,
        false,
        {
          suggestion: "Do not retry; ask the user to approve the action.",
        },
      );
    }
    const admission = this.limiter.admit(tool.name, ctx.userId, tool.policy.rateLimit);
    if (!admission.ok) {
      const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      const who = admission.scope === "user" ? "for this user" : "for everyone";
      return this.refuse(
        call,
        ctx,
        "rate_limited",
        `"${call.name}" is rate limited ${who}; retry in ${seconds} s.`,
        true,
        {
          suggestion: `Wait at least ${seconds} s before calling "${call.name}" again, or continue without it.`,
          retryAfterMs: admission.retryAfterMs,
        },
      );
    }
    return this.invoke(tool, parsed.data, ctx);
  }

  /** Calls of one step in parallel, at most `concurrency` at a time; results in call order. */
  async runAll(
    calls: readonly ToolCallRequest[],
    ctx: CallerToolContext,
    options: ExecuteOptions & { concurrency: number },
  ): Promise<ToolResult[]> {
    const results = new Array<ToolResult>(calls.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < calls.length) {
        const index = next++;
        results[index] = await this.run(calls[index]!, ctx, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, calls.length) }, worker));
    return results;
  }

  private async invoke(tool: KeelTool, args: unknown, ctx: ToolContext): Promise<ToolResult> {
    const { retry, timeoutMs } = tool.policy;
    const retryable = retry.isRetryable ?? isTransientToolError;
    try {
      const data = await retryWithPolicy(
        () => runWithTimeout(timeoutMs, ctx.signal, (signal) => tool.handler(args, { ...ctx, signal })),
        retryPolicy({ maxRetries: retry.maxRetries, baseMs: retry.baseMs, maxMs: retry.maxMs }),
        {
          signal: ctx.signal,
          classify: (err) => ({
            retryable: err instanceof ToolTimeout ? retry.retryOnTimeout : retryable(err),
            reason: err instanceof ToolTimeout ? "timeout" : "unknown",
          }),
          onRetry: ({ attempt, delayMs, error }) =>
            this.options.logger?.info(
              {
                event: "tool_retry",
                tool: tool.name,
                attempt,
                delay_ms: delayMs,
                error: String(error),
                thread_id: ctx.threadId,
              },
              "retrying tool call",
            ),
        },
      );
      return { ok: true, data };
    } catch (err) {
      if (ctx.signal.aborted) throw err; // a cancelled run stops here, it does not answer the model
      const cause = err instanceof RetryGaveUpError ? err.cause : err;
      const attempts = err instanceof RetryGaveUpError ? err.attempts : 1;
      const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
      if (cause instanceof ToolTimeout) {
        return failure(
          "timeout",
          `"${tool.name}" did not finish within ${timeoutMs} ms${tries}.`,
          true,
          "Try once more with a smaller request, or continue without this result.",
        );
      }
      const message = cause instanceof Error ? cause.message : String(cause);
      const suggestion =
        cause instanceof ToolError && cause.suggestion ? cause.suggestion : "Fix the input or try another approach.";
      return failure("tool_error", `"${tool.name}" failed${tries}: ${message}`, retryable(cause), suggestion);
    }
  }

  /** A refusal before anything runs; logged with who, what and why. */
  private refuse(
    call: ToolCallRequest,
    ctx: CallerToolContext,
    code: ToolErrorCode,
    message: string,
    retryable: boolean,
    extra: { suggestion: string; retryAfterMs?: number },
  ): ToolResult {
    this.options.logger?.warn(
      {
        event: "tool_refused",
        code,
        tool: call.name,
        call_id: call.id,
        user_id: ctx.userId,
        role: ctx.role,
        thread_id: ctx.threadId,
        reason: message,
      },
      "tool call refused",
    );
    const result = failure(code, message, retryable, extra.suggestion);
    if (!result.ok && extra.retryAfterMs !== undefined) result.error.retryAfterMs = extra.retryAfterMs;
    return result;
  }
}

class ToolTimeout extends Error {}

async function runWithTimeout<T>(ms: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Abort the handler's work too, so a tool that honours its signal stops instead of leaking.
      controller.abort(new ToolTimeout());
      reject(new ToolTimeout());
    }, ms);
  });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error), { once: true });
  });
  try {
    return await Promise.race([fn(controller.signal), timeout, aborted]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", onAbort);
  }
}

function failure(code: ToolErrorCode, message: string, retryable: boolean, suggestion: string): ToolResult {
  return { ok: false, error: { code, message, retryable }, suggestion };
}
