import type { RunnableConfig } from "@langchain/core/runnables";
import type { ChannelVersions, Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { WRITES_IDX_MAP } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";

/** The tables PostgresSaver creates in its default schema (Keel never changes it). */
const BLOBS = `"public".checkpoint_blobs`;
const CHECKPOINTS = `"public".checkpoints`;
const WRITES = `"public".checkpoint_writes`;

/** A checkpoint and the channel values it introduces, in one statement (a data-modifying CTE). */
const PUT_SQL = `WITH blobs AS (
    INSERT INTO ${BLOBS} (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT $1::text, $2::text, b.channel, b.version, b.type, b.blob
    FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) AS b (channel, version, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
  )
  INSERT INTO ${CHECKPOINTS} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
  VALUES ($1, $2, $7, $8, $9, $10)
  ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
  DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;

const writesSql = (onConflict: string) => `INSERT INTO ${WRITES}
    (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
  SELECT $1::text, $2::text, $3::text, $4::text, w.idx, w.channel, w.type, w.blob
  FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w (idx, channel, type, blob)
  ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}`;

/** Special writes (errors, interrupts…) replace an earlier one at their index; ordinary ones are kept once. */
const UPSERT_WRITES_SQL = writesSql(
  "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob",
);
const INSERT_WRITES_SQL = writesSql("DO NOTHING");

const bytes = (value: Uint8Array | undefined): Buffer | null =>
  value ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : null;

/**
 * PostgresSaver with each checkpoint, and each step's writes, stored in one statement. The stock
 * saver takes a connection and sends BEGIN, one INSERT per changed channel (or per write), then
 * COMMIT, each awaited in turn: 4 to 15 round trips per step, which made PostgreSQL's socket the
 * largest single cost of a served turn (a CPU profile under load: a fifth of the server's time in
 * socket writes) and adds that many network latencies per step on a remote database. One statement
 * is one round trip and is atomic on its own. Rows, serialization and conflict rules are the
 * stock saver's (checkpoint/batched-saver.db.test.ts compares the two row by row).
 */
export class BatchedPostgresSaver extends PostgresSaver {
  // The base class keeps its pool private.
  constructor(private readonly db: pg.Pool) {
    super(db);
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable as Record<string, string>;
    const blobs = await this._dumpBlobs(thread_id!, checkpoint_ns, checkpoint.channel_values, newVersions);
    const serializedMetadata: unknown = await this._dumpMetadata(metadata);
    await this.db.query(PUT_SQL, [
      thread_id,
      checkpoint_ns,
      blobs.map((b) => b[2]),
      blobs.map((b) => b[3]),
      blobs.map((b) => b[4]),
      blobs.map((b) => bytes(b[5])),
      checkpoint.id,
      checkpoint_id,
      this._dumpCheckpoint(checkpoint),
      serializedMetadata,
    ]);
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (writes.length === 0) return;
    const upsert = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const { thread_id, checkpoint_ns, checkpoint_id } = (config.configurable ?? {}) as Record<string, string>;
    const dumped = await this._dumpWrites(thread_id!, checkpoint_ns!, checkpoint_id!, taskId, writes);
    // One statement may not touch a row twice: where two writes share an index, keep the one the
    // stock saver's sequence of statements would leave (the last for upserts, the first otherwise).
    const byIdx = new Map<number, (typeof dumped)[number]>();
    for (const row of dumped) if (upsert || !byIdx.has(row[4])) byIdx.set(row[4], row);
    const rows = [...byIdx.values()];
    await this.db.query(upsert ? UPSERT_WRITES_SQL : INSERT_WRITES_SQL, [
      thread_id,
      checkpoint_ns,
      checkpoint_id,
      taskId,
      rows.map((r) => r[4]),
      rows.map((r) => r[5]),
      rows.map((r) => r[6]),
      rows.map((r) => bytes(r[7])),
    ]);
  }
}
