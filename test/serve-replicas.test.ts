import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { createScratchDatabase } from "./db.js";
import { toolResultsIn } from "./harness.js";
import { outboxOf } from "./sdk-flow.js";
import { call, startServe, type ServeProcess } from "./serve-process.js";

/**
 * Two `serve` processes on one database behave as one service, across approvals, kills and drains.
 * The file has a database of its own: the runs it orphans on purpose must be resumed by its own
 * servers, not swept up by the servers of test files running beside it.
 */
let database: { url: string; drop(): Promise<void> };
let fake: FakeOpenAI;
let servers: ServeProcess[] = [];
let hang: { reached: Promise<void>; release: boolean };

/**
 * Calls the calculator, then (on the model call after the tool) hangs while `hang.release` is false,
 * so a test can kill or drain the process with the run mid-way, its tool result already checkpointed.
 */
const midwayModel: Responder = async (request) => {
  const asked = JSON.stringify(request.messages);
  if (asked.includes("just say hello")) return say("Hello.");
  if (asked.includes("slowly say hello")) {
    await new Promise((r) => setTimeout(r, 250));
    return say("Hello.");
  }
  const results = toolResultsIn(request) as { data?: { result?: number } }[];
  if (results.length === 0) return callTool("calculator", { expression: "12*7" });
  if (!hang.release) {
    signalReached();
    return { fault: "hang" };
  }
  return say(`The answer is ${results[0]?.data?.result}.`);
};
let signalReached = () => undefined as void;
const armHang = () => {
  hang = { reached: new Promise<void>((r) => (signalReached = r)), release: false };
};

const modelEnv = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: fake.baseUrl, MODEL_MAX_RETRIES: "0" });
const start = async (env: Record<string, string> = {}) => {
  const s = await startServe({ DATABASE_URL: database.url, ...env });
  servers.push(s);
  return s;
};

beforeAll(async () => {
  database = await createScratchDatabase("keel_replicas");
  fake = await startFakeOpenAI({ responder: midwayModel });
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop("SIGKILL")));
  servers = [];
});
afterAll(async () => {
  await fake?.close();
  await database?.drop();
});

type Values = { messages: { type: string; content: unknown }[]; stopReason: string | null };

describe("replicas on one database", () => {
  it("a run paused for approval on one replica is resumed on the other", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const thread = await a.client().threads.create();
    await a.client().runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to finn@example.com saying replicas" }] },
    });
    expect((await b.client().threads.get(thread.thread_id)).status).toBe("interrupted");
    const resumed = (await b.client().runs.wait(thread.thread_id, "agent", {
      command: { resume: { decisions: [{ type: "approve" }] } },
    })) as Values;
    expect(String(resumed.messages.at(-1)?.content)).toContain("queued");
    expect(await outboxOf(thread.thread_id, database.url)).toEqual(["finn@example.com"]);
    // Both replicas read the same thread and history.
    const [fromA, fromB] = await Promise.all([
      a.client().threads.getHistory(thread.thread_id),
      b.client().threads.getHistory(thread.thread_id),
    ]);
    expect(fromA.map((h) => h.checkpoint.checkpoint_id)).toEqual(fromB.map((h) => h.checkpoint.checkpoint_id));
  });

  it("two replicas racing to start a run on one thread: one starts it, the other answers 409", async () => {
    armHang();
    const [a, b] = await Promise.all([start(modelEnv()), start(modelEnv())]);
    const thread = await a.client().threads.create();
    const body = {
      assistant_id: "agent",
      input: { messages: [{ role: "user", content: "what is 12*7? use the calculator" }] },
    };
    const answers = await Promise.all([a, b].map((s) => call(s, `/threads/${thread.thread_id}/runs`, { json: body })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = (await answers.find((r) => r.status === 200)!.json()) as { run_id: string };
    await hang.reached;
    // The thread stays busy for both replicas until the run ends; then it is free again.
    const third = await call(b, `/threads/${thread.thread_id}/runs`, { json: body });
    expect(third.status).toBe(409);
    await a.client().runs.cancel(thread.thread_id, winner.run_id, true);
    expect((await b.client().runs.get(thread.thread_id, winner.run_id)).status).toBe("interrupted");
    const state = await b.client().threads.getState<Values>(thread.thread_id);
    expect(state.values.messages.filter((m) => m.type === "human")).toHaveLength(1);
  });

  it("a run killed with SIGKILL mid-way resumes from its last checkpoint after restart; nothing is lost", async () => {
    armHang();
    fake.requests.length = 0;
    const a = await start(modelEnv());
    const thread = await a.client().threads.create();
    const run = await a.client().runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 12*7? use the calculator" }] },
    });
    await hang.reached;
    a.child.kill("SIGKILL");
    expect((await a.exited).signal).toBe("SIGKILL");
    expect(fake.requests).toHaveLength(2);
    hang.release = true;
    const b = await start(modelEnv());
    const joined = (await b.client().runs.join(thread.thread_id, run.run_id)) as Values;
    expect(String(joined.messages.at(-1)?.content)).toBe("The answer is 84.");
    const after = await b.client().runs.get(thread.thread_id, run.run_id);
    expect(after.status).toBe("success");
    // Resumed, not restarted: one more model call, which already carried the pre-kill tool result.
    expect(fake.requests).toHaveLength(3);
    expect(toolResultsIn(fake.requests[2]!)).toEqual([{ ok: true, data: { expression: "12*7", result: 84 } }]);
    const state = await b.client().threads.getState<Values>(thread.thread_id);
    expect(state.values.messages.filter((m) => m.type === "human").map((m) => m.content)).toEqual([
      "what is 12*7? use the calculator",
    ]);
    expect(state.values.messages.filter((m) => m.type === "tool")).toHaveLength(1);
    expect(b.logLines().some((l) => l.event === "run_resumed" && l.run_id === run.run_id)).toBe(true);
  });

  it("SIGTERM drains: the process exits cleanly, its waiting caller is told, another replica finishes the run", async () => {
    armHang();
    const a = await start({ ...modelEnv(), SERVE_SHUTDOWN_GRACE_MS: "1500", SERVE_MAX_CONCURRENT_RUNS: "1" });
    const b = await start(modelEnv());
    const thread = await a.client().threads.create();
    const other = await a.client().threads.create();
    const input = { messages: [{ role: "user", content: "what is 12*7? use the calculator" }] };
    let runId = "";
    // Through the SDK: it must throw the hand-off, not retry the run (it retries a 503 by posting again).
    const waiting = a
      .client()
      .runs.wait(thread.thread_id, "agent", { input, onRunCreated: (meta) => (runId = meta.run_id) })
      .then(
        () => new Error("runs.wait returned values"),
        (err: Error) => err,
      );
    await hang.reached;
    // One run is A's limit: a second, on another thread, is queued, visibly, and B, which has room, takes it.
    const queued = await call(a, `/threads/${other.thread_id}/runs`, {
      json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "just say hello" }] } },
    });
    expect(queued.status).toBe(200);
    const queuedRun = (await queued.json()) as { run_id: string; status: string };
    expect(queuedRun.status).toBe("pending");
    const hello = (await a.client().runs.join(other.thread_id, queuedRun.run_id)) as Values;
    expect(String(hello.messages.at(-1)?.content)).toBe("Hello.");
    expect(b.logLines().some((l) => l.event === "run_started" && l.run_id === queuedRun.run_id)).toBe(true);
    expect(a.logLines().some((l) => l.event === "run_started" && l.run_id === queuedRun.run_id)).toBe(false);
    hang.release = true;
    const started = Date.now();
    a.child.kill("SIGTERM");
    // While it drains (the hung run has the grace period), readiness fails and new runs are refused.
    for (let i = 0; i < 100 && !a.output().includes('"serve_draining"'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const ready = await call(a, "/ready", { key: null });
    expect([ready.status, await ready.json()]).toEqual([503, { ok: false, reason: "draining" }]);
    const late = await call(a, `/threads/${other.thread_id}/runs`, { json: { assistant_id: "agent", input } });
    expect([late.status, ((await late.json()) as { error: string }).error]).toEqual([503, "shutting_down"]);
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(a.logLines().map((l) => l.event)).toEqual(expect.arrayContaining(["serve_draining", "serve_stopped"]));
    const answer = await waiting;
    expect(answer.message).toMatch(/^run_handed_off: This server is shutting down; run [0-9a-f-]{36} continues/);
    expect(answer.message).toContain(`run ${runId} continues`);
    expect(answer.message).toContain(`GET /threads/${thread.thread_id}/runs/${runId}/join`);
    const joined = (await b.client().runs.join(thread.thread_id, runId)) as Values;
    expect(String(joined.messages.at(-1)?.content)).toBe("The answer is 84.");
    expect((await b.client().runs.get(thread.thread_id, runId)).status).toBe("success");
    expect(b.logLines().some((l) => l.event === "run_resumed" && l.run_id === runId)).toBe(true);
    // One question asked once: the caller was not led to post it again.
    expect(joined.messages.filter((m) => m.type === "human")).toHaveLength(1);
  });

  it("a run whose process died before its first checkpoint is started again from its stored input", async () => {
    armHang();
    hang.release = true;
    const a = await start(modelEnv());
    const thread = await a.client().threads.create();
    const runId = crypto.randomUUID();
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      // As the row looks when a process dies between recording a run and its first checkpoint.
      const kwargs = {
        input: { messages: [{ role: "user", content: "what is 12*7? use the calculator" }] },
        config: {},
        stream_mode: ["values"],
        stream_subgraphs: false,
        on_disconnect: "continue",
        role: "member",
      };
      await pool.query(
        `INSERT INTO keel_runs (run_id, thread_id, owner_id, assistant_id, status, kwargs, attempt)
         VALUES ($1, $2, 'alice', 'agent', 'running', $3, 1)`,
        [runId, thread.thread_id, kwargs],
      );
      const joined = (await a.client().runs.join(thread.thread_id, runId)) as Values;
      expect(String(joined.messages.at(-1)?.content)).toBe("The answer is 84.");
      expect(joined.messages.filter((m) => m.type === "human").map((m) => m.content)).toEqual([
        "what is 12*7? use the calculator",
      ]);
      expect(a.logLines().find((l) => l.event === "run_resumed" && l.run_id === runId)).toMatchObject({
        attempt: 2,
        continuing: false,
      });
    } finally {
      await pool.end();
    }
  });

  it("a run that keeps killing its process is failed after three attempts, not resumed forever", async () => {
    const a = await start(modelEnv());
    const thread = await a.client().threads.create();
    const runId = crypto.randomUUID();
    const modelCalls = fake.requests.length;
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      // As a run looks after its third process died mid-way: active, and nobody holds its lock.
      await pool.query(
        `INSERT INTO keel_runs (run_id, thread_id, owner_id, assistant_id, status, kwargs, attempt)
         VALUES ($1, $2, 'alice', 'agent', 'running', $3, 3)`,
        [runId, thread.thread_id, { input: { messages: [{ role: "user", content: "hi" }] }, role: "member" }],
      );
      const run = await a.client().runs.join(thread.thread_id, runId);
      expect(run).toEqual({
        __error__: { error: "run_failed", message: expect.stringContaining("3 attempts") as string },
      });
      expect((await a.client().runs.get(thread.thread_id, runId)).status).toBe("error");
      expect(fake.requests.length).toBe(modelCalls);
    } finally {
      await pool.end();
    }
  });

  // Under load, SIGTERM closed some callers' sockets with no answer; now each is told where its run is.
  it("SIGTERM under load: each of 40 callers gets an answer, and each run ends once, on the next replica", async () => {
    const a = await start({ ...modelEnv(), SERVE_MAX_CONCURRENT_RUNS: "4", SERVE_SHUTDOWN_GRACE_MS: "200" });
    const threads = await Promise.all(Array.from({ length: 40 }, () => a.client().threads.create()));
    const answers = threads.map(async ({ thread_id }) => {
      // Plain fetch, no retries: what a caller gets is what the server answered.
      const res = await call(a, `/threads/${thread_id}/runs/wait`, {
        json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "slowly say hello" }] } },
      });
      const body = (await res.json()) as Values & { __error__?: { error: string } };
      return { threadId: thread_id, status: res.status, location: res.headers.get("content-location"), body };
    });
    await new Promise((r) => setTimeout(r, 1_000));
    a.child.kill("SIGTERM");
    const settled = await Promise.allSettled(answers);
    expect(settled.filter((r) => r.status === "rejected")).toEqual([]);
    const results = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const done = results.filter((r) => r.status === 200 && !r.body.__error__);
    const handedOff = results.filter((r) => r.body.__error__?.error === "run_handed_off");
    // Every caller got either its answer or the hand-off with the run to join; nothing else.
    expect(done.length + handedOff.length).toBe(40);
    expect(done.length).toBeGreaterThan(0);
    expect(handedOff.length).toBeGreaterThan(0);
    for (const r of done) expect(String(r.body.messages.at(-1)?.content)).toBe("Hello.");
    // The next replica finishes every handed-off run; none is left queued or running.
    const b = await start(modelEnv());
    for (const r of handedOff) {
      const runId = r.location!.split("/").at(-1)!;
      const joined = (await b.client().runs.join(r.threadId, runId)) as Values;
      expect(String(joined.messages.at(-1)?.content)).toBe("Hello.");
    }
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM keel_runs WHERE status IN ('pending', 'running')`,
      );
      expect(rows[0]!.n).toBe("0");
    } finally {
      await pool.end();
    }
    // Each question asked and answered once.
    for (const { thread_id } of threads) {
      const state = await b.client().threads.getState<Values>(thread_id);
      expect(state.values.messages.map((m) => m.type)).toEqual(["human", "ai"]);
    }
  });
});
