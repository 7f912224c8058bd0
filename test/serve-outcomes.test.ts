import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, demoResponder, say, startFakeOpenAI, type FakeOpenAI } from "../fake-openai/index.js";
import { createScratchDatabase } from "./db.js";
import { toolResultsIn } from "./harness.js";
import { call, startServe, type ServeProcess } from "./serve-process.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

/**
 * How a run's end reaches its clients and its record, through the SDK against `npm run serve`:
 * the graph's stop reason in the run's metadata, and the truth when the database goes away mid-run.
 * The file has a database of its own, reached through a proxy a test cuts: the runs that cut
 * orphans must be resumed by this file's server, not swept up by servers of files running beside it.
 */
let database: { url: string; drop(): Promise<void> };
let proxy: TcpProxy;
let fake: FakeOpenAI;
let serve: ServeProcess;

const FAIL = "this one the model cannot answer";
const MIDWAY = "what is 12*7? take your time";
/** MIDWAY runs call the calculator, then hang on the next model call until released. */
let hang = { reached: 0, release: false };

beforeAll(async () => {
  database = await createScratchDatabase("keel_outcomes");
  const db = new URL(database.url);
  proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port) });
  db.host = `127.0.0.1:${proxy.port}`;
  fake = await startFakeOpenAI({
    responder: (request, call) => {
      const user = JSON.stringify(request.messages.filter((m) => m.role === "user").at(-1)?.content);
      // A 400 is not retried: the model call fails at once.
      if (user.includes(FAIL)) return { fault: "bad_request", status: 400, message: "model says no" };
      if (!user.includes(MIDWAY)) return demoResponder(request, call);
      const results = toolResultsIn(request) as { data?: { result?: number } }[];
      if (results.length === 0) return callTool("calculator", { expression: "12*7" });
      if (!hang.release) {
        hang.reached++;
        return { fault: "hang" };
      }
      return say(`The answer is ${results[0]?.data?.result}.`);
    },
  });
  serve = await startServe({
    DATABASE_URL: db.toString(),
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.baseUrl,
    MODEL_MAX_RETRIES: "0",
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop("SIGKILL");
  await Promise.all([proxy?.close(), fake?.close()]);
  await database?.drop();
});

type Values = { messages: { type: string; content: unknown }[]; stopReason: string | null };
type Outcome = { stop_reason?: unknown; error?: unknown };
const input = (content: string) => ({ messages: [{ role: "user", content }] });

describe("the run record says how the run ended", () => {
  /** Runs one turn with runs.wait and returns its run as runs.get reports it. */
  const turn = async (threadId: string, payload: Parameters<ReturnType<ServeProcess["client"]>["runs"]["wait"]>[2]) => {
    const client = serve.client();
    let runId = "";
    const values = (await client.runs.wait(threadId, "agent", {
      ...payload,
      onRunCreated: (meta) => (runId = meta.run_id),
    })) as Values;
    return { values, run: await client.runs.get(threadId, runId) };
  };

  it("answer, model_error and a budget stop: status success, the stop reason in the metadata", async () => {
    const client = serve.client();
    const thread = await client.threads.create();

    const answered = await turn(thread.thread_id, { input: input("what is 6*7?"), metadata: { origin: "test" } });
    expect(answered.run.status).toBe("success");
    // Stored beside the caller's own metadata, which stays as sent.
    expect(answered.run.metadata).toMatchObject({ origin: "test", stop_reason: "answer", error: null });

    // The model failing is handled by the graph (a fallback answer, a usable thread): not status error.
    const failed = await turn(thread.thread_id, { input: input(FAIL) });
    expect(failed.values.stopReason).toBe("model_error");
    expect(failed.run.status).toBe("success");
    expect(failed.run.metadata).toMatchObject({
      stop_reason: "model_error",
      error: { code: expect.stringMatching(/model/) as string, message: expect.any(String) as string },
    });

    const capped = await turn(thread.thread_id, {
      input: input("what is 5*5?"),
      context: { budget: { modelCalls: 1 } },
    });
    expect(capped.run.metadata).toMatchObject({
      stop_reason: "budget_model_calls",
      error: { code: "budget_model_calls" },
    });

    // Operators can tell the runs apart from the list alone.
    const listed = await client.runs.list(thread.thread_id);
    expect(listed.map((r) => [r.status, (r.metadata as Outcome).stop_reason])).toEqual([
      ["success", "budget_model_calls"],
      ["success", "model_error"],
      ["success", "answer"],
    ]);
  });

  it("a run paused for approval says so; its resume says how it ended", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    const paused = await turn(thread.thread_id, { input: input("send a note to ines@example.com saying hi") });
    expect(paused.run.status).toBe("success");
    expect(paused.run.metadata).toMatchObject({ stop_reason: "awaiting_approval", error: null });
    const resumed = await turn(thread.thread_id, { command: { resume: { decisions: [{ type: "approve" }] } } });
    expect(resumed.run.metadata).toMatchObject({ stop_reason: "answer" });
  });

  it("a caller cannot set the stop reason itself: 422", async () => {
    const thread = await serve.client().threads.create();
    const res = await call(serve, `/threads/${thread.thread_id}/runs/wait`, {
      json: { assistant_id: "agent", input: input("hi"), metadata: { stop_reason: "answer" } },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/stop_reason/);
  });
});

describe("the database connection lost mid-run", () => {
  it("tells stream and wait clients the run continues and how to join it; the run then completes", async () => {
    const client = serve.client();
    const [streamed, waited] = await Promise.all([client.threads.create(), client.threads.create()]);
    hang = { reached: 0, release: false };

    const events: { event: string; data: unknown }[] = [];
    let streamedRunId = "";
    const streaming = (async () => {
      for await (const part of client.runs.stream(streamed.thread_id, "agent", {
        input: input(MIDWAY),
        streamMode: ["values"],
        onRunCreated: (meta) => (streamedRunId = meta.run_id),
      })) {
        events.push(part);
      }
    })();
    let waitedRunId = "";
    // Settled into a value at once: the answer arrives while the stream is still being read.
    const waiting = client.runs
      .wait(waited.thread_id, "agent", { input: input(MIDWAY), onRunCreated: (meta) => (waitedRunId = meta.run_id) })
      .then(
        () => new Error("runs.wait returned values"),
        (err: Error) => err,
      );
    // Both runs have checkpointed their tool result and hang on the model.
    for (let i = 0; i < 300 && hang.reached < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(hang.reached).toBe(2);

    await proxy.cut();
    hang.release = true;
    try {
      // Answered while the database is still away: nothing waits for it to return.
      await streaming;
      const last = events.at(-1) as { event: string; data: { error: string; message: string } };
      expect(last.event).toBe("error");
      expect(last.data.error).toBe("database_connection_lost");
      expect(last.data.message).toContain(`run ${streamedRunId} continues`);
      expect(last.data.message).toContain(`/threads/${streamed.thread_id}/runs/${streamedRunId}/join`);
      expect(last.data.message).not.toMatch(/shutting down|lock/i);

      // The SDK throws the same, with the code, instead of retrying the run.
      const thrown = await waiting;
      expect(thrown.message).toMatch(/^database_connection_lost: /);
      expect(thrown.message).toContain(`run ${waitedRunId} continues`);
      expect(thrown.message).toContain(`/threads/${waited.thread_id}/runs/${waitedRunId}/join`);
      expect(thrown.message).not.toMatch(/shutting down|lock/i);
    } finally {
      await proxy.restore();
    }

    // Once the database is back, the sweep resumes both runs from their checkpoints.
    for (const [threadId, runId] of [
      [streamed.thread_id, streamedRunId],
      [waited.thread_id, waitedRunId],
    ] as const) {
      const joined = (await client.runs.join(threadId, runId)) as Values;
      expect(String(joined.messages.at(-1)?.content)).toBe("The answer is 84.");
      // Resumed, not restarted: one question, one tool result.
      expect(joined.messages.filter((m) => m.type === "human")).toHaveLength(1);
      expect(joined.messages.filter((m) => m.type === "tool")).toHaveLength(1);
      const run = await client.runs.get(threadId, runId);
      expect([run.status, (run.metadata as Outcome).stop_reason]).toEqual(["success", "answer"]);
      expect(serve.logLines().some((l) => l.event === "run_resumed" && l.run_id === runId)).toBe(true);
    }
  });
});
