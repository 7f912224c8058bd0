import { chmod, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeelConfig } from "../runtime/config.js";
import { isKeelError } from "../runtime/errors.js";
import type { Database } from "./database.js";
import { openDatabase } from "./open-database.js";
import { freePort, runTsChild } from "../test/process.js";

/**
 * The embedded default end to end, in a temp data dir on a free port. Few tests, run in order, because
 * every server start costs time: first start (initdb), reuse in-process and from another process,
 * stop on close, restart with the data intact, stop on a hard exit, a taken port.
 */
describe("the embedded default (no DATABASE_URL)", () => {
  let dir = "";
  let cfg: KeelConfig["database"];
  let owner: Database | undefined;
  const pgDir = (): string => join(cfg.dataDir, "pg");
  const outboxCount = async (db: Database): Promise<number> =>
    Number((await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM keel_outbox")).rows[0]?.n);
  const insertOutbox = (db: Database, subject: string) =>
    db.pool.query(
      "INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body) VALUES ('t', 'u', 'a@example.com', $1, 'b')",
      [subject],
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-embedded-"));
    // mkdtemp makes 0700; as root PostgreSQL runs as user "postgres", which must enter the directory.
    await chmod(dir, 0o755);
    cfg = { url: undefined, dataDir: join(dir, "data"), embeddedPort: await freePort() };
  });
  afterAll(async () => {
    await owner?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("initialises an empty data dir, starts, and is ready with Keel's tables", async () => {
    const logs: string[] = [];
    owner = await openDatabase(cfg, { log: (m) => logs.push(m) });
    expect(owner.embedded).toBe(true);
    expect(logs.join("\n")).toMatch(/Initialising the embedded PostgreSQL/);
    expect(logs.join("\n")).toMatch(/Started the embedded PostgreSQL/);
    const password = (await readFile(join(pgDir(), "keel-password"), "utf8")).trim();
    expect(owner.url).toBe(`postgres://postgres:***@127.0.0.1:${cfg.embeddedPort}/postgres`);
    expect(owner.url).not.toContain(password);
    const settings = await owner.pool.query<{ encoding: string; listen: string }>(
      "SELECT current_setting('server_encoding') AS encoding, current_setting('listen_addresses') AS listen",
    );
    expect(settings.rows[0]).toEqual({ encoding: "UTF8", listen: "127.0.0.1" });
    await insertOutbox(owner, "from the owner");
  });

  it("reuses the running server for a second openDatabase, whose close leaves it running", async () => {
    const logs: string[] = [];
    const second = await openDatabase(cfg, { log: (m) => logs.push(m) });
    expect(logs.join("\n")).toMatch(/already running/);
    const startTime = "SELECT pg_postmaster_start_time()::text AS t";
    const [a, b] = await Promise.all([owner!.pool.query(startTime), second.pool.query(startTime)]);
    expect(b.rows[0]).toEqual(a.rows[0]);
    expect(await outboxCount(second)).toBe(1);
    await second.close();
    expect(await outboxCount(owner!)).toBe(1);
  });

  it("is shared with another process, which sees and writes the same data", async () => {
    const child = await runTsChild(`
      import { openDatabase } from "{{repo}}/checkpoint/open-database.ts";
      const logs: string[] = [];
      const db = await openDatabase(${JSON.stringify(cfg)}, { log: (m) => logs.push(m) });
      await db.pool.query("INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body) VALUES ('t', 'u', 'a@example.com', 'from the child', 'b')");
      const { rows } = await db.pool.query("SELECT subject FROM keel_outbox ORDER BY id");
      await db.close();
      console.log(JSON.stringify({ reused: logs.some((l) => l.includes("already running")), subjects: rows.map((r) => r.subject) }));
    `);
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ reused: true, subjects: ["from the owner", "from the child"] });
    expect(await outboxCount(owner!)).toBe(2);
  });

  it("close() stops the server this process started; the next open restarts it with the data intact", async () => {
    await owner!.close();
    await owner!.close();
    owner = undefined;
    await expect(stat(join(pgDir(), "postmaster.pid"))).rejects.toThrow(/ENOENT/);
    const probe = new pg.Client({ host: "127.0.0.1", port: cfg.embeddedPort, connectionTimeoutMillis: 2_000 });
    await expect(probe.connect()).rejects.toThrow(/ECONNREFUSED/);

    const logs: string[] = [];
    const reopened = await openDatabase(cfg, { log: (m) => logs.push(m) });
    try {
      expect(logs.join("\n")).not.toMatch(/Initialising/);
      expect(logs.join("\n")).toMatch(/Started the embedded PostgreSQL/);
      expect(await outboxCount(reopened)).toBe(2);
    } finally {
      await reopened.close();
    }
  });

  it("a process that exits without close() still stops the server it started, keeping its exit code", async () => {
    const child = await runTsChild(`
      import { openDatabase } from "{{repo}}/checkpoint/open-database.ts";
      const logs: string[] = [];
      await openDatabase(${JSON.stringify(cfg)}, { log: (m) => logs.push(m) });
      console.log(logs.some((l) => l.startsWith("Started")) ? "started" : "reused");
      process.exit(7);
    `);
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe("started\n");
    expect(child.code).toBe(7);
    const serverState = () =>
      stat(join(pgDir(), "postmaster.pid")).then(
        () => "running",
        () => "stopped",
      );
    await expect.poll(serverState, { timeout: 5_000 }).toBe("stopped");
  });

  it("names the port and the setting to change when the port is taken", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once("error", reject);
      squatter.listen(cfg.embeddedPort, "127.0.0.1", resolve);
    });
    try {
      const started = performance.now();
      const err: unknown = await openDatabase(cfg).then(
        async (db) => {
          await db.close();
          return new Error("openDatabase unexpectedly succeeded");
        },
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(isKeelError(err, "database_unreachable")).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(`127.0.0.1:${cfg.embeddedPort}`);
      expect(message).toMatch(/EMBEDDED_PG_PORT/);
      await expect(stat(join(pgDir(), "postmaster.pid"))).rejects.toThrow(/ENOENT/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe("two openDatabase calls racing on a fresh data dir", () => {
  it("initialise one cluster and share one server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keel-embedded-race-"));
    await chmod(dir, 0o755);
    const cfg = { url: undefined, dataDir: join(dir, "data"), embeddedPort: await freePort() };
    const logs: string[] = [];
    const log = (m: string): void => void logs.push(m);
    const opened = await Promise.allSettled([openDatabase(cfg, { log }), openDatabase(cfg, { log })]);
    const dbs = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    try {
      expect(opened.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
      expect(logs.filter((l) => l.startsWith("Started")).length).toBe(1);
      const startTime = "SELECT pg_postmaster_start_time()::text AS t";
      const [a, b] = await Promise.all(dbs.map((db) => db.pool.query(startTime)));
      expect(a?.rows[0]).toEqual(b?.rows[0]);
      // The losing initdb's staging directory is gone; only the cluster remains.
      expect(await readdir(cfg.dataDir)).toEqual(["pg"]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
