import type { Context, Hono } from "hono";
import { z } from "zod";
import type { Assistant } from "../assistants.js";
import { assistantNotFound, isBuiltIn, requireAssistant } from "../assistant-lookup.js";
import { assistantConfigSchema, settingsSchema } from "../assistant-settings.js";
import {
  ASSISTANT_SORT_COLUMNS,
  countAssistants,
  deleteAssistantRow,
  insertAssistant,
  listVersions,
  ownedAssistant,
  searchAssistants,
  setLatestVersion,
  updateAssistant,
  type AssistantFilter,
} from "../assistant-store.js";
import { ApiError } from "../errors.js";
import { jsonContains } from "../json-contains.js";
import { parseBody, readJson, type Env } from "../http.js";
import type { RouteDeps } from "./context.js";

const Metadata = z
  .record(z.string(), z.unknown())
  // Built-in assistants are told apart by it (Studio shows them as the graph's default).
  .refine((m) => m.created_by !== "system", { message: 'created_by "system" marks built-in assistants' });
const Name = z.string().min(1).max(200);
const Description = z.string().max(2_000).nullable();

const FilterSchema = z.object({
  graph_id: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const SELECT_FIELDS = [
  "assistant_id",
  "graph_id",
  "name",
  "description",
  "config",
  "context",
  "created_at",
  "updated_at",
  "metadata",
  "version",
] as const;

const SearchSchema = FilterSchema.extend({
  limit: z.number().int().min(1).max(1000).default(10),
  // Bounded: a page is merged with the built-in assistants from the first row on.
  offset: z.number().int().min(0).max(10_000).default(0),
  sort_by: z.enum(ASSISTANT_SORT_COLUMNS).default("created_at"),
  sort_order: z.enum(["asc", "desc"]).default("desc"),
  select: z.array(z.enum(SELECT_FIELDS)).max(20).optional(),
});

/** Bytewise, as the store sorts text (COLLATE "C"); ISO timestamps sort as their instants. */
const compareBy = (column: (typeof ASSISTANT_SORT_COLUMNS)[number], order: "asc" | "desc") => {
  const sign = order === "asc" ? 1 : -1;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return (a: Assistant, b: Assistant) => sign * (cmp(a[column], b[column]) || cmp(a.assistant_id, b.assistant_id));
};

/**
 * Assistants as named settings of a served graph (prompt, model, tool set, budget), owned like
 * threads: create, get, update (each update a new version), versions, set latest, search, count,
 * delete. Built-in assistants (one per graph) are everyone's and read-only.
 */
export function assistantCrudRoutes(app: Hono<Env>, deps: RouteDeps): void {
  const graphIds = deps.assistants.map((a) => a.graph_id);
  const GraphId = z
    .string()
    .refine((g) => graphIds.includes(g), { message: `must be a graph this server serves (${graphIds.join(", ")})` });
  const ContextSchema = settingsSchema(deps.assistantRules);
  const ConfigSchema = assistantConfigSchema(deps.assistantRules);
  const CreateSchema = z.object({
    graph_id: GraphId,
    assistant_id: z.uuid().optional(),
    config: ConfigSchema.optional(),
    context: ContextSchema.optional(),
    metadata: Metadata.optional(),
    if_exists: z.enum(["raise", "do_nothing"]).optional(),
    name: Name.optional(),
    description: Description.optional(),
  });
  const UpdateSchema = z.object({
    graph_id: GraphId.optional(),
    config: ConfigSchema.optional(),
    context: ContextSchema.optional(),
    metadata: Metadata.optional(),
    name: Name.optional(),
    description: Description.optional(),
  });

  /** Viewers read; changing what an assistant does is for members and admins. */
  const requireWriter = (c: Context<Env>) => {
    if (c.get("principal").role === "viewer") {
      throw new ApiError(403, "forbidden", "The viewer role cannot create or change assistants.");
    }
  };
  /** The caller's own assistant, to change: built-in ones are read-only, others' are 404. */
  const requireOwnedToChange = async (c: Context<Env>) => {
    requireWriter(c);
    const id = c.req.param("assistant_id") ?? "";
    const found = await requireAssistant(deps, id, c.get("principal").userId);
    if (isBuiltIn(deps, found)) {
      throw new ApiError(
        403,
        "assistant_read_only",
        `Assistant ${id} is built in (one per graph) and cannot be changed; create your own with the settings you want.`,
      );
    }
    return found;
  };

  app.post("/assistants", async (c) => {
    requireWriter(c);
    const body = parseBody(CreateSchema, await readJson(c));
    const owner = c.get("principal").userId;
    const assistantId = body.assistant_id ?? crypto.randomUUID();
    if (deps.assistants.some((a) => a.assistant_id === assistantId)) {
      throw new ApiError(409, "assistant_exists", `Assistant ${assistantId} already exists.`);
    }
    const created = await insertAssistant(deps.pool, {
      assistantId,
      ownerId: owner,
      graphId: body.graph_id,
      name: body.name ?? body.graph_id,
      description: body.description ?? null,
      config: body.config ?? {},
      context: body.context ?? {},
      metadata: body.metadata ?? {},
    });
    if (created) return c.json(created);
    const existing = await ownedAssistant(deps.pool, assistantId, owner);
    if (existing && body.if_exists === "do_nothing") return c.json(existing);
    throw new ApiError(409, "assistant_exists", `Assistant ${assistantId} already exists.`);
  });

  app.post("/assistants/search", async (c) => {
    const q = parseBody(SearchSchema, await readJson(c));
    const filter: AssistantFilter = { graphId: q.graph_id, name: q.name, metadata: q.metadata };
    const builtIns = deps.assistants.filter((a) => matchesBuiltIn(a, filter));
    const owner = c.get("principal").userId;
    const own = await searchAssistants(deps.pool, owner, {
      ...filter,
      sortBy: q.sort_by,
      sortOrder: q.sort_order,
      limit: q.offset + q.limit,
    });
    const page = [...builtIns, ...own].sort(compareBy(q.sort_by, q.sort_order)).slice(q.offset, q.offset + q.limit);
    const total = builtIns.length + (await countAssistants(deps.pool, owner, filter));
    c.header("x-pagination-total", String(total));
    if (q.offset + q.limit < total) c.header("x-pagination-next", String(q.offset + q.limit));
    const select = q.select ? new Set<string>(q.select) : undefined;
    return c.json(
      select ? page.map((a) => Object.fromEntries(Object.entries(a).filter(([k]) => select.has(k)))) : page,
    );
  });

  app.post("/assistants/count", async (c) => {
    const q = parseBody(FilterSchema, await readJson(c));
    const filter: AssistantFilter = { graphId: q.graph_id, name: q.name, metadata: q.metadata };
    const builtIns = deps.assistants.filter((a) => matchesBuiltIn(a, filter)).length;
    return c.json(builtIns + (await countAssistants(deps.pool, c.get("principal").userId, filter)));
  });

  app.get("/assistants/:assistant_id", async (c) =>
    c.json(await requireAssistant(deps, c.req.param("assistant_id"), c.get("principal").userId)),
  );

  app.patch("/assistants/:assistant_id", async (c) => {
    const found = await requireOwnedToChange(c);
    const body = parseBody(UpdateSchema, await readJson(c));
    const updated = await updateAssistant(deps.pool, found.assistant_id, c.get("principal").userId, (current) => ({
      graphId: body.graph_id ?? current.graph_id,
      name: body.name ?? current.name,
      description: body.description === undefined ? current.description : body.description,
      config: body.config ?? current.config,
      context: body.context ?? current.context,
      metadata: body.metadata ? { ...current.metadata, ...body.metadata } : current.metadata,
    }));
    if (!updated) throw assistantNotFound(found.assistant_id);
    return c.json(updated);
  });

  app.delete("/assistants/:assistant_id", async (c) => {
    const found = await requireOwnedToChange(c);
    const q = parseBody(z.object({ delete_threads: z.enum(["true", "false"]).default("false") }), c.req.query());
    if (q.delete_threads === "true") {
      throw new ApiError(422, "not_supported", "delete_threads=true is not supported; delete the threads themselves.");
    }
    if (!(await deleteAssistantRow(deps.pool, found.assistant_id, c.get("principal").userId))) {
      throw assistantNotFound(found.assistant_id);
    }
    return c.body(null, 204);
  });

  app.post("/assistants/:assistant_id/versions", async (c) => {
    const found = await requireAssistant(deps, c.req.param("assistant_id"), c.get("principal").userId);
    const q = parseBody(
      z.object({
        metadata: z.record(z.string(), z.unknown()).optional(),
        limit: z.number().int().min(1).max(1000).default(10),
        offset: z.number().int().min(0).default(0),
      }),
      await readJson(c),
    );
    if (isBuiltIn(deps, found)) {
      // A built-in assistant has its one version.
      const { updated_at: _, ...version } = found;
      const matches = q.offset === 0 && (q.metadata === undefined || jsonContains(found.metadata, q.metadata));
      return c.json(matches ? [version] : []);
    }
    return c.json(await listVersions(deps.pool, found.assistant_id, q));
  });

  app.post("/assistants/:assistant_id/latest", async (c) => {
    const found = await requireOwnedToChange(c);
    const { version } = parseBody(z.object({ version: z.number().int().min(1) }), await readJson(c));
    const result = await setLatestVersion(deps.pool, found.assistant_id, c.get("principal").userId, version);
    if (result === undefined) throw assistantNotFound(found.assistant_id);
    if (result === "no_version") {
      throw new ApiError(
        404,
        "assistant_version_not_found",
        `Assistant ${found.assistant_id} has no version ${version}.`,
      );
    }
    return c.json(result);
  });
}

function matchesBuiltIn(a: Assistant, filter: AssistantFilter): boolean {
  return (
    (filter.graphId === undefined || a.graph_id === filter.graphId) &&
    (filter.name === undefined || a.name.toLowerCase().includes(filter.name.toLowerCase())) &&
    (filter.metadata === undefined || jsonContains(a.metadata, filter.metadata))
  );
}
