import type { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { parseBody, readJson, type Env } from "../http.js";
import { activeRunsOfOwner, requestCancel } from "../store.js";
import type { RouteDeps } from "./context.js";

const CancelManySchema = z
  .object({
    thread_id: z.uuid().optional(),
    run_ids: z.array(z.uuid()).min(1).max(1000).optional(),
    status: z.enum(["pending", "running", "all"]).optional(),
  })
  .refine((b) => b.status !== undefined || b.thread_id !== undefined, {
    message: "name a thread_id (with run_ids), or a status",
  })
  .refine((b) => b.run_ids === undefined || b.thread_id !== undefined, {
    message: "run_ids needs their thread_id",
    path: ["run_ids"],
  });

/**
 * `POST /runs/cancel` (the SDK's `runs.cancelMany`): cancels the caller's active runs on a thread
 * (all, or the given ids) or in a status. Only the caller's own runs are ever touched; ids that are
 * not active (or not theirs) are skipped, as for a run that ended meanwhile.
 */
export function bulkRunRoutes(app: Hono<Env>, deps: RouteDeps): void {
  app.post("/runs/cancel", async (c) => {
    const body = parseBody(CancelManySchema, await readJson(c));
    const q = parseBody(z.object({ action: z.enum(["interrupt", "rollback"]).default("interrupt") }), c.req.query());
    if (q.action === "rollback") throw new ApiError(422, "not_supported", "Only action=interrupt is supported.");
    const runs = await activeRunsOfOwner(deps.pool, c.get("principal").userId, {
      threadId: body.thread_id,
      runIds: body.run_ids,
      status: body.status === "all" ? undefined : body.status,
    });
    for (const run of runs) {
      if (await requestCancel(deps.pool, run.run_id)) await deps.executor.cancel(run.run_id);
    }
    return c.body(null, 204);
  });
}
