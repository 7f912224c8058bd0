import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { forever, startFakeOpenAI } from "../fake-openai/index.js";
import { freePort } from "./process.js";
import { jsonOf, runCli } from "./cli-process.js";
import { outboxOf } from "./sdk-flow.js";

/** Offline model (no key) on the shared test database: what `npm start` does, minus the embedded server. */
const env = () => ({ DATABASE_URL: inject("databaseUrl") });

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
});
afterAll(async () => {
  await pool.end();
});

interface Outcome {
  status: string;
  threadId: string;
  answer?: string;
  stopReason?: string;
  request?: { actionRequests: { name: string; args: Record<string, unknown> }[] };
}

describe("terminal client", () => {
  it("answers 12*7 offline on a fresh data dir, starting its own embedded PostgreSQL", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keel-cli-"));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as "postgres" and must enter it
    try {
      const result = await runCli(
        ["--message", "what is 12*7?", "--json"],
        {
          KEEL_DATA_DIR: dataDir,
          EMBEDDED_PG_PORT: String(await freePort()),
        },
        60_000,
      );
      const outcome = jsonOf<Outcome>(result);
      expect(outcome.status).toBe("done");
      expect(outcome.answer).toContain("84");
      expect(result.stderr).toContain("Offline demo");
      expect(result.code).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("pauses for approval in one process and is approved from another; nothing is written before", async () => {
    const first = jsonOf<Outcome>(
      await runCli(["--message", "send a note to bob@example.com saying the deploy is done", "--json"], env()),
    );
    expect(first.status).toBe("interrupted");
    expect(first.request?.actionRequests[0]).toMatchObject({ name: "outbox_send", args: { to: "bob@example.com" } });
    expect(await outboxOf(first.threadId)).toEqual([]);

    const second = jsonOf<Outcome>(await runCli(["--thread", first.threadId, "--approve", "--json"], env()));
    expect(second.status).toBe("done");
    expect(second.answer).toContain("queued");
    expect(await outboxOf(first.threadId)).toEqual(["bob@example.com"]);
  }, 60_000);

  it("a rejection from another process writes nothing and the answer says so", async () => {
    const first = jsonOf<Outcome>(
      await runCli(["--message", "email carol@example.com that lunch is ready", "--json"], env()),
    );
    expect(first.status).toBe("interrupted");
    const second = jsonOf<Outcome>(
      await runCli(["--thread", first.threadId, "--reject", "wrong person", "--json"], env()),
    );
    expect(second.status).toBe("done");
    expect(second.answer).toContain("wrong person");
    expect(await outboxOf(first.threadId)).toEqual([]);
  }, 60_000);

  it("an unknown thread is a clear error and creates nothing", async () => {
    const result = await runCli(["--thread", "no-such-thread", "--message", "hi", "--json"], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[thread_not_found]");
    expect(jsonOf(result)).toMatchObject({ status: "error", error: { code: "thread_not_found" } });
    const rows = await pool.query("SELECT 1 FROM checkpoints WHERE thread_id = 'no-such-thread'");
    expect(rows.rowCount).toBe(0);
  }, 30_000);

  it("a database that is down gives a clear error naming it, without the password", async () => {
    const port = await freePort();
    const result = await runCli(["--message", "hi", "--json"], {
      DATABASE_URL: `postgres://keel:s3cret@127.0.0.1:${port}/keel`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[database_unreachable]");
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).not.toContain("s3cret");
  }, 30_000);

  it("a dead model endpoint ends the turn with model_error, exit 1, and the thread is kept", async () => {
    const port = await freePort();
    const result = await runCli(["--message", "hi", "--json"], {
      ...env(),
      OPENAI_API_KEY: "k",
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
      MODEL_MAX_RETRIES: "1",
      MODEL_RETRY_BASE_MS: "10",
    });
    expect(result.code).toBe(1);
    const outcome = jsonOf<Outcome & { error: { code: string; message: string } }>(result);
    expect(outcome.stopReason).toBe("model_error");
    expect(outcome.error.code).toBe("model_unavailable");
    const rows = await pool.query("SELECT 1 FROM checkpoints WHERE thread_id = $1", [outcome.threadId]);
    expect(rows.rowCount).toBeGreaterThan(0);
  }, 30_000);

  it("a model that never stops calling tools ends at the default step budget, in JSON, exit 0", async () => {
    const fake = await startFakeOpenAI({
      responder: forever({ name: "calculator", arguments: { expression: "1+1" } }),
    });
    try {
      const result = await runCli(["--message", "keep adding", "--json"], {
        ...env(),
        OPENAI_API_KEY: "k",
        OPENAI_BASE_URL: fake.baseUrl,
      });
      const outcome = jsonOf<Outcome & { usage: { steps: number } }>(result);
      expect(outcome).toMatchObject({ status: "done", stopReason: "budget_steps", usage: { steps: 12 } });
      expect(result.stderr).not.toContain("Recursion limit");
      expect(result.code).toBe(0);
    } finally {
      await fake.close();
    }
  }, 30_000);

  it("a bad setting stops start-up naming the variable, exit 2", async () => {
    const result = await runCli(["--message", "hi"], { ...env(), MAX_STEPS: "many" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("MAX_STEPS");
    expect(result.stderr).toContain("must be a number");
  }, 30_000);

  it("misuse of the flags prints usage, exit 2", async () => {
    const result = await runCli(["--approve"], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("need --thread");
    expect(result.stderr).toContain("Usage: npm start");
  }, 30_000);
});
