import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { createScratchDatabase } from "./db.js";
import { toolResultsIn } from "./harness.js";
import { startServe, type ServeProcess } from "./serve-process.js";

/**
 * An approved side effect happens exactly once, whatever kills the server around it and however
 * often its step is replayed. A victim server runs the approved send and is killed with SIGKILL at a
 * chosen point; a survivor replica resumes the orphaned run from its last checkpoint. The file has a
 * database of its own, with test-only triggers that open the windows a kill must hit.
 */
let database: { url: string; drop(): Promise<void> };
let admin: pg.Pool;
let listener: pg.Client;
let fake: FakeOpenAI;
let survivor: ServeProcess;
const victims: ServeProcess[] = [];

const NEVER_STOP = "never stop adding";
type Message = { type: string; content: unknown; tool_call_id?: string; name?: string };
type Values = { messages: Message[]; stopReason: string | null };

/** Sends one approved note, then reports it; or, told to, calls the calculator forever. */
const model: Responder = (request) => {
  const firstUser = request.messages.find((m) => m.role === "user");
  if (JSON.stringify(firstUser?.content ?? "").includes(NEVER_STOP)) {
    return request.tools?.length ? callTool("calculator", { expression: "1+1" }) : say("Summary: still adding.");
  }
  const results = toolResultsIn(request) as { ok: boolean; data?: { id?: number } }[];
  if (results.length === 0) return callTool("outbox_send", { to: "once@example.com", subject: "sweep", body: "once" });
  return say(`Queued as message ${results[0]?.data?.id}.`);
};

const modelEnv = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: fake.baseUrl, MODEL_MAX_RETRIES: "0" });

/**
 * Pause points, armed per thread: the outbox INSERT sleeps before it commits ("insert"), or the first
 * checkpoint write after the row exists sleeps ("checkpoint": the effect is committed, the step's
 * result not yet). Every committed row is announced with NOTIFY, delivered at commit.
 */
const TRIGGERS = `
  CREATE TABLE sweep_pause (thread_id text NOT NULL, point text NOT NULL);
  CREATE FUNCTION sweep_outbox_before() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM sweep_pause WHERE thread_id = NEW.thread_id AND point = 'insert') THEN
      PERFORM pg_sleep(0.6);
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER sweep_outbox_before BEFORE INSERT ON keel_outbox FOR EACH ROW EXECUTE FUNCTION sweep_outbox_before();
  CREATE FUNCTION sweep_outbox_after() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('sweep_outbox_committed', NEW.thread_id);
    RETURN NEW;
  END $$;
  CREATE TRIGGER sweep_outbox_after AFTER INSERT ON keel_outbox FOR EACH ROW EXECUTE FUNCTION sweep_outbox_after();
  CREATE FUNCTION sweep_writes_before() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM sweep_pause WHERE thread_id = NEW.thread_id AND point = 'checkpoint')
       AND EXISTS (SELECT 1 FROM keel_outbox WHERE thread_id = NEW.thread_id) THEN
      PERFORM pg_sleep(0.6);
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER sweep_writes_before BEFORE INSERT ON checkpoint_writes FOR EACH ROW EXECUTE FUNCTION sweep_writes_before();
`;

const committed = new Map<string, () => void>();

beforeAll(async () => {
  database = await createScratchDatabase("keel_side_effects");
  fake = await startFakeOpenAI({ responder: model });
  survivor = await startServe({ DATABASE_URL: database.url, ...modelEnv() }); // migrates the database
  admin = new pg.Pool({ connectionString: database.url, max: 4 });
  await admin.query(TRIGGERS);
  listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  listener.on("notification", (n) => committed.get(n.payload ?? "")?.());
  await listener.query("LISTEN sweep_outbox_committed");
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([survivor?.stop("SIGKILL"), ...victims.map((v) => v.stop("SIGKILL"))]);
  await Promise.allSettled([listener?.end(), admin?.end(), fake?.close()]);
  await database?.drop();
});

/** Waits for a backend of this database to be sleeping in a trigger inside a statement on `table`. */
async function sleepingIn(table: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 20_000; await sleep(2)) {
    const { rowCount } = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'
         AND query ILIKE $1`,
      [`%INSERT INTO%${table}%`],
    );
    if (rowCount) return;
  }
  throw new Error(`no statement on ${table} ever paused`);
}

async function rowsOf(threadId: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM keel_outbox WHERE thread_id = $1", [
    threadId,
  ]);
  return Number(rows[0]!.n);
}

async function finished(threadId: string, runId: string): Promise<string> {
  for (const started = Date.now(); Date.now() - started < 40_000; await sleep(100)) {
    const run = await survivor.client().runs.get(threadId, runId);
    if (run.status !== "pending" && run.status !== "running") return run.status;
  }
  throw new Error(`run ${runId} never finished`);
}

type KillPoint =
  | { at: "run_accepted" }
  | { at: "insert_in_flight" }
  | { at: "after_commit"; delayMs: number }
  | { at: "checkpoint_in_flight" };

/** One approved send on a fresh victim, killed at `point`; the survivor finishes the run. */
async function sweepOnce(
  point: KillPoint,
): Promise<{ point: KillPoint; rows: number; toolMessages: number; status: string }> {
  const victim = await startServe({ DATABASE_URL: database.url, ...modelEnv() });
  victims.push(victim);
  const client = victim.client();
  const { thread_id: threadId } = await client.threads.create();
  await client.runs.wait(threadId, "agent", { input: { messages: [{ role: "user", content: "send the note" }] } });
  if (point.at === "insert_in_flight") await admin.query("INSERT INTO sweep_pause VALUES ($1, 'insert')", [threadId]);
  if (point.at === "checkpoint_in_flight") {
    await admin.query("INSERT INTO sweep_pause VALUES ($1, 'checkpoint')", [threadId]);
  }
  const commit = new Promise<void>((resolve) => committed.set(threadId, resolve));
  const run = await client.runs.create(threadId, "agent", {
    command: { resume: { decisions: [{ type: "approve" }] } },
  });
  if (point.at === "insert_in_flight") await sleepingIn("keel_outbox");
  if (point.at === "checkpoint_in_flight") await sleepingIn("checkpoint_writes");
  if (point.at === "after_commit") {
    await commit;
    if (point.delayMs > 0) await sleep(point.delayMs);
  }
  victim.child.kill("SIGKILL");
  await victim.exited;
  const status = await finished(threadId, run.run_id);
  const state = await survivor.client().threads.getState<Values>(threadId);
  const toolMessages = state.values.messages.filter((m) => m.type === "tool" && m.name === "outbox_send").length;
  return { point, rows: await rowsOf(threadId), toolMessages, status };
}

describe("an approved side effect runs exactly once", () => {
  it("SIGKILL before, during and just after the send's commit: one row and one tool message each time", async () => {
    const points: KillPoint[] = [
      { at: "run_accepted" },
      { at: "insert_in_flight" },
      ...[0, 2, 5, 10, 25].map((delayMs) => ({ at: "after_commit" as const, delayMs })),
      { at: "checkpoint_in_flight" },
    ];
    // Two victims at a time: each is a whole server process starting on a 2-core machine.
    const outcomes = [];
    for (let i = 0; i < points.length; i += 2)
      outcomes.push(...(await Promise.all(points.slice(i, i + 2).map(sweepOnce))));
    expect(outcomes).toEqual(points.map((point) => ({ point, rows: 1, toolMessages: 1, status: "success" })));
  }, 180_000);

  it("replaying the step after the approval from its checkpoint does not send again", async () => {
    const client = survivor.client();
    const { thread_id: threadId } = await client.threads.create();
    await client.runs.wait(threadId, "agent", { input: { messages: [{ role: "user", content: "send the note" }] } });
    await client.runs.wait(threadId, "agent", { command: { resume: { decisions: [{ type: "approve" }] } } });
    expect(await rowsOf(threadId)).toBe(1);
    const history = await client.threads.getHistory<Values>(threadId, { limit: 100 });
    const approved = history.find((h) => h.next.length === 1 && h.next[0] === "tools");
    expect(approved).toBeDefined();
    const firstId = (await admin.query<{ id: string }>("SELECT id FROM keel_outbox WHERE thread_id = $1", [threadId]))
      .rows[0]!.id;
    for (let replay = 0; replay < 3; replay++) {
      const requests = fake.requests.length;
      const values = (await client.runs.wait(threadId, "agent", {
        input: null,
        checkpointId: approved!.checkpoint.checkpoint_id!,
      })) as Values;
      // The step ran again (the model was asked anew) and the send answered with its first result.
      expect(fake.requests.length).toBe(requests + 1);
      expect(toolResultsIn(fake.requests.at(-1)!)).toEqual([
        { ok: true, data: { id: Number(firstId), to: "once@example.com" } },
      ]);
      expect(String(values.messages.at(-1)?.content)).toBe(`Queued as message ${firstId}.`);
    }
    expect(await rowsOf(threadId)).toBe(1);
  }, 60_000);
});

describe("budgets under the server", () => {
  it("a model that never stops calling tools ends at the default step budget, run and thread not in error", async () => {
    const client = survivor.client();
    const { thread_id: threadId } = await client.threads.create();
    const values = (await client.runs.wait(threadId, "agent", {
      input: { messages: [{ role: "user", content: NEVER_STOP }] },
    })) as Values & { runUsage: { steps: number } };
    expect(values.stopReason).toBe("budget_steps");
    expect(values.runUsage.steps).toBe(12);
    const [run] = await client.runs.list(threadId);
    expect(run?.status).toBe("success");
    expect((await client.threads.get(threadId)).status).toBe("idle");
  }, 60_000);
});
