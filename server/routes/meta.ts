import type { Context, Hono } from "hono";
import type { Env } from "../http.js";
import { requireAssistant } from "../assistant-lookup.js";
import { assistantCrudRoutes } from "./assistants.js";
import type { RouteDeps } from "./context.js";

/** The JSON schemas `@langchain/langgraph-api/schema` extracts from a compiled graph. */
export interface GraphSchemas {
  input?: unknown;
  output?: unknown;
  state?: unknown;
  config?: unknown;
}

/** Assistants (server/routes/assistants.ts) and the graph drawing the SDK and Studio ask for. */
export function assistantRoutes(
  app: Hono<Env>,
  deps: RouteDeps & { graphJson: () => Promise<unknown>; graphSchemas: () => Promise<GraphSchemas | undefined> },
): void {
  assistantCrudRoutes(app, deps);
  const visible = (c: Context<Env>) =>
    requireAssistant(deps, c.req.param("assistant_id") ?? "", c.get("principal").userId);
  app.get("/assistants/:assistant_id/graph", async (c) => {
    await visible(c);
    return c.json((await deps.graphJson()) as object);
  });
  // JSON schemas of the graph's input, output, state and context, as `langgraphjs dev` serves them
  // (it, too, reports the config schema as the context schema).
  app.get("/assistants/:assistant_id/schemas", async (c) => {
    const assistant = await visible(c);
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
  const noSubgraphs = async (c: Context<Env>) => {
    await visible(c);
    return c.json({});
  };
  app.get("/assistants/:assistant_id/subgraphs", noSubgraphs);
  app.get("/assistants/:assistant_id/subgraphs/:namespace", noSubgraphs);
}
