import { refuseReusedMessageIds } from "../message-ids.js";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { requireAssistant } from "../assistant-lookup.js";
import { runSettingsOf } from "../assistant-settings.js";
import { ApiError } from "../errors.js";
import { errorValues } from "../executor.js";
import { isUuid, parseBody, readJson, type Env } from "../http.js";
import { parseRunCreate } from "../run-request.js";
import { queuePlace } from "../run-queue.js";
import { formatSse } from "../sse.js";
import { sseResponse } from "../sse-response.js";
import { waitResponse } from "../wait-response.js";
import { ACTIVE_RUN_STATUSES, insertThread, listRuns, requestCancel, runOfThread, type RunRow } from "../store.js";
import type { RouteDeps } from "./context.js";
import { requireThread, stateOf } from "./threads.js";

export const runJson = (run: RunRow) => ({
  run_id: run.run_id,
  thread_id: run.thread_id,
  assistant_id: run.assistant_id,
  status: run.status,
  metadata: run.metadata,
  multitask_strategy: "reject",
  created_at: run.created_at.toISOString(),
  updated_at: run.updated_at.toISOString(),
  ...(run.error ? { error: run.error } : {}),
});

export function runRoutes(app: Hono<Env>, deps: RouteDeps): void {
  /** Validates, creates the thread when asked to, and starts the run on this replica. */
  const startRun = async (c: Context<Env>) => {
    const principal = c.get("principal");
    const threadId = c.req.param("thread_id") ?? "";
    const { request, kwargs } = parseRunCreate(await readJson(c), deps.limits.maxInputChars);
    const assistant = await requireAssistant(deps, request.assistant_id, principal.userId);
    const settings = runSettingsOf(assistant);
    // Checked again at each start: an operator who takes a model off SERVE_ASSISTANT_MODELS stops
    // new runs on it, though assistants saved earlier still name it.
    if (settings.model !== undefined && !deps.assistantRules.models.includes(settings.model)) {
      throw new ApiError(
        409,
        "assistant_model_not_allowed",
        `Assistant ${assistant.assistant_id} names model ${settings.model}, which this deployment no longer allows (${deps.assistantRules.models.join(", ")}); update the assistant.`,
      );
    }
    if (request.if_not_exists === "create" && isUuid(threadId)) {
      await insertThread(deps.pool, { threadId, ownerId: principal.userId, metadata: {} });
    }
    await requireThread(deps, threadId, principal.userId);
    await refuseReusedMessageIds(deps.saver, threadId, kwargs);
    const { run, execution } = await deps.executor.start({
      threadId,
      ownerId: principal.userId,
      assistantId: assistant.assistant_id,
      // The assistant's settings as of now, stored with the run: a resumed run (on any replica,
      // after any restart) uses this version even if the assistant has changed since.
      kwargs: { ...kwargs, role: principal.role, assistant: settings },
      metadata: request.metadata ?? {},
    });
    c.header("content-location", `/threads/${threadId}/runs/${run.run_id}`);
    return { run, execution, onDisconnect: kwargs.on_disconnect };
  };

  app.post("/threads/:thread_id/runs/stream", async (c) => {
    const { run, execution, onDisconnect } = await startRun(c);
    return sseResponse(
      execution,
      deps.redact,
      { "content-location": `/threads/${run.thread_id}/runs/${run.run_id}` },
      () => {
        if (onDisconnect === "cancel") void deps.executor.cancel(run.run_id).catch(() => undefined);
      },
    );
  });

  app.post("/threads/:thread_id/runs/wait", async (c) => {
    const { run, execution } = await startRun(c);
    // Stopped here but continuing (shutdown, or the database connection lost): answered the way a
    // run that ends without values is, never as a 5xx. The SDK retries a 503 by posting the run
    // again, which would start a second run of the same input once this one is done.
    const body = execution.done.then((outcome) =>
      outcome.handoff
        ? errorValues(outcome.handoff)
        : deps.redact.json(errorValues(outcome.error) ?? outcome.values ?? null),
    );
    return waitResponse(body, { "content-location": `/threads/${run.thread_id}/runs/${run.run_id}` });
  });

  app.post("/threads/:thread_id/runs", async (c) => {
    const { run } = await startRun(c);
    return c.json(runJson(run));
  });

  app.get("/threads/:thread_id/runs", async (c) => {
    const thread = await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    const q = parseBody(
      z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(10),
        offset: z.coerce.number().int().min(0).default(0),
        status: z.enum(["pending", "running", "success", "error", "interrupted"]).optional(),
      }),
      c.req.query(),
    );
    return c.json((await listRuns(deps.pool, thread.thread_id, q)).map(runJson));
  });

  /** The caller's run on the caller's thread, or 404. */
  const requireRun = async (c: Context<Env>): Promise<RunRow> => {
    const thread = await requireThread(deps, c.req.param("thread_id") ?? "", c.get("principal").userId);
    const runId = c.req.param("run_id") ?? "";
    const run = isUuid(runId) ? await runOfThread(deps.pool, runId, thread.thread_id) : undefined;
    if (!run) throw new ApiError(404, "run_not_found", `Run ${runId} not found`);
    return run;
  };

  /**
   * Waits until a run ends, wherever it executes, and returns its final row. A server that starts
   * shutting down meanwhile answers 503 with retry-after: joining is safe to repeat on another replica.
   */
  const settled = async (run: RunRow): Promise<RunRow> => {
    let row = run;
    while (ACTIVE_RUN_STATUSES.includes(row.status)) {
      if (deps.executor.isDraining) {
        throw new ApiError(503, "shutting_down", "This server is shutting down; join the run on another replica.", {
          "retry-after": "1",
        });
      }
      const local = deps.executor.local(run.run_id);
      const outcome = local ? await local.done : undefined;
      // Ended here (not handed off): its row is written before its stream ends.
      if (!outcome?.handoff) await new Promise((r) => setTimeout(r, local ? 0 : deps.pollMs));
      row = (await runOfThread(deps.pool, run.run_id, run.thread_id)) ?? row;
    }
    return row;
  };

  app.get("/threads/:thread_id/runs/:run_id", async (c) => {
    const run = await requireRun(c);
    // A queued run says where it stands: runs queued before it, and how long it has waited.
    return c.json(
      run.status === "pending" ? { ...runJson(run), queue: await queuePlace(deps.pool, run) } : runJson(run),
    );
  });

  app.get("/threads/:thread_id/runs/:run_id/join", async (c) => {
    const run = await settled(await requireRun(c));
    if (run.error) return c.json(deps.redact.json(errorValues(run.error)!));
    return c.json(deps.redact.json((await stateOf(deps, run.thread_id)).values) as object);
  });

  app.get("/threads/:thread_id/runs/:run_id/stream", async (c) => {
    const run = await requireRun(c);
    const local = deps.executor.local(run.run_id);
    if (local) return sseResponse(local, deps.redact, {}, () => undefined);
    // Executing elsewhere or finished: report its end state once it has one.
    const finished = await settled(run);
    const events = [formatSse({ event: "metadata", data: JSON.stringify({ run_id: run.run_id }) })];
    events.push(
      finished.error
        ? formatSse({ event: "error", data: JSON.stringify(deps.redact.json(finished.error)) })
        : formatSse({
            event: "values",
            data: JSON.stringify(deps.redact.json((await stateOf(deps, run.thread_id)).values)),
          }),
    );
    return new Response(events.join(""), { headers: { "content-type": "text/event-stream" } });
  });

  app.post("/threads/:thread_id/runs/:run_id/cancel", async (c) => {
    const run = await requireRun(c);
    const q = parseBody(
      z.object({
        wait: z.enum(["0", "1", "true", "false"]).optional(),
        action: z.enum(["interrupt", "rollback"]).default("interrupt"),
      }),
      c.req.query(),
    );
    if (q.action === "rollback") throw new ApiError(422, "not_supported", "Only action=interrupt is supported.");
    if (!(await requestCancel(deps.pool, run.run_id))) {
      throw new ApiError(
        409,
        "run_not_active",
        `Run ${run.run_id} is ${run.status}; only active runs can be cancelled.`,
      );
    }
    await deps.executor.cancel(run.run_id);
    if (q.wait === "1" || q.wait === "true") {
      await settled(run);
      return c.body(null, 204);
    }
    return c.body(null, 202);
  });
}
