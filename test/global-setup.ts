import { chmod, mkdtemp, rm } from "node:fs/promises";
import { freePort } from "./process.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { connectPool } from "../checkpoint/connect.js";
import { removeEmbeddedData } from "../checkpoint/embedded-data-home.js";
import { startEmbeddedServer, type EmbeddedServer } from "../checkpoint/embedded-server.js";
import { migrate } from "../checkpoint/migrate.js";
import { isKeelError } from "../runtime/errors.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection URL of the PostgreSQL every test file shares (migrated once). */
    databaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole test run: TEST_DATABASE_URL when set, else an embedded server in a
 * fresh temp directory on a free port, deleted afterwards. Test files connect through test/db.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env["TEST_DATABASE_URL"];
  if (external !== undefined && external !== "") {
    await migrateOnce(external, "TEST_DATABASE_URL");
    project.provide("databaseUrl", external);
    return () => Promise.resolve();
  }

  const dir = await mkdtemp(join(tmpdir(), "keel-test-pg-"));
  // mkdtemp makes the directory 0700; as root, PostgreSQL runs as user "postgres" and must enter it
  // (when TMPDIR itself is private, the cluster goes to /var/lib/keel and removeEmbeddedData finds it).
  await chmod(dir, 0o755);
  const pgDir = join(dir, "pg");
  const remove = async (): Promise<void> => {
    await removeEmbeddedData(pgDir);
    await rm(dir, { recursive: true, force: true });
  };
  let server: EmbeddedServer | undefined;
  try {
    server = await startOnFreePort(pgDir);
    await migrateOnce(server.url, "the test PostgreSQL");
  } catch (err) {
    await server?.stop();
    await remove();
    throw err;
  }
  project.provide("databaseUrl", server.url);
  const started = server;
  return async () => {
    await started.stop();
    await remove();
  };
}

/** A port free a moment ago can be taken before PostgreSQL binds it; then try another. */
async function startOnFreePort(pgDir: string): Promise<EmbeddedServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmbeddedServer({ pgDir, port: await freePort(), durable: false, timeoutMs: 60_000 });
    } catch (err) {
      const portTaken = isKeelError(err, "database_unreachable") && err.details?.["reason"] === "port_in_use";
      if (!portTaken || attempt >= 3) throw err;
    }
  }
}

async function migrateOnce(url: string, source: string): Promise<void> {
  const pool = await connectPool(url, { source, hint: "The test database is not reachable." });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}
