import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "./db.js";
import { REPO_ROOT } from "./process.js";
import { startServe, type ServeProcess } from "./serve-process.js";

type Values = { messages: { type: string; content: unknown }[] };

// A database of its own: the scheduled passes prune every thread they find.
describe("retention under npm run serve and npm run prune", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let serve: ServeProcess;
  let pool: pg.Pool;

  beforeAll(async () => {
    scratch = await createScratchDatabase("keel_retention");
    pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
    serve = await startServe({
      DATABASE_URL: scratch.url,
      STORAGE_PRUNE_INTERVAL_S: "1",
      STORAGE_KEEP_CHECKPOINTS: "3",
    });
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    await pool?.end();
    await scratch?.drop();
  });

  const checkpointsOf = async (threadId: string) =>
    Number(
      (await pool.query<{ n: string }>("SELECT count(*) AS n FROM checkpoints WHERE thread_id = $1", [threadId]))
        .rows[0]!.n,
    );

  it("prunes on a schedule, logs each pass, and the thread carries on", async () => {
    const alice = serve.client();
    const thread = await alice.threads.create();
    for (const text of ["hello", "and again"]) {
      await alice.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: text }] } });
    }
    // A pass after both runs ended (one may also have run between them).
    const seen = serve.logLines().length;
    const pruned = () =>
      serve
        .logLines()
        .slice(seen)
        .find((l) => l["event"] === "storage_pruned" && Number(l["checkpoints"]) > 0);
    const deadline = Date.now() + 15_000;
    while (!pruned() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(pruned(), serve.output()).toMatchObject({ pruned_threads: 1, expired_threads: 0 });
    expect(await checkpointsOf(thread.thread_id)).toBe(3);

    const state = (await alice.threads.getState(thread.thread_id)).values as Values;
    expect(state.messages.filter((m) => m.type === "human").map((m) => m.content)).toEqual(["hello", "and again"]);
    const next = (await alice.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "once more" }] },
    })) as Values;
    expect(next.messages.filter((m) => m.type === "human")).toHaveLength(3);
  }, 60_000);

  it("npm run prune runs one pass and prints its counts", async () => {
    const alice = serve.client();
    const thread = await alice.threads.create();
    await alice.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] } });
    // Stopped first, so no scheduled pass can take the lock in its place.
    await serve.stop();
    const before = await checkpointsOf(thread.thread_id);
    expect(before).toBeGreaterThan(1);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/prune.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: scratch.url, STORAGE_KEEP_CHECKPOINTS: "1", OPENAI_API_KEY: "" },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toMatchObject({ event: "storage_pruned", checkpoints: expect.any(Number) as number });
    expect((JSON.parse(stdout) as { checkpoints: number }).checkpoints).toBeGreaterThanOrEqual(before - 1);
    expect(await checkpointsOf(thread.thread_id)).toBe(1);
  }, 60_000);
});
