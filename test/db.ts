import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { connectPool } from "../checkpoint/connect.js";
import { withDatabase } from "../checkpoint/connection-url.js";
import { databaseFromPool, type Database } from "../checkpoint/database.js";

const HINT = "test/global-setup.ts starts it for the run; did it fail, or is TEST_DATABASE_URL wrong?";

/**
 * The run's database URL. `npm run test:unit` starts no database: a test that needs one must live
 * in test/ or be named `*.db.test.ts`, and says so here rather than failing on a connection.
 */
export function databaseUrl(): string {
  const url = inject("databaseUrl") as string | undefined;
  if (url === undefined) {
    throw new Error(
      "this test needs PostgreSQL: put it in test/ or name it *.db.test.ts (npm run test:unit starts none)",
    );
  }
  return url;
}

/**
 * A pool + saver on the run's shared test database (already migrated by the global setup). Every
 * test file opens its own and closes it in afterAll; none starts a server.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = databaseUrl();
  const pool = await connectPool(url, { source: "the test database", hint: HINT });
  return databaseFromPool(pool, { url, embedded: false });
}

/** A brand-new empty database on the test server (for schema tests); `drop()` removes it. */
export async function createScratchDatabase(prefix = "keel_scratch"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("databaseUrl"), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(inject("databaseUrl"), name),
    drop: async () => {
      const client = new pg.Client({ connectionString: inject("databaseUrl"), connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        // FORCE ends sessions a failed test may have left open.
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Every byte the checkpointer stored for a thread, as text: to check what is (not) at rest. */
export async function storedCheckpointBytes(threadId: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 1 });
  try {
    const parts: string[] = [];
    for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"]) {
      const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE thread_id = $1`, [
        threadId,
      ]);
      for (const row of rows) {
        for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v.toString("latin1") : JSON.stringify(v));
      }
    }
    return parts.join("\n");
  } finally {
    await pool.end();
  }
}
