import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../test/db.js";
import { APP_MIGRATIONS } from "./app-schema.js";
import { migrate } from "./migrate.js";

const EXPECTED_TABLES = [
  "checkpoint_blobs",
  "checkpoint_migrations",
  "checkpoint_writes",
  "checkpoints",
  "keel_assistant_versions",
  "keel_assistants",
  "keel_migrations",
  "keel_outbox",
  "keel_runs",
  "keel_threads",
  "keel_user_daily_spend",
  "keel_user_token_buckets",
];

describe("migrate", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const pools: pg.Pool[] = [];
  const newPool = (): pg.Pool => {
    const pool = new pg.Pool({ connectionString: scratch.url, max: 3, connectionTimeoutMillis: 5_000 });
    // Dropping the scratch database at the end terminates any connection still closing; that is expected.
    pool.on("error", () => undefined);
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase("keel_migrate");
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await scratch.drop();
  });

  it("creates every table on a fresh database when several processes migrate at once", async () => {
    // Separate pools behave like separate processes: nothing is shared but the database.
    await Promise.all([newPool(), newPool(), newPool(), newPool(), newPool(), newPool()].map((pool) => migrate(pool)));
    const pool = newPool();
    const tables = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(EXPECTED_TABLES);
    const saverVersions = await pool.query<{ v: number }>("SELECT v FROM checkpoint_migrations ORDER BY v");
    expect(saverVersions.rows.map((r) => r.v)).toEqual([0, 1, 2, 3, 4]);
    const appVersions = await pool.query<{ v: number }>("SELECT v FROM keel_migrations ORDER BY v");
    expect(appVersions.rows.map((r) => r.v)).toEqual(APP_MIGRATIONS.map((_, i) => i));
  });

  it("is idempotent: running again changes nothing and keeps the data", async () => {
    const pool = newPool();
    await pool.query(
      "INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body) VALUES ('t1', 'u1', 'a@example.com', 's', 'b')",
    );
    await migrate(newPool());
    const rows = await pool.query<{ n: string }>("SELECT count(*) AS n FROM keel_outbox");
    expect(rows.rows[0]?.n).toBe("1");
    const versions = await pool.query<{ n: string }>("SELECT count(*) AS n FROM keel_migrations");
    expect(Number(versions.rows[0]?.n)).toBe(APP_MIGRATIONS.length);
  });

  it("runs once per pool", async () => {
    const pool = newPool();
    const first = migrate(pool);
    expect(migrate(pool)).toBe(first);
    await first; // left running, it could still hold a connection when the database is dropped
  });

  it("waits for another process that holds the migration lock", async () => {
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [0x6b65656c]);
      let finished = false;
      const running = migrate(newPool()).then(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(finished).toBe(false);
      await holder.query("SELECT pg_advisory_unlock($1)", [0x6b65656c]);
      await running;
      expect(finished).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
