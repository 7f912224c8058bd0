/**
 * What browser and UI clients (agent-chat-ui, LangSmith Studio, useStream) need from `npm run serve`:
 * CORS for configured origins, bodies without a JSON content-type, thread search with state,
 * and the assistant and count routes the SDK calls.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lockKeyOf } from "../server/thread-lock.js";
import { call, KEYS, startServe, type ServeProcess } from "./serve-process.js";

const ALLOWED = "http://localhost:3000";
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe({ SERVE_CORS_ORIGINS: `${ALLOWED}, https://smith.langchain.com` });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
});

const preflight = (origin: string) =>
  fetch(`${serve.url}/threads/search`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-api-key,last-event-id",
    },
  });

type Msg = { type: string; content: unknown };

describe("CORS", () => {
  it("answers a preflight from an allowed origin with 204 before auth", async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    const allowed = res.headers.get("access-control-allow-headers")?.split(",") ?? [];
    expect(allowed).toEqual(
      expect.arrayContaining(["content-type", "x-api-key", "authorization", "x-request-id", "last-event-id"]),
    );
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect((await preflight("https://smith.langchain.com")).headers.get("access-control-allow-origin")).toBe(
      "https://smith.langchain.com",
    );
  });

  it("gives another origin no allow-origin header", async () => {
    const res = await preflight("https://evil.example");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const actual = await call(serve, "/threads/search", { json: {}, headers: { origin: "https://evil.example" } });
    expect(actual.status).toBe(200);
    expect(actual.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets an allowed origin read answers, run ids and errors", async () => {
    const thread = await serve.client().threads.create();
    const res = await call(serve, `/threads/${thread.thread_id}/runs`, {
      headers: { origin: ALLOWED },
      json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "what is 2+3?" }] } },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const exposed = res.headers.get("access-control-expose-headers")?.split(",") ?? [];
    expect(exposed).toEqual(expect.arrayContaining(["content-location", "x-request-id", "x-pagination-total"]));
    expect(res.headers.get("content-location")).toMatch(new RegExp(`^/threads/${thread.thread_id}/runs/`));
    const run = (await res.json()) as { run_id: string };
    await serve.client().runs.join(thread.thread_id, run.run_id);
    const stream = await call(serve, `/threads/${thread.thread_id}/runs/stream`, {
      headers: { origin: ALLOWED },
      json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "what is 2+4?" }] } },
    });
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    expect(stream.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(await stream.text()).toContain("event: values");
    const refused = await call(serve, "/threads/search", { key: null, json: {}, headers: { origin: ALLOWED } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });
});

describe("request bodies", () => {
  it("parses JSON whatever the content-type says; a body that is not JSON is 400", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ metadata: { via: "proxy" } }));
    // A Uint8Array body gets no content-type at all, as through agent-chat-ui's /api passthrough.
    const bare = await call(serve, "/threads", { method: "POST", body: bytes });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toMatchObject({ metadata: { via: "proxy" } });
    const plain = await call(serve, "/threads/search", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ metadata: { via: "proxy" } }),
    });
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as unknown[]).length).toBeGreaterThan(0);
    const notJson = await call(serve, "/threads", { method: "POST", body: new TextEncoder().encode("hello") });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: "invalid_json" });
  });
});

describe("thread search and count", () => {
  it("filters by ids, metadata, status and values, sorts, selects, and carries values and interrupts", async () => {
    const client = serve.client();
    const tag = crypto.randomUUID();
    const done = await client.threads.create({ metadata: { tag, n: 1 } });
    await client.runs.wait(done.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 6*7?" }] },
    });
    const paused = await client.threads.create({ metadata: { tag, n: 2 } });
    await client.runs.wait(paused.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to eve@example.com saying hello" }] },
    });
    const empty = await client.threads.create({ metadata: { tag, n: 3 } });

    const all = await client.threads.search<{ messages: Msg[] }>({
      metadata: { tag },
      sortBy: "created_at",
      sortOrder: "asc",
    });
    expect(all.map((t) => t.thread_id)).toEqual([done.thread_id, paused.thread_id, empty.thread_id]);
    // Values let a UI show the first message instead of a UUID.
    expect(all[0]!.values.messages[0]).toMatchObject({ type: "human", content: "what is 6*7?" });
    expect(all[0]!.interrupts).toEqual({});
    expect(all[1]!.status).toBe("interrupted");
    expect(Object.values(all[1]!.interrupts).flat().length).toBeGreaterThan(0);

    const byIds = await client.threads.search({
      ids: [empty.thread_id, done.thread_id],
      sortBy: "thread_id",
      sortOrder: "asc",
    });
    expect(byIds.map((t) => t.thread_id)).toEqual([done.thread_id, empty.thread_id].sort());
    expect((await client.threads.search({ metadata: { tag }, status: "interrupted" })).map((t) => t.thread_id)).toEqual(
      [paused.thread_id],
    );

    const byValues = await client.threads.search({
      metadata: { tag },
      values: { messages: [{ content: "what is 6*7?" }] },
    });
    expect(byValues.map((t) => t.thread_id)).toEqual([done.thread_id]);

    const selected = await client.threads.search({ metadata: { tag, n: 1 }, select: ["thread_id", "values"] });
    expect(selected).toHaveLength(1);
    expect(Object.keys(selected[0]!).sort()).toEqual(["thread_id", "values"]);

    expect(await client.threads.count({ metadata: { tag } })).toBe(3);
    expect(await client.threads.count({ metadata: { tag }, status: "interrupted" })).toBe(1);
    expect(await client.threads.count({ metadata: { tag }, values: { messages: [{ content: "what is 6*7?" }] } })).toBe(
      1,
    );
    // Another user's threads are never counted or found.
    expect(await serve.client(KEYS.bob).threads.count({ metadata: { tag } })).toBe(0);
  });

  it("reports a thread paused by interrupt_before as interrupted", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 1+1?" }] },
      interruptBefore: ["plan"],
    });
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["plan"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
  });
});

describe("POST /runs/cancel", () => {
  it("cancels the caller's runs on a thread through runs.cancelMany, never another user's", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to eve@example.com saying bulk" }] },
    });
    // Bob naming alice's thread and run cancels nothing.
    await serve.client(KEYS.bob).runs.cancelMany({ threadId: thread.thread_id, runIds: [run.run_id] });
    expect(["pending", "running"]).toContain((await client.runs.get(thread.thread_id, run.run_id)).status);
    await client.runs.cancelMany({ threadId: thread.thread_id, runIds: [run.run_id] });
    await client.runs.join(thread.thread_id, run.run_id);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
    expect((await call(serve, "/runs/cancel", { json: {} })).status).toBe(422);
  });
});

describe("assistant routes", () => {
  it("serves schemas, subgraphs and counts through the SDK", async () => {
    const client = serve.client();
    const schemas = await client.assistants.getSchemas("agent");
    expect(schemas.graph_id).toBe("agent");
    const state = schemas.state_schema as { properties?: Record<string, unknown> } | null;
    expect(Object.keys(state?.properties ?? {})).toContain("messages");
    expect(schemas.input_schema).toBeTruthy();
    expect(await client.assistants.getSubgraphs("agent")).toEqual({});
    // The built-in one; other test files create assistants of their own on the shared database.
    const builtIn = { created_by: "system" };
    expect(await client.assistants.count({ metadata: builtIn })).toBe(1);
    expect(await client.assistants.count({ graphId: "agent", metadata: builtIn })).toBe(1);
    expect(await client.assistants.count({ graphId: "other" })).toBe(0);
    expect((await call(serve, "/assistants/nope/schemas")).status).toBe(404);
  });
});

describe("starting the next run right after one ends", () => {
  // Another replica's sweep holds a thread's lock for a moment while it looks at a run that just
  // ended; an approval sent in that moment must start, not get a spurious 409: it is queued and
  // starts once the hold ends.
  it("waits out a brief hold on the thread's lock when no run is active", async () => {
    const client = serve.client();
    const { thread_id: threadId } = await client.threads.create();
    const holder = new pg.Client({ connectionString: inject("databaseUrl") });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKeyOf(threadId)]);
      const unlocked = new Promise((r) => setTimeout(r, 100)).then(() =>
        holder.query("SELECT pg_advisory_unlock($1::bigint)", [lockKeyOf(threadId)]),
      );
      const res = await call(serve, `/threads/${threadId}/runs/wait`, {
        json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "what is 2+2?" }] } },
      });
      expect(res.status).toBe(200);
      const values = (await res.json()) as { messages: { type: string }[] };
      expect(values.messages.map((m) => m.type)).toContain("ai");
      await unlocked;
    } finally {
      await holder.end();
    }
  });
});
