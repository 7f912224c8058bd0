import type { Pool, PoolClient } from "pg";
import type { Assistant } from "./assistants.js";

/** Row shapes of keel_assistants and keel_assistant_versions (checkpoint/app-schema.ts). */
interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  name: string;
  description: string | null;
  owner_id: string;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

type VersionRow = Omit<AssistantRow, "owner_id" | "updated_at">;

export type AssistantVersion = Omit<Assistant, "updated_at">;

type Db = Pool | PoolClient;

export const ASSISTANT_SORT_COLUMNS = ["assistant_id", "graph_id", "name", "created_at", "updated_at"] as const;
export type AssistantSortColumn = (typeof ASSISTANT_SORT_COLUMNS)[number];

export interface AssistantFilter {
  graphId?: string | undefined;
  /** Case-insensitive substring of the name, as the LangGraph API matches it. */
  name?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** What an assistant is made of, for a new one or a new version. */
export interface AssistantFields {
  graphId: string;
  name: string;
  description: string | null;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

const toVersion = (row: VersionRow): AssistantVersion => ({
  assistant_id: row.assistant_id,
  graph_id: row.graph_id,
  name: row.name,
  description: row.description,
  config: row.config,
  context: row.context,
  metadata: row.metadata,
  version: row.version,
  created_at: row.created_at.toISOString(),
});

const toAssistant = (row: AssistantRow): Assistant => ({ ...toVersion(row), updated_at: row.updated_at.toISOString() });

async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const insertVersion = (db: Db, assistantId: string, version: number, f: AssistantFields) =>
  db.query(
    `INSERT INTO keel_assistant_versions (assistant_id, version, graph_id, name, description, config, context, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [assistantId, version, f.graphId, f.name, f.description, f.config, f.context, f.metadata],
  );

/** A new assistant at version 1; undefined when the id is taken (by anyone). */
export async function insertAssistant(
  pool: Pool,
  assistant: AssistantFields & { assistantId: string; ownerId: string },
): Promise<Assistant | undefined> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<AssistantRow>(
      `INSERT INTO keel_assistants (assistant_id, graph_id, name, description, owner_id, config, context, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (assistant_id) DO NOTHING RETURNING *`,
      [
        assistant.assistantId,
        assistant.graphId,
        assistant.name,
        assistant.description,
        assistant.ownerId,
        assistant.config,
        assistant.context,
        assistant.metadata,
      ],
    );
    if (!rows[0]) return undefined;
    await insertVersion(client, assistant.assistantId, 1, assistant);
    return toAssistant(rows[0]);
  });
}

/** The caller's assistant, or undefined: someone else's is indistinguishable from none. */
export async function ownedAssistant(db: Db, assistantId: string, ownerId: string): Promise<Assistant | undefined> {
  const { rows } = await db.query<AssistantRow>(
    `SELECT * FROM keel_assistants WHERE assistant_id = $1 AND owner_id = $2`,
    [assistantId, ownerId],
  );
  return rows[0] ? toAssistant(rows[0]) : undefined;
}

/**
 * A new version of the caller's assistant from `change` over the current one (metadata is merged,
 * as the LangGraph API does), made current. Undefined when the caller has no such assistant.
 */
export async function updateAssistant(
  pool: Pool,
  assistantId: string,
  ownerId: string,
  change: (current: Assistant) => AssistantFields,
): Promise<Assistant | undefined> {
  return inTransaction(pool, async (client) => {
    // Locked, so two updates at once get consecutive versions instead of one failing.
    const { rows } = await client.query<AssistantRow>(
      `SELECT * FROM keel_assistants WHERE assistant_id = $1 AND owner_id = $2 FOR UPDATE`,
      [assistantId, ownerId],
    );
    if (!rows[0]) return undefined;
    const next = change(toAssistant(rows[0]));
    const { rows: max } = await client.query<{ v: number }>(
      `SELECT max(version) AS v FROM keel_assistant_versions WHERE assistant_id = $1`,
      [assistantId],
    );
    const version = (max[0]?.v ?? 0) + 1;
    await insertVersion(client, assistantId, version, next);
    const updated = await client.query<AssistantRow>(
      `UPDATE keel_assistants SET graph_id = $2, name = $3, description = $4, config = $5, context = $6,
         metadata = $7, version = $8, updated_at = now() WHERE assistant_id = $1 RETURNING *`,
      [assistantId, next.graphId, next.name, next.description, next.config, next.context, next.metadata, version],
    );
    return toAssistant(updated.rows[0]!);
  });
}

/** Makes a stored version current again. "no_version" when the assistant has no such version. */
export async function setLatestVersion(
  pool: Pool,
  assistantId: string,
  ownerId: string,
  version: number,
): Promise<Assistant | "no_version" | undefined> {
  return inTransaction(pool, async (client) => {
    const owned = await client.query(
      `SELECT 1 FROM keel_assistants WHERE assistant_id = $1 AND owner_id = $2 FOR UPDATE`,
      [assistantId, ownerId],
    );
    if (owned.rowCount === 0) return undefined;
    const { rows } = await client.query<AssistantRow>(
      `UPDATE keel_assistants a SET graph_id = v.graph_id, name = v.name, description = v.description,
         config = v.config, context = v.context, metadata = v.metadata, version = v.version, updated_at = now()
       FROM keel_assistant_versions v
       WHERE a.assistant_id = $1 AND v.assistant_id = a.assistant_id AND v.version = $2
       RETURNING a.*`,
      [assistantId, version],
    );
    return rows[0] ? toAssistant(rows[0]) : "no_version";
  });
}

export async function deleteAssistantRow(db: Db, assistantId: string, ownerId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM keel_assistants WHERE assistant_id = $1 AND owner_id = $2`, [
    assistantId,
    ownerId,
  ]);
  return (rowCount ?? 0) > 0;
}

/** Versions of an assistant (the caller's: checked by the route first), newest first. */
export async function listVersions(
  db: Db,
  assistantId: string,
  query: { metadata?: Record<string, unknown> | undefined; limit: number; offset: number },
): Promise<AssistantVersion[]> {
  const { rows } = await db.query<VersionRow>(
    `SELECT * FROM keel_assistant_versions WHERE assistant_id = $1 AND metadata @> $2
     ORDER BY version DESC LIMIT $3 OFFSET $4`,
    [assistantId, query.metadata ?? {}, query.limit, query.offset],
  );
  return rows.map(toVersion);
}

const assistantWhere = `owner_id = $1 AND ($2::text IS NULL OR graph_id = $2)
  AND ($3::text IS NULL OR position(lower($3) in lower(name)) > 0) AND metadata @> $4`;
const assistantWhereParams = (ownerId: string, filter: AssistantFilter) => [
  ownerId,
  filter.graphId ?? null,
  filter.name ?? null,
  filter.metadata ?? {},
];

/**
 * The caller's assistants matching the filter, sorted, the first `limit`. Text sorts bytewise
 * (COLLATE "C") so the route can merge built-in assistants into the page in the same order.
 */
export async function searchAssistants(
  db: Db,
  ownerId: string,
  filter: AssistantFilter & { sortBy: AssistantSortColumn; sortOrder: "asc" | "desc"; limit: number },
): Promise<Assistant[]> {
  // Sort column and direction come from enums, never from raw input.
  const column = ASSISTANT_SORT_COLUMNS.includes(filter.sortBy) ? filter.sortBy : "created_at";
  const collate = column === "name" || column === "graph_id" ? ` COLLATE "C"` : "";
  const direction = filter.sortOrder === "asc" ? "ASC" : "DESC";
  const { rows } = await db.query<AssistantRow>(
    `SELECT * FROM keel_assistants WHERE ${assistantWhere}
     ORDER BY ${column}${collate} ${direction}, assistant_id ${direction} LIMIT $5`,
    [...assistantWhereParams(ownerId, filter), filter.limit],
  );
  return rows.map(toAssistant);
}

export async function countAssistants(db: Db, ownerId: string, filter: AssistantFilter): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM keel_assistants WHERE ${assistantWhere}`,
    assistantWhereParams(ownerId, filter),
  );
  return Number(rows[0]?.n ?? 0);
}
