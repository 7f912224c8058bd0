import type { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { parseBody, readJson, type Env } from "../http.js";
import { findAssistant } from "../assistants.js";
import type { RouteDeps } from "./context.js";

/** Assistants (one per graph, read-only) and the graph drawing the SDK and Studio ask for. */
export function assistantRoutes(app: Hono<Env>, deps: RouteDeps & { graphJson: () => Promise<unknown> }): void {
  const requireAssistant = (id: string) => {
    const found = findAssistant(deps.assistants, id);
    if (!found) throw new ApiError(404, "assistant_not_found", `Assistant ${id} not found`);
    return found;
  };
  app.post("/assistants/search", async (c) => {
    const q = parseBody(
      z.object({
        graph_id: z.string().optional(),
        limit: z.number().int().min(1).max(1000).default(10),
        offset: z.number().int().min(0).default(0),
      }),
      await readJson(c),
    );
    const found = deps.assistants.filter((a) => q.graph_id === undefined || a.graph_id === q.graph_id);
    return c.json(found.slice(q.offset, q.offset + q.limit));
  });
  app.get("/assistants/:assistant_id", (c) => c.json(requireAssistant(c.req.param("assistant_id"))));
  app.get("/assistants/:assistant_id/graph", async (c) => {
    requireAssistant(c.req.param("assistant_id"));
    return c.json((await deps.graphJson()) as object);
  });
}
