import type { z } from "zod";
import type { ToolRegistry } from "./registry.js";
import type { ToolContext, ToolResult } from "./types.js";

export interface ToolCallRequest {
  id: string;
  name: string;
  args: unknown;
}

export interface ExecuteOptions {
  /** Ids of calls a human approved (or edited); calls needing approval run only if listed. */
  approvedIds: ReadonlySet<string>;
}

/**
 * Run one call. Every failure becomes a structured result the model can act on;
 * nothing thrown by a tool escapes into the graph.
 */
export async function executeToolCall(
  registry: ToolRegistry,
  call: ToolCallRequest,
  ctx: ToolContext,
  options: ExecuteOptions,
): Promise<ToolResult> {
  const tool = registry.get(call.name);
  if (!tool) {
    const valid = registry.allowedFor(ctx.role).map((t) => t.name);
    return failure(
      "unknown_tool",
      `There is no tool named "${call.name}".`,
      false,
      `Use one of: ${valid.join(", ") || "(no tools available)"}.`,
    );
  }
  if (!tool.policy.roles.includes(ctx.role)) {
    return failure(
      "permission_denied",
      `Role "${ctx.role}" may not use "${call.name}".`,
      false,
      "Do not call this tool again; tell the user it needs a role with more permissions.",
    );
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
  if (registry.needsApproval(call.name, parsed.data, ctx) && !options.approvedIds.has(call.id)) {
    // Defense in depth: routing should have sent this call to a human first.
    return failure(
      "approval_required",
      `"${call.name}" needs human approval and none was given.`,
      false,
      "Do not retry; ask the user to approve the action.",
    );
  }
  return runWithTimeout(tool.policy.timeoutMs, ctx.signal, async (signal) =>
    tool.handler(parsed.data, { ...ctx, signal }),
  ).then(
    (data): ToolResult => ({ ok: true, data }),
    (err: unknown): ToolResult => {
      if (err instanceof ToolTimeout) {
        return failure(
          "timeout",
          `"${call.name}" did not finish within ${tool.policy.timeoutMs} ms.`,
          true,
          "Try once more with a smaller request, or continue without this result.",
        );
      }
      const message = err instanceof Error ? err.message : String(err);
      return failure(
        "tool_error",
        `"${call.name}" failed: ${message}`,
        false,
        "Fix the input or try another approach.",
      );
    },
  );
}

/** Run calls in parallel with a concurrency cap, results in call order. */
export async function executeToolCalls(
  registry: ToolRegistry,
  calls: readonly ToolCallRequest[],
  ctx: ToolContext,
  options: ExecuteOptions & { concurrency: number },
): Promise<ToolResult[]> {
  const results = new Array<ToolResult>(calls.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const index = next++;
      results[index] = await executeToolCall(registry, calls[index]!, ctx, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, calls.length) }, worker));
  return results;
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
      controller.abort(new ToolTimeout());
      reject(new ToolTimeout());
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", onAbort);
  }
}

function failure(
  code: Extract<ToolResult, { ok: false }>["error"]["code"],
  message: string,
  retryable: boolean,
  suggestion: string,
): ToolResult {
  return { ok: false, error: { code, message, retryable }, suggestion };
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
