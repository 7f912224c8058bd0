/**
 * `POST /threads/{id}/copy` (SDK `threads.copy`) and `GET /threads/{id}/stream` (SDK
 * `threads.joinStream`) on `npm run serve`, through the official SDK and raw requests.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readSse } from "../server/sse.js";
import { storedCheckpointBytes } from "./db.js";
import { outboxOf } from "./sdk-flow.js";
import { call, KEYS, startServe, type ServeProcess } from "./serve-process.js";

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe();
}, 60_000);

afterAll(async () => {
  await serve?.stop();
});

type Message = { id?: string; type: string; content: unknown };
type Values = { messages: Message[] };
type SseEvent = { event: string; data: unknown };

const ask = (client: Client, threadId: string, content: string) =>
  client.runs.wait(threadId, "agent", { input: { messages: [{ role: "user", content }] } });

/** Reads SSE events from a response body until `until` says stop (or the body ends). */
async function readUntil(body: ReadableStream<Uint8Array>, until: (events: SseEvent[]) => boolean) {
  const events: SseEvent[] = [];
  // Leaving the loop early cancels the body.
  for await (const { event, data } of readSse(body)) {
    events.push({ event, data: JSON.parse(data) as unknown });
    if (until(events)) break;
  }
  return events;
}

const ends = (events: SseEvent[]) => events.filter((e) => e.event === "run_done").length;

describe("POST /threads/{id}/copy", () => {
  it("copies metadata, state and history into an independent thread of the caller's", async () => {
    const client = serve.client();
    const tag = crypto.randomUUID();
    const { thread_id: source } = await client.threads.create({ metadata: { tag } });
    await ask(client, source, "what is 12*7?");
    const before = await client.threads.get<Values>(source);
    const historyBefore = await client.threads.getHistory<Values>(source, { limit: 100 });

    const copy = await client.threads.copy(source);
    expect(copy.thread_id).not.toBe(source);
    expect(copy.metadata).toEqual(before.metadata);
    expect(copy.status).toBe("idle");
    expect(copy.values).toEqual(before.values);
    const state = await client.threads.getState<Values>(copy.thread_id);
    const sourceState = await client.threads.getState<Values>(source);
    expect(state.values).toEqual(sourceState.values);
    expect(state.checkpoint.thread_id).toBe(copy.thread_id);
    expect(state.checkpoint.checkpoint_id).toBe(sourceState.checkpoint.checkpoint_id);
    const history = await client.threads.getHistory<Values>(copy.thread_id, { limit: 100 });
    const shape = (h: typeof history) =>
      h.map((s) => ({ id: s.checkpoint.checkpoint_id, parent: s.parent_checkpoint?.checkpoint_id, values: s.values }));
    expect(history.length).toBeGreaterThan(3);
    expect(shape(history)).toEqual(shape(historyBefore));
    expect(history.every((s) => s.checkpoint.thread_id === copy.thread_id)).toBe(true);
    // Both are found by the metadata filter agent-chat-ui lists threads with.
    const listed = await client.threads.search({ metadata: { tag }, limit: 100 });
    expect(listed.map((t) => t.thread_id).sort()).toEqual([source, copy.thread_id].sort());

    // A run on the copy leaves the source as it was.
    await ask(client, copy.thread_id, "what is 2+3?");
    const after = await client.threads.getState<Values>(copy.thread_id);
    expect(after.values.messages.length).toBeGreaterThan(state.values.messages.length);
    expect(String(after.values.messages.at(-1)?.content)).toContain("5");
    expect((await client.threads.getState<Values>(source)).values).toEqual(sourceState.values);
    expect(await client.threads.getHistory(source, { limit: 100 })).toHaveLength(historyBefore.length);
  });

  it("a copy of a thread paused at an approval can be approved, and sends once, from the copy only", async () => {
    const client = serve.client();
    const { thread_id: source } = await client.threads.create();
    await ask(client, source, "send a note to dora@example.com saying hello");
    expect((await client.threads.get(source)).status).toBe("interrupted");

    const copy = await client.threads.copy(source);
    expect(copy.status).toBe("interrupted");
    const interrupts = Object.values(copy.interrupts ?? {}).flat() as { value: { action_requests: unknown[] } }[];
    expect(interrupts[0]?.value.action_requests).toEqual([
      expect.objectContaining({
        name: "outbox_send",
        args: expect.objectContaining({ to: "dora@example.com" }) as unknown,
      }),
    ]);
    const values = (await client.runs.wait(copy.thread_id, "agent", {
      command: { resume: { decisions: [{ type: "approve" }] } },
    })) as Values;
    expect(String(values.messages.at(-1)?.content)).toContain("queued");
    expect(await outboxOf(copy.thread_id)).toEqual(["dora@example.com"]);
    expect(await outboxOf(source)).toEqual([]);
    expect((await client.threads.get(copy.thread_id)).status).toBe("idle");
    // The source is still waiting for its own decision.
    expect((await client.threads.get(source)).status).toBe("interrupted");
  });

  it("copies encrypted checkpoints as encrypted ones the same key reads", async () => {
    const encrypted = await startServe({ CHECKPOINT_ENCRYPTION_KEY: randomBytes(32).toString("hex") });
    try {
      const client = encrypted.client();
      const { thread_id: source } = await client.threads.create();
      await ask(client, source, "send a note to ivy@example.com saying hello");
      const copy = await client.threads.copy(source);
      expect(copy.status).toBe("interrupted");
      // The stored bytes of either thread hold no plaintext of the conversation.
      expect(await storedCheckpointBytes(source)).not.toContain("ivy@example.com");
      const stored = await storedCheckpointBytes(copy.thread_id);
      expect(stored.length).toBeGreaterThan(1000);
      expect(stored).not.toContain("ivy@example.com");
      await client.runs.wait(copy.thread_id, "agent", { command: { resume: { decisions: [{ type: "approve" }] } } });
      expect(await outboxOf(copy.thread_id)).toEqual(["ivy@example.com"]);
      // A server without the key cannot read the copy either.
      const unkeyed = await call(serve, `/threads/${copy.thread_id}/state`);
      expect(unkeyed.ok).toBe(false);
    } finally {
      await encrypted.stop();
    }
  }, 60_000);

  it("is 404 for another user's, unknown or malformed thread; 409 while a run is in progress; never 5xx", async () => {
    const { thread_id: source } = await serve.client().threads.create({ metadata: { owner: "alice" } });
    await expect(serve.client(KEYS.bob).threads.copy(source)).rejects.toThrow(/404/);
    expect((await call(serve, `/threads/${source}/copy`, { method: "POST", key: KEYS.bob })).status).toBe(404);
    expect((await call(serve, `/threads/${crypto.randomUUID()}/copy`, { method: "POST" })).status).toBe(404);
    expect((await call(serve, `/threads/not-a-uuid/copy`, { method: "POST" })).status).toBe(404);
    expect((await call(serve, `/threads/${source}/copy`, { method: "POST", key: null })).status).toBe(401);
    // A body is ignored, whatever it is.
    const junk = await call(serve, `/threads/${source}/copy`, { method: "POST", body: "{not json" });
    expect(junk.status).toBe(200);
    // Bob has no copy of anything of alice's.
    expect(await serve.client(KEYS.bob).threads.search({ metadata: { owner: "alice" } })).toEqual([]);

    // A thread with a run in progress (marked busy, as a run start does) is not copied.
    const db = new pg.Client({ connectionString: inject("databaseUrl") });
    await db.connect();
    try {
      await db.query("UPDATE keel_threads SET status = 'busy' WHERE thread_id = $1", [source]);
      const busy = await call(serve, `/threads/${source}/copy`, { method: "POST" });
      expect(busy.status).toBe(409);
      expect(await busy.json()).toMatchObject({ error: "thread_busy" });
    } finally {
      await db.query("UPDATE keel_threads SET status = 'idle' WHERE thread_id = $1", [source]);
      await db.end();
    }
  });
});

describe("GET /threads/{id}/stream", () => {
  it("gives a client joined before a run that run's events and its end, then the next run's", async () => {
    const client = serve.client();
    const { thread_id: threadId } = await client.threads.create();
    const joined = await call(serve, `/threads/${threadId}/stream`);
    expect(joined.status).toBe(200);
    expect(joined.headers.get("content-type")).toContain("text/event-stream");
    const reading = readUntil(joined.body!, (events) => ends(events) >= 2);

    const first = await client.runs.create(threadId, "agent", {
      input: { messages: [{ role: "user", content: "what is 12*7?" }] },
      streamMode: ["values", "updates"],
    });
    await client.runs.join(threadId, first.run_id);
    const second = await client.runs.create(threadId, "agent", {
      input: { messages: [{ role: "user", content: "what is 2+3?" }] },
    });
    await client.runs.join(threadId, second.run_id);
    const events = await reading;

    const names = events.map((e) => e.event);
    const firstEnd = names.indexOf("run_done");
    expect(events[0]).toEqual({
      event: "metadata",
      data: expect.objectContaining({ run_id: first.run_id }) as unknown,
    });
    expect(events[firstEnd]).toEqual({ event: "run_done", data: { run_id: first.run_id, status: "success" } });
    expect(names.slice(0, firstEnd)).toEqual(expect.arrayContaining(["values", "updates"]));
    const lastValues = events.slice(0, firstEnd).findLast((e) => e.event === "values")?.data as Values;
    expect(String(lastValues.messages.at(-1)?.content)).toContain("84");
    expect(events[firstEnd + 1]).toEqual({
      event: "metadata",
      data: expect.objectContaining({ run_id: second.run_id }) as unknown,
    });
    expect(events.at(-1)).toEqual({ event: "run_done", data: { run_id: second.run_id, status: "success" } });
    expect(names).not.toContain("error");
  });

  it("through the SDK's threads.joinStream, narrowed to the thread stream modes asked for", async () => {
    const client = serve.client();
    const { thread_id: threadId } = await client.threads.create();
    const joined = async (streamMode: ("lifecycle" | "state_update" | "run_modes")[]) => {
      const seen: string[] = [];
      for await (const part of client.threads.joinStream(threadId, { streamMode })) {
        seen.push(part.event);
        if (part.event === "run_done") break;
        if (seen.length > 200) break;
      }
      return seen;
    };
    const lifecycle = joined(["lifecycle"]);
    const both = joined(["lifecycle", "state_update"]);
    // The SDK opens the stream on its first read; give it a moment before the run starts.
    await sleep(500);
    const run = await client.runs.create(threadId, "agent", {
      input: { messages: [{ role: "user", content: "what is 6*7?" }] },
      streamMode: ["values", "updates", "messages-tuple"],
    });
    await client.runs.join(threadId, run.run_id);
    expect(await lifecycle).toEqual(["metadata", "run_done"]);
    const seen = await both;
    expect(seen[0]).toBe("metadata");
    expect(seen).toEqual(expect.arrayContaining(["values", "updates"]));
    expect(seen.filter((e) => e.startsWith("messages"))).toEqual([]);
    expect(seen.at(-1)).toBe("run_done");
  });

  it("joining during a run replays that run from its start", async () => {
    const client = serve.client();
    const { thread_id: threadId } = await client.threads.create();
    const run = await client.runs.create(threadId, "agent", {
      input: { messages: [{ role: "user", content: "what is 3*3?" }] },
    });
    const joined = await call(serve, `/threads/${threadId}/stream`);
    const events = await readUntil(joined.body!, (e) => ends(e) >= 1);
    await client.runs.join(threadId, run.run_id);
    // The whole run from its start, not only what happens after the join.
    expect(events[0]).toEqual({ event: "metadata", data: expect.objectContaining({ run_id: run.run_id }) as unknown });
    expect(events.filter((e) => e.event === "values").length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ event: "run_done", data: { run_id: run.run_id, status: "success" } });
  }, 20_000);

  it("reports a run that another replica executes when it ends, with its final values", async () => {
    const other = await startServe();
    try {
      const { thread_id: threadId } = await serve.client().threads.create();
      const joined = await call(serve, `/threads/${threadId}/stream`);
      const reading = readUntil(joined.body!, (e) => ends(e) >= 1);
      // Give the stream a moment to be listening before the run starts elsewhere.
      await sleep(300);
      const run = await other.client().runs.create(threadId, "agent", {
        input: { messages: [{ role: "user", content: "what is 7*6?" }] },
      });
      await other.client().runs.join(threadId, run.run_id);
      const events = await reading;
      expect(events[0]).toEqual({
        event: "metadata",
        data: expect.objectContaining({ run_id: run.run_id }) as unknown,
      });
      const values = events.findLast((e) => e.event === "values")?.data as Values;
      expect(String(values.messages.at(-1)?.content)).toContain("42");
      expect(events.at(-1)).toEqual({ event: "run_done", data: { run_id: run.run_id, status: "success" } });
    } finally {
      await other.stop();
    }
  }, 40_000);

  it("is 404 for an unknown, malformed or foreign thread and 422 for an unknown stream mode", async () => {
    const { thread_id: threadId } = await serve.client().threads.create();
    expect((await call(serve, `/threads/${crypto.randomUUID()}/stream`)).status).toBe(404);
    expect((await call(serve, `/threads/nope/stream`)).status).toBe(404);
    expect((await call(serve, `/threads/${threadId}/stream`, { key: KEYS.bob })).status).toBe(404);
    const bad = await call(serve, `/threads/${threadId}/stream?stream_mode=bogus`);
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: "invalid_request" });
    // Run stream modes are not thread stream modes.
    expect((await call(serve, `/threads/${threadId}/stream?stream_mode=values`)).status).toBe(422);
    await expect(
      (async () => {
        for await (const _ of serve.client(KEYS.bob).threads.joinStream(threadId)) break;
      })(),
    ).rejects.toThrow(/404/);
  });
});

describe('stream_mode "events"', () => {
  it("is refused with a 422 that names it, before any run starts", async () => {
    const { thread_id: threadId } = await serve.client().threads.create();
    for (const stream_mode of ["events", ["values", "events"]]) {
      const res = await call(serve, `/threads/${threadId}/runs/stream`, {
        json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "hi" }] }, stream_mode },
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { detail: string }).detail).toContain('stream_mode "events" is not supported');
    }
    expect(await serve.client().runs.list(threadId)).toEqual([]);
  });
});
