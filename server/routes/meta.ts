import type { Context, Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { parseBody, readJson, type Env } from "../http.js";
import { findAssistant, type Assistant } from "../assistants.js";
import { jsonContains } from "../json-contains.js";
import type { RouteDeps } from "./context.js";

const Metadata = z.record(z.string(), z.unknown());

/** The JSON schemas `@langchain/langgraph-api/schema` extracts from a compiled graph. */
export interface GraphSchemas {
  input?: unknown;
  output?: unknown;
  state?: unknown;
  config?: unknown;
}

/** Assistants (one per graph, read-only) and the graph drawing the SDK and Studio ask for. */
export function assistantRoutes(
  app: Hono<Env>,
  deps: RouteDeps & { graphJson: () => Promise<unknown>; graphSchemas: () => Promise<GraphSchemas | undefined> },
): void {
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
  app.post("/assistants/count", async (c) => {
    const q = parseBody(
      z.object({ graph_id: z.string().optional(), name: z.string().optional(), metadata: Metadata.optional() }),
      await readJson(c),
    );
    const matches = (a: Assistant) =>
      (q.graph_id === undefined || a.graph_id === q.graph_id) &&
      (q.name === undefined || a.name === q.name) &&
      (q.metadata === undefined || jsonContains(a.metadata, q.metadata));
    return c.json(deps.assistants.filter(matches).length);
  });
  app.get("/assistants/:assistant_id", (c) => c.json(requireAssistant(c.req.param("assistant_id"))));
  app.get("/assistants/:assistant_id/graph", async (c) => {
    requireAssistant(c.req.param("assistant_id"));
    return c.json((await deps.graphJson()) as object);
  });
  // JSON schemas of the graph's input, output, state and context, as `langgraphjs dev` serves them
  // (it, too, reports the config schema as the context schema).
  app.get("/assistants/:assistant_id/schemas", async (c) => {
    const assistant = requireAssistant(c.req.param("assistant_id"));
    const schema = await deps.graphSchemas();
    return c.json({
      graph_id: assistant.graph_id,
      input_schema: schema?.input ?? null,
      output_schema: schema?.output ?? null,
      state_schema: schema?.state ?? null,
      config_schema: schema?.config ?? null,
      context_schema: schema?.config ?? null,
    });
  });
  // Keel's graph has no subgraphs: every namespace is empty.
  const noSubgraphs = (c: Context<Env>) => {
    requireAssistant(c.req.param("assistant_id") ?? "");
    return c.json({});
  };
  app.get("/assistants/:assistant_id/subgraphs", noSubgraphs);
  app.get("/assistants/:assistant_id/subgraphs/:namespace", noSubgraphs);
}
