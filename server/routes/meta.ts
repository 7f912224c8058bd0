import type { Context, Hono } from "hono";
import { settingsJsonSchema } from "../assistant-settings.js";
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
  // JSON schemas of the graph's input, output and state, as `langgraphjs dev` serves them. The
  // context and config schemas describe what an assistant may be configured with (not the graph's
  // per-run caller context, which the server fills from credentials): Studio builds its assistant
  // editor from them, and what it sends back must pass the save's validation.
  const settings = settingsJsonSchema(deps.assistantRules);
  app.get("/assistants/:assistant_id/schemas", async (c) => {
    const assistant = await visible(c);
    const schema = await deps.graphSchemas();
    return c.json({
      graph_id: assistant.graph_id,
      input_schema: schema?.input ?? null,
      output_schema: schema?.output ?? null,
      state_schema: schema?.state ?? null,
      config_schema: settings,
      context_schema: settings,
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
