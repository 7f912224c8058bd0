/**
 * The requests agent-chat-ui and the SDK's React `useStream` really send, replayed with raw fetch
 * against `npm run serve`, in order, with their exact headers and bodies. Learned from:
 * - agent-chat-ui @ fdc87e65307581b02898d33c62b3f285e56bd85b: src/providers/Stream.tsx (GET /info,
 *   useStream with fetchStateHistory: true and onCustomEvent), src/providers/Thread.tsx (thread list:
 *   threads.search {metadata: {graph_id}, limit: 100}), src/components/thread/index.tsx (submit with
 *   streamMode ["values"], streamSubgraphs, streamResumable; regenerate from the message's
 *   parent_checkpoint), agent-inbox/hooks/use-interrupted-actions.tsx and agent-inbox/utils.ts (resume
 *   with input {} and ONE decision, for action_requests[0]; "Mark as Resolved" sends goto "__end__"),
 *   src/app/api/[..._path]/route.ts → langgraph-nextjs-api-passthrough src/index.ts (the proxy
 *   forwards `await req.text()` with only x-api-key: a string body, so content-type text/plain).
 * - @langchain/langgraph-sdk 1.12.4 as installed (dist/react/stream.lgp.js, dist/client/base.js,
 *   dist/client/threads/index.js, dist/client/runs/index.js; same code as langgraphjs @
 *   f8bdf16d4fe23a79e945ea5dc6f86bbf09abb77d libs/sdk/src/react/stream.lgp.tsx): history is
 *   POST /threads/{id}/history {limit: 10}; a new thread is POST /threads {metadata: {}}; the run is
 *   POST /threads/{id}/runs/stream with stream_mode [submit's modes, then "messages-tuple", "values"
 *   (read by rendering messages), then "custom" (onCustomEvent)], `checkpoint` = the thread head's
 *   checkpoint without thread_id, on_disconnect "continue" when stream_resumable else "cancel"; the
 *   run id is read from the content-location header; reconnectOnMount keeps it in sessionStorage
 *   (`lg:stream:{thread_id}`) and rejoins with GET .../runs/{run_id}/stream?cancel_on_disconnect=0
 *   and Last-Event-ID: -1; stop() then posts .../cancel?wait=0&action=interrupt with no body.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoResponder, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { outboxOf } from "./sdk-flow.js";
import { KEYS, startServe, type ServeProcess } from "./serve-process.js";

const NEVER_STOP = "never stop adding";
const TWO_NOTES = "send two notes";

/** The offline demo model, plus a turn that calls two gated tools at once and one that never ends. */
const model: Responder = (request, call) => {
  const last = request.messages.at(-1);
  const lastUser = JSON.stringify([...request.messages].reverse().find((m) => m.role === "user")?.content ?? "");
  if (lastUser.includes(NEVER_STOP)) {
    return request.tools?.length
      ? { toolCalls: [{ name: "calculator", arguments: { expression: "1+1" } }] }
      : { content: "Summary: still adding." };
  }
  if (lastUser.includes(TWO_NOTES) && last?.role !== "tool") {
    return {
      toolCalls: [
        { name: "outbox_send", arguments: { to: "ann@example.com", subject: "One", body: "first" } },
        { name: "outbox_send", arguments: { to: "ben@example.com", subject: "Two", body: "second" } },
      ],
    };
  }
  return demoResponder(request, call);
};

let fake: FakeOpenAI;
let serve: ServeProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ responder: model });
  serve = await startServe({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: fake.baseUrl, MODEL_MAX_RETRIES: "0" });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await fake?.close();
});

type Message = { id?: string; type: string; content: unknown; tool_calls?: { id: string; name: string }[] };
type Values = { messages: Message[]; __interrupt__?: Interrupt[] };
type Interrupt = {
  id?: string;
  value: {
    action_requests: { name: string; args: Record<string, unknown> }[];
    review_configs: { action_name: string; allowed_decisions: string[] }[];
    error?: string;
  };
};
type Checkpoint = { thread_id?: string; checkpoint_ns: string; checkpoint_id: string; checkpoint_map?: unknown };
type HistoryState = {
  values: Values;
  next: string[];
  checkpoint: Checkpoint;
  parent_checkpoint: Checkpoint | null;
  tasks: { id: string; name: string; interrupts: Interrupt[] }[];
};
type SseEvent = { id?: string; event: string; data: unknown };

/** What the SDK's Client puts on every request (apiKey → x-api-key). */
const base = { "x-api-key": KEYS.alice };

/** A request as the SDK's fetch sends it: JSON bodies with content-type application/json. */
function sdk(path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...base, ...init.headers };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  return fetch(`${serve.url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
}

/** The same request through agent-chat-ui's /api passthrough: the body as text, only x-api-key. */
function proxied(path: string, json: unknown) {
  return fetch(`${serve.url}${path}`, { method: "POST", headers: { ...base }, body: JSON.stringify(json) });
}

/** Every SSE event of a response, as the SDK's SSEDecoder reads them (id, event, JSON data). */
async function sse(res: Response): Promise<SseEvent[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events: SseEvent[] = [];
  for (const block of (await res.text()).split("\n\n")) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    if (!event) continue;
    const id = /^id: (.*)$/m.exec(block)?.[1];
    const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join("\n");
    events.push({ ...(id ? { id } : {}), event, data: JSON.parse(data) as unknown });
  }
  return events;
}

/** The run id the SDK's onRunCreated reads from content-location (its REGEX_RUN_METADATA). */
function runIdOf(res: Response, threadId: string): string {
  const match = /(\/threads\/(?<thread_id>.+))?\/runs\/(?<run_id>.+)/.exec(res.headers.get("content-location") ?? "");
  expect(match?.groups?.thread_id).toBe(threadId);
  return match!.groups!.run_id!;
}

/** The last full state streamed. (At a pause the engine sends `values` holding only `__interrupt__`,
 * which useStream merges into the state it has, as these tests do.) */
const lastValues = (events: SseEvent[]) =>
  events.findLast((e) => e.event === "values" && Array.isArray((e.data as Values).messages))?.data as Values;
const streamedInterrupts = (events: SseEvent[]) =>
  events.findLast((e) => e.event === "values" && "__interrupt__" in (e.data as object))?.data as Values | undefined;
const human = (text: string) => ({ id: randomUUID(), type: "human", content: [{ type: "text", text }] });
/** useStream's `checkpoint`: the history head's, with thread_id deleted. */
const headCheckpoint = (history: HistoryState[]) => {
  const { thread_id: _dropped, ...rest } = history[0]!.checkpoint;
  return rest;
};
/** agent-chat-ui's submit (handleSubmit): modes ["values"] + tracked + onCustomEvent's. */
const SUBMIT_MODES = ["values", "messages-tuple", "custom"];
/** The rest of every submit body useStream sends (beside input and checkpoint). */
const SUBMIT = {
  stream_mode: SUBMIT_MODES,
  stream_subgraphs: true,
  stream_resumable: true,
  assistant_id: "agent",
  on_disconnect: "continue",
};
/** getMessagesMetadata: the parent checkpoint of the oldest state holding the message, without thread_id. */
const parentCheckpointOf = (states: HistoryState[], messageId: string | undefined) => {
  const firstSeen = states.findLast((s) => s.values.messages.some((m) => m.id === messageId))!;
  const { thread_id: _dropped, ...parent } = firstSeen.parent_checkpoint!;
  return parent;
};
/** A resume (submit({}, {command})): no streamMode of its own, so tracked + custom. */
const RESUME_MODES = ["messages-tuple", "values", "custom"];

async function history(threadId: string, send = sdk): Promise<HistoryState[]> {
  const res = await send(`/threads/${threadId}/history`, { json: { limit: 10 } });
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryState[];
}
const historyProxied = (threadId: string) =>
  history(threadId, ((path: string, init: { json: unknown }) => proxied(path, init.json)) as typeof sdk);

/** Page load + first message on a new thread, as agent-chat-ui sends them; returns the thread. */
async function firstMessage(text: string): Promise<{ threadId: string; events: SseEvent[]; runId: string }> {
  const created = await sdk("/threads", { json: { metadata: {} } });
  expect(created.status).toBe(200);
  const { thread_id: threadId } = (await created.json()) as { thread_id: string };
  const message = human(text);
  const res = await sdk(`/threads/${threadId}/runs/stream`, {
    json: {
      input: { messages: [message] },
      ...SUBMIT,
    },
  });
  const runId = runIdOf(res, threadId);
  const events = await sse(res);
  expect(events[0]).toEqual({ event: "metadata", data: expect.objectContaining({ run_id: runId }) as unknown });
  expect(events.map((e) => e.event)).not.toContain("error");
  // The optimistic human message is replaced by the server's, matched on its id.
  expect(lastValues(events).messages[0]).toMatchObject({ id: message.id, type: "human" });
  return { threadId, events, runId };
}

describe("agent-chat-ui: page load, chat, thread list, reopen", () => {
  it("answers each request of the sequence the way the UI reads it", async () => {
    // Page load: the connection check, then the thread list.
    const info = await fetch(`${serve.url}/info`, { headers: { "X-Api-Key": KEYS.alice } });
    expect(info.ok).toBe(true);
    const list = await sdk("/threads/search", { json: { metadata: { graph_id: "agent" }, limit: 100, offset: 0 } });
    expect(list.status).toBe(200);
    expect(Array.isArray(await list.json())).toBe(true);

    // First message: tokens arrive as messages-tuple events, values carry the whole state.
    const { threadId, events } = await firstMessage("what is 12*7?");
    // With stream_subgraphs the engine names them `messages|<node>:<task id>`; useStream matches the prefix.
    const tuples = events.filter((e) => e.event === "messages" || e.event.startsWith("messages|"));
    expect(tuples.length).toBeGreaterThan(1);
    for (const t of tuples) {
      expect(t.data).toEqual([expect.objectContaining({ type: expect.any(String) as unknown }), expect.any(Object)]);
    }
    expect(String(lastValues(events).messages.at(-1)?.content)).toContain("84");

    // onSuccess refetches the history; the newest state is first and is the thread head.
    const states = await history(threadId);
    expect(states.length).toBeGreaterThan(2);
    expect(states[0]!.values.messages.at(-1)).toMatchObject({ type: "ai" });
    expect(states[0]!.next).toEqual([]);
    expect(states[0]!.checkpoint).toMatchObject({ thread_id: threadId, checkpoint_ns: "" });
    expect(states[0]!.parent_checkpoint?.checkpoint_id).toBe(states[1]!.checkpoint.checkpoint_id);

    // The thread list (refetched after onThreadId) finds it by graph_id, with its first message.
    const again = (await (
      await sdk("/threads/search", { json: { metadata: { graph_id: "agent" }, limit: 100, offset: 0 } })
    ).json()) as { thread_id: string; values: Values | null }[];
    const listed = again.find((t) => t.thread_id === threadId);
    expect(listed?.values?.messages[0]).toMatchObject({ type: "human" });
    // Configured with the assistant's UUID instead (getThreadSearchMetadata), it searches assistant_id.
    const { assistant_id: assistantId } = (await (await sdk("/assistants/agent")).json()) as { assistant_id: string };
    const byAssistant = (await (
      await sdk("/threads/search", { json: { metadata: { assistant_id: assistantId }, limit: 100, offset: 0 } })
    ).json()) as { thread_id: string }[];
    expect(byAssistant.map((t) => t.thread_id)).toContain(threadId);

    // A second message carries the head's checkpoint.
    const second = await sdk(`/threads/${threadId}/runs/stream`, {
      json: {
        input: { messages: [human("what is 2+3?")] },
        ...SUBMIT,
        checkpoint: headCheckpoint(states),
      },
    });
    const secondEvents = await sse(second);
    expect(secondEvents.map((e) => e.event)).not.toContain("error");
    const values = lastValues(secondEvents);
    expect(values.messages.filter((m) => m.type === "human")).toHaveLength(2);
    expect(String(values.messages.at(-1)?.content)).toContain("5");
  });

  it("works the same through the /api passthrough (string bodies, no JSON content-type)", async () => {
    const created = await proxied("/threads", { metadata: {} });
    expect(created.status).toBe(200);
    const { thread_id: threadId } = (await created.json()) as { thread_id: string };
    const res = await proxied(`/threads/${threadId}/runs/stream`, {
      input: { messages: [human("what is 6*7?")] },
      ...SUBMIT,
    });
    const events = await sse(res);
    expect(String(lastValues(events).messages.at(-1)?.content)).toContain("42");
    const states = await historyProxied(threadId);
    expect(states[0]!.values.messages).toHaveLength(lastValues(events).messages.length);
    const list = await proxied("/threads/search", { metadata: { graph_id: "agent" }, limit: 100, offset: 0 });
    expect(((await list.json()) as { thread_id: string }[]).map((t) => t.thread_id)).toContain(threadId);
  });

  it("regenerates from the message's parent checkpoint, making a branch", async () => {
    const { threadId } = await firstMessage("what is 9*9?");
    const states = await history(threadId);
    const answer = states[0]!.values.messages.at(-1)!;
    // Regenerate sends the parent checkpoint of the oldest state holding the answer.
    const parent = parentCheckpointOf(states, answer.id);
    const res = await sdk(`/threads/${threadId}/runs/stream`, {
      json: {
        ...SUBMIT,
        checkpoint: parent,
      },
    });
    const events = await sse(res);
    expect(events.map((e) => e.event)).not.toContain("error");
    const values = lastValues(events);
    expect(values.messages).toHaveLength(states[0]!.values.messages.length);
    expect(values.messages.at(-1)?.id).not.toBe(answer.id);
    expect(String(values.messages.at(-1)?.content)).toContain("81");
    // Two states now descend from that parent: the original answer and the regenerated one; the
    // head is the regenerated answer (it was the original one until channel versions were made
    // unique per branch: checkpoint/branch-versions.ts).
    const all = (await (await sdk(`/threads/${threadId}/history`, { json: { limit: 100 } })).json()) as HistoryState[];
    const children = all.filter((s) => s.parent_checkpoint?.checkpoint_id === parent.checkpoint_id);
    expect(children.length).toBe(2);
    expect(all[0]!.values.messages.at(-1)?.id).toBe(values.messages.at(-1)?.id);
  });
});

describe("agent-chat-ui: editing a sent message", () => {
  it("resubmits from the message's parent checkpoint: the edit replaces it and what followed", async () => {
    const { threadId } = await firstMessage("what is 9*9?");
    const states = await history(threadId);
    const sent = states[0]!.values.messages[0]!;
    const parent = parentCheckpointOf(states, sent.id);
    // handleSubmitEdit: a new human message without an id, from that checkpoint.
    const res = await sdk(`/threads/${threadId}/runs/stream`, {
      json: {
        input: { messages: [{ type: "human", content: "what is 9*8?" }] },
        ...SUBMIT,
        checkpoint: parent,
      },
    });
    const events = await sse(res);
    expect(events.map((e) => e.event)).not.toContain("error");
    const head = (await history(threadId))[0]!.values;
    expect(head.messages.filter((m) => m.type === "human").map((m) => m.content)).toEqual(["what is 9*8?"]);
    expect(String(head.messages.at(-1)?.content)).toContain("72");
    expect(head.messages.map((m) => m.id)).toEqual(lastValues(events).messages.map((m) => m.id));
  });
});

describe("agent-chat-ui: approvals", () => {
  /** Submits a message that pauses, and returns the interrupt as the UI finds it. */
  async function paused(text: string) {
    const { threadId, events } = await firstMessage(text);
    // useStream's `interrupt` comes from values.__interrupt__ while streaming...
    const streamed = streamedInterrupts(events)?.__interrupt__;
    expect(streamed).toHaveLength(1);
    // ...and from the history head's tasks once the history is refetched.
    const states = await history(threadId);
    expect(states[0]!.next).toEqual(["approve"]);
    const fromHistory = states[0]!.tasks.flatMap((t) => t.interrupts);
    expect(fromHistory).toHaveLength(1);
    expect(fromHistory[0]!.value).toEqual(streamed![0]!.value);
    return { threadId, interrupt: fromHistory[0]!, states };
  }

  /** use-interrupted-actions' resumeRun: submit({}, {command: {resume: {decisions}}}). */
  async function resume(threadId: string, states: HistoryState[], decisions: unknown[]) {
    const res = await sdk(`/threads/${threadId}/runs/stream`, {
      json: {
        input: {},
        command: { resume: { decisions } },
        stream_mode: RESUME_MODES,
        stream_resumable: false,
        assistant_id: "agent",
        checkpoint: headCheckpoint(states),
        on_disconnect: "cancel",
      },
    });
    const events = await sse(res);
    expect(events.map((e) => e.event)).not.toContain("error");
    return { events, states: await history(threadId) };
  }

  it("Approve: one decision for the one call, the note is sent once", async () => {
    const { threadId, interrupt, states } = await paused("send a note to dora@example.com saying hello");
    // What isAgentInboxInterruptSchema checks before showing the approval view.
    expect(interrupt.value.action_requests[0]).toMatchObject({ name: "outbox_send", args: { to: "dora@example.com" } });
    expect(interrupt.value.review_configs[0]).toMatchObject({
      action_name: "outbox_send",
      allowed_decisions: expect.arrayContaining(["approve", "edit", "reject"]) as unknown,
    });
    const after = await resume(threadId, states, [{ type: "approve" }]);
    expect(String(lastValues(after.events).messages.at(-1)?.content)).toContain("queued");
    expect(after.states[0]!.next).toEqual([]);
    expect(after.states[0]!.tasks.flatMap((t) => t.interrupts)).toEqual([]);
    expect(await outboxOf(threadId)).toEqual(["dora@example.com"]);
  });

  it("Reject with a reason, and Edit of the arguments", async () => {
    const rejected = await paused("send a note to erin@example.com saying hi");
    await resume(rejected.threadId, rejected.states, [{ type: "reject", message: "not today" }]);
    expect(await outboxOf(rejected.threadId)).toEqual([]);
    const last = (await history(rejected.threadId))[0]!.values.messages.at(-1);
    expect(String(last?.content)).toContain("not today");

    const edited = await paused("send a note to fred@example.com saying hi");
    const action = edited.interrupt.value.action_requests[0]!;
    await resume(edited.threadId, edited.states, [
      { type: "edit", edited_action: { name: action.name, args: { ...action.args, to: "gina@example.com" } } },
    ]);
    expect(await outboxOf(edited.threadId)).toEqual(["gina@example.com"]);
  });

  it("several calls: the UI answers action_requests[0] only; the rest are asked for next, one at a time", async () => {
    const { threadId, interrupt, states } = await paused(`${TWO_NOTES} please`);
    expect(interrupt.value.action_requests.map((a) => a.args.to)).toEqual(["ann@example.com", "ben@example.com"]);
    // The UI builds one decision, for the first request it shows.
    const first = await resume(threadId, states, [{ type: "approve" }]);
    const stillPaused = first.states[0]!;
    expect(stillPaused.next).toEqual(["approve"]);
    const next = stillPaused.tasks.flatMap((t) => t.interrupts);
    expect(next).toHaveLength(1);
    expect(next[0]!.value.error).toBeUndefined();
    expect(next[0]!.value.action_requests.map((a) => a.args.to)).toEqual(["ben@example.com"]);
    // Nothing runs before every call is decided.
    expect(await outboxOf(threadId)).toEqual([]);
    await resume(threadId, first.states, [{ type: "reject", message: "only ann" }]);
    expect(await outboxOf(threadId)).toEqual(["ann@example.com"]);
    const done = (await history(threadId))[0]!;
    expect(done.next).toEqual([]);
    expect(String(done.values.messages.at(-1)?.content)).toContain("only ann");
  });

  it('"Mark as Resolved" (command.goto "__end__") is a 422 that says what to send instead', async () => {
    const { threadId, states } = await paused("send a note to hank@example.com saying hi");
    const res = await sdk(`/threads/${threadId}/runs/stream`, {
      json: {
        input: {},
        command: { goto: "__end__" },
        stream_mode: RESUME_MODES,
        stream_resumable: false,
        assistant_id: "agent",
        checkpoint: headCheckpoint(states),
        on_disconnect: "cancel",
      },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/command\.resume/);
    expect((await history(threadId))[0]!.next).toEqual(["approve"]);
    expect(await outboxOf(threadId)).toEqual([]);
  });
});

describe("useStream with reconnectOnMount: rejoin after a reload, then stop", () => {
  it("rejoins the run from its start with Last-Event-ID -1 and cancels it", async () => {
    const { thread_id: threadId } = (await (await sdk("/threads", { json: { metadata: {} } })).json()) as {
      thread_id: string;
    };
    const controller = new AbortController();
    const res = await fetch(`${serve.url}/threads/${threadId}/runs/stream`, {
      method: "POST",
      headers: { ...base, "content-type": "application/json" },
      body: JSON.stringify({
        input: { messages: [human(NEVER_STOP)] },
        stream_mode: ["values", "messages-tuple"],
        stream_resumable: true,
        assistant_id: "agent",
        on_disconnect: "continue",
      }),
      signal: controller.signal,
    });
    // onRunCreated stores the run id (sessionStorage lg:stream:{thread_id}); then the page reloads.
    const runId = runIdOf(res, threadId);
    controller.abort();

    const rejoin = new AbortController();
    const joined = await fetch(`${serve.url}/threads/${threadId}/runs/${runId}/stream?cancel_on_disconnect=0`, {
      headers: { ...base, "Last-Event-ID": "-1" },
      signal: rejoin.signal,
    });
    expect(joined.status).toBe(200);
    expect(joined.headers.get("content-type")).toContain("text/event-stream");
    // The run goes on although the first stream was dropped (on_disconnect: continue).
    const run = (await (await sdk(`/threads/${threadId}/runs/${runId}`)).json()) as { status: string };
    expect(run.status).toBe("running");

    // stop(): cancel the stored run; the SDK posts with no body and no content-type.
    const cancel = await fetch(`${serve.url}/threads/${threadId}/runs/${runId}/cancel?wait=0&action=interrupt`, {
      method: "POST",
      headers: base,
    });
    expect(cancel.status).toBe(202);
    const events = await sse(joined);
    expect(events[0]).toEqual({ event: "metadata", data: expect.objectContaining({ run_id: runId }) as unknown });
    expect(events.some((e) => e.event === "values")).toBe(true);
    const ended = (await (await sdk(`/threads/${threadId}/runs/${runId}`)).json()) as { status: string };
    expect(ended.status).toBe("interrupted");
    // Then the history is refetched: a readable head, and the thread takes the next message.
    expect((await history(threadId)).length).toBeGreaterThan(0);
    const next = await sdk(`/threads/${threadId}/runs/stream`, {
      json: { input: { messages: [human("what is 1+2?")] }, stream_mode: SUBMIT_MODES, assistant_id: "agent" },
    });
    expect(String(lastValues(await sse(next)).messages.at(-1)?.content)).toContain("3");
  }, 30_000);
});
