import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../checkpoint/index.js";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from "../fake-openai/index.js";
import { openTestDatabase } from "./db.js";
import { toolResultsIn } from "./harness.js";
import { call, KEYS, startServe, type ServeProcess } from "./serve-process.js";

/**
 * Assistants as named settings of the graph, through the official SDK against `npm run serve`:
 * CRUD, versions and search; ownership as for threads; validation; and runs that use the
 * assistant's prompt, tool set and model, fixed at the run's start.
 */
let fake: FakeOpenAI;
let serve: ServeProcess;
let db: Database;

/** Each test's marker, in the user message, picks the fake model's behaviour and its requests. */
const TOOL_MISUSE = "please use the calculator for 1+1";
const VERSIONED = "versioned run: compute 2+2";
let gate: { reached: boolean; open: () => void; opened: Promise<void> } = newGate();
function newGate() {
  let open = () => undefined as void;
  const opened = new Promise<void>((r) => (open = r));
  return { reached: false, open, opened };
}

const userText = (request: RecordedRequest) =>
  JSON.stringify(request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
const systemText = (request: RecordedRequest) =>
  JSON.stringify(request.messages.find((m) => m.role === "system")?.content ?? "");
const requestsWith = (marker: string) => fake.requests.filter((r) => userText(r).includes(marker));
const toolNames = (request: RecordedRequest) => (request.tools ?? []).map((t) => t.function?.name);

beforeAll(async () => {
  fake = await startFakeOpenAI({
    responder: async (request) => {
      const user = userText(request);
      const results = toolResultsIn(request);
      if (user.includes(TOOL_MISUSE)) {
        // Names a tool it was not offered: the engine must refuse it.
        return results.length === 0 ? callTool("calculator", { expression: "1+1" }) : say("done");
      }
      if (user.includes(VERSIONED)) {
        if (results.length > 0) return say("four");
        gate.reached = true;
        await gate.opened;
        return callTool("calculator", { expression: "2+2" });
      }
      return { content: "ok", usage: { prompt_tokens: 1_000, completion_tokens: 1_000 } };
    },
  });
  db = await openTestDatabase();
  serve = await startServe({
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.baseUrl,
    MODEL: "gpt-4o-mini",
    SERVE_ASSISTANT_MODELS: "gpt-4o",
    MODEL_MAX_RETRIES: "0",
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await fake?.close();
  await db?.close();
});

const errorShape = { error: expect.any(String) as string, detail: expect.any(String) as string };
const input = (content: string) => ({ messages: [{ role: "user", content }] });
const BUILT_IN = "agent";

describe("assistants through the SDK", () => {
  it("create, get, update (a new version), versions, set latest, delete", async () => {
    const client = serve.client(KEYS.alice);
    const created = await client.assistants.create({
      graphId: "agent",
      name: "terse",
      description: "answers briefly",
      context: { system_prompt: "Be terse.", tools: ["calculator"] },
      metadata: { team: "docs" },
    });
    expect(created).toMatchObject({
      graph_id: "agent",
      name: "terse",
      description: "answers briefly",
      version: 1,
      context: { system_prompt: "Be terse.", tools: ["calculator"] },
      metadata: { team: "docs" },
    });
    expect(await client.assistants.get(created.assistant_id)).toEqual(created);

    const updated = await client.assistants.update(created.assistant_id, {
      context: { system_prompt: "Be very terse." },
      metadata: { stage: "beta" },
    });
    expect(updated).toMatchObject({
      version: 2,
      name: "terse",
      context: { system_prompt: "Be very terse." },
      // Metadata merges, as on LangGraph Platform; context is replaced.
      metadata: { team: "docs", stage: "beta" },
    });
    const versions = await client.assistants.getVersions(created.assistant_id);
    expect(versions.map((v) => [v.version, (v.context as { system_prompt?: string }).system_prompt])).toEqual([
      [2, "Be very terse."],
      [1, "Be terse."],
    ]);
    expect(await client.assistants.getVersions(created.assistant_id, { limit: 1, offset: 1 })).toHaveLength(1);

    const restored = await client.assistants.setLatest(created.assistant_id, 1);
    expect(restored).toMatchObject({ version: 1, context: { system_prompt: "Be terse." } });
    expect((await client.assistants.get(created.assistant_id)).version).toBe(1);
    const missing = await call(serve, `/assistants/${created.assistant_id}/latest`, { json: { version: 9 } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual(errorShape);

    await client.assistants.delete(created.assistant_id);
    const gone = await call(serve, `/assistants/${created.assistant_id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: "assistant_not_found" });
  });

  it("schemas describe what an assistant takes, so an editor built from them saves what it offers", async () => {
    const client = serve.client(KEYS.alice);
    const schemas = await client.assistants.getSchemas(BUILT_IN);
    type Props = { properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }> };
    const context = schemas.context_schema as Props & { additionalProperties?: boolean };
    expect(Object.keys(context.properties).sort()).toEqual(["budget", "model", "system_prompt", "tools"]);
    expect(context.additionalProperties).toBe(false);
    expect(context.properties.model!.enum).toEqual(["gpt-4o-mini", "gpt-4o"]);
    expect(context.properties.tools!.items!.enum).toEqual(expect.arrayContaining(["calculator", "current_time"]));
    expect(schemas.config_schema).toEqual(schemas.context_schema);
    // Every choice the schema offers is accepted on save.
    const created = await client.assistants.create({
      graphId: "agent",
      context: {
        system_prompt: "From the editor.",
        model: context.properties.model!.enum!.at(-1),
        tools: context.properties.tools!.items!.enum,
      },
    });
    expect(created.version).toBe(1);
    await client.assistants.delete(created.assistant_id);
  });

  it("accepts a caller's assistant_id with if_exists raise or do_nothing", async () => {
    const client = serve.client(KEYS.alice);
    const assistantId = randomUUID();
    const first = await client.assistants.create({ graphId: "agent", assistantId, name: "fixed id" });
    expect(first.assistant_id).toBe(assistantId);
    const again = await client.assistants.create({ graphId: "agent", assistantId, ifExists: "do_nothing" });
    expect(again).toEqual(first);
    const raised = await call(serve, "/assistants", { json: { graph_id: "agent", assistant_id: assistantId } });
    expect(raised.status).toBe(409);
    expect(await raised.json()).toMatchObject({ error: "assistant_exists" });
    // Someone else's id is taken, too; it is never handed out as theirs.
    const bobs = await call(serve, "/assistants", {
      key: KEYS.bob,
      json: { graph_id: "agent", assistant_id: assistantId, if_exists: "do_nothing" },
    });
    expect(bobs.status).toBe(409);
  });

  it("search filters by graph, name and metadata, sorts, pages and selects; count agrees", async () => {
    const client = serve.client(KEYS.alice);
    const suite = randomUUID();
    for (const name of ["beta one", "alpha two", "gamma three"]) {
      await client.assistants.create({ graphId: "agent", name, metadata: { suite } });
    }
    const byName = await client.assistants.search({ metadata: { suite }, sortBy: "name", sortOrder: "asc" });
    expect(byName.map((a) => a.name)).toEqual(["alpha two", "beta one", "gamma three"]);
    const page = await client.assistants.search({
      metadata: { suite },
      sortBy: "name",
      sortOrder: "asc",
      limit: 1,
      offset: 1,
    });
    expect(page.map((a) => a.name)).toEqual(["beta one"]);
    // Name matches a case-insensitive part, as on LangGraph Platform.
    expect((await client.assistants.search({ metadata: { suite }, name: "GAMMA" })).map((a) => a.name)).toEqual([
      "gamma three",
    ]);
    const selected = await client.assistants.search({
      metadata: { suite },
      limit: 1,
      select: ["assistant_id", "name"],
    });
    expect(Object.keys(selected[0]!).sort()).toEqual(["assistant_id", "name"]);
    const paged = await client.assistants.search({ metadata: { suite }, limit: 2, includePagination: true });
    expect(paged.next).toBe("2");
    expect(await client.assistants.count({ metadata: { suite } })).toBe(3);
    expect(await client.assistants.count({ metadata: { suite }, graphId: "other" })).toBe(0);

    // The built-in assistant is everyone's: in the unfiltered list and the count.
    const all = await client.assistants.search({ graphId: "agent", limit: 1000 });
    expect(all.map((a) => a.graph_id === "agent" && a.metadata?.created_by)).toContain("system");
    expect(await client.assistants.count({ metadata: { created_by: "system" } })).toBe(1);
    const bad = await call(serve, "/assistants/search", { json: { sort_by: "owner_id" } });
    expect(bad.status).toBe(422);
  });
});

describe("ownership", () => {
  it("another user gets 404 on every route and never sees it in search or count", async () => {
    const alice = serve.client(KEYS.alice);
    const suite = randomUUID();
    const mine = await alice.assistants.create({ graphId: "agent", name: "private", metadata: { suite } });
    const id = mine.assistant_id;
    const asBob = { key: KEYS.bob };
    const attempts: [string, RequestInit & { json?: unknown }][] = [
      [`/assistants/${id}`, {}],
      [`/assistants/${id}`, { method: "PATCH", json: { name: "mine now" } }],
      [`/assistants/${id}`, { method: "DELETE" }],
      [`/assistants/${id}/versions`, { json: {} }],
      [`/assistants/${id}/latest`, { json: { version: 1 } }],
      [`/assistants/${id}/graph`, {}],
      [`/assistants/${id}/schemas`, {}],
      [`/assistants/${id}/subgraphs`, {}],
    ];
    for (const [path, init] of attempts) {
      const res = await call(serve, path, { ...init, ...asBob });
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(404);
      expect(await res.json()).toEqual(errorShape);
    }
    const bob = serve.client(KEYS.bob);
    expect(await bob.assistants.search({ metadata: { suite } })).toEqual([]);
    expect(await bob.assistants.count({ metadata: { suite } })).toBe(0);
    expect((await bob.assistants.search({ limit: 1000 })).map((a) => a.assistant_id)).not.toContain(id);

    // Nor can Bob run it, or tag a thread with it; Alice can.
    const thread = await bob.threads.create();
    const run = await call(serve, `/threads/${thread.thread_id}/runs/wait`, {
      ...asBob,
      json: { assistant_id: id, input: input("hi") },
    });
    expect(run.status).toBe(404);
    const tagged = await call(serve, "/threads", { ...asBob, json: { metadata: { assistant_id: id } } });
    expect(tagged.status).toBe(422);
    expect((await alice.threads.create({ metadata: { assistant_id: id } })).metadata).toMatchObject({
      assistant_id: id,
    });
    // Still Alice's, unchanged.
    expect(await alice.assistants.get(id)).toEqual(mine);
  });

  it("a viewer reads the built-in assistant but cannot create, change or delete assistants: 403", async () => {
    const viewer = { key: KEYS.viewer };
    expect((await call(serve, `/assistants/${BUILT_IN}`, viewer)).status).toBe(200);
    const created = await call(serve, "/assistants", { ...viewer, json: { graph_id: "agent" } });
    expect(created.status).toBe(403);
    expect(await created.json()).toEqual(errorShape);
    const theirs = await serve.client(KEYS.alice).assistants.create({ graphId: "agent" });
    const patched = await call(serve, `/assistants/${theirs.assistant_id}`, {
      ...viewer,
      method: "PATCH",
      json: { name: "x" },
    });
    expect(patched.status).toBe(403);
  });

  it("the built-in assistant is read-only: update, delete and set latest are 403", async () => {
    const client = serve.client(KEYS.alice);
    const builtIn = await client.assistants.get(BUILT_IN);
    expect(builtIn.metadata).toEqual({ created_by: "system" });
    for (const [path, init] of [
      [`/assistants/${builtIn.assistant_id}`, { method: "PATCH", json: { name: "mine" } }],
      [`/assistants/${BUILT_IN}`, { method: "DELETE" }],
      [`/assistants/${builtIn.assistant_id}/latest`, { json: { version: 1 } }],
    ] as const) {
      const res = await call(serve, path, init);
      expect(res.status, `${init.method ?? "POST"} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ error: "assistant_read_only" });
    }
    expect(await client.assistants.getVersions(builtIn.assistant_id)).toHaveLength(1);
    // Its id cannot be taken by a created assistant either.
    const clash = await call(serve, "/assistants", {
      json: { graph_id: "agent", assistant_id: builtIn.assistant_id, if_exists: "do_nothing" },
    });
    expect(clash.status).toBe(409);
  });
});

describe("bad input is a 422 naming the field, never a 5xx", () => {
  it.each([
    ["unknown context key", { graph_id: "agent", context: { temperature: 2 } }, /temperature/],
    ["camelCase prompt", { graph_id: "agent", context: { systemPrompt: "x" } }, /systemPrompt/],
    ["unknown tool", { graph_id: "agent", context: { tools: ["calculator", "shell"] } }, /tools\.1/],
    ["disallowed model", { graph_id: "agent", context: { model: "gpt-5-ultra" } }, /model.*gpt-4o-mini/],
    ["disallowed model in config", { graph_id: "agent", config: { configurable: { model: "o9" } } }, /model/],
    ["unknown config key", { graph_id: "agent", config: { recursion_limit: 3 } }, /recursion_limit/],
    ["unserved graph", { graph_id: "other_graph" }, /graph_id.*agent/],
    ["budget that is not a budget", { graph_id: "agent", context: { budget: { steps: -1 } } }, /budget\.steps/],
    ["system metadata", { graph_id: "agent", metadata: { created_by: "system" } }, /created_by/],
  ])("%s", async (_, body, detail) => {
    const res = await call(serve, "/assistants", { json: body });
    expect(res.status).toBe(422);
    const answer = (await res.json()) as { error: string; detail: string };
    expect(answer).toEqual(errorShape);
    expect(answer.detail).toMatch(detail);
  });

  it("on update too, and the assistant is left as it was", async () => {
    const client = serve.client(KEYS.alice);
    const created = await client.assistants.create({ graphId: "agent", context: { tools: [] } });
    const res = await call(serve, `/assistants/${created.assistant_id}`, {
      method: "PATCH",
      json: { context: { model: "gpt-5-ultra" } },
    });
    expect(res.status).toBe(422);
    expect(await client.assistants.get(created.assistant_id)).toEqual(created);
    expect(await client.assistants.getVersions(created.assistant_id)).toHaveLength(1);
  });
});

describe("runs use the assistant", () => {
  const runOn = async (assistantId: string, content: string) => {
    const client = serve.client(KEYS.alice);
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, assistantId, { input: input(content) })) as {
      runUsage: { costUsd: number };
    };
    return { thread, values };
  };

  it("its system prompt is what the model receives", async () => {
    const client = serve.client(KEYS.alice);
    const assistant = await client.assistants.create({
      graphId: "agent",
      context: { system_prompt: "You are the pirate assistant. Arr." },
    });
    await runOn(assistant.assistant_id, "prompt check one");
    expect(requestsWith("prompt check one").map(systemText)).toEqual([
      expect.stringContaining("You are the pirate assistant. Arr.") as string,
    ]);
    // The built-in assistant keeps the deployment's prompt.
    await runOn(BUILT_IN, "prompt check two");
    const [builtIn] = requestsWith("prompt check two").map(systemText);
    expect(builtIn).toContain("You are Keel");
    expect(builtIn).not.toContain("pirate");
  });

  it("its tool set narrows what is offered; a call to a tool not offered is refused, not run", async () => {
    const client = serve.client(KEYS.alice);
    const none = await client.assistants.create({ graphId: "agent", context: { tools: [] } });
    await runOn(none.assistant_id, "tools check none");
    expect(requestsWith("tools check none").map(toolNames)).toEqual([[]]);

    const clock = await client.assistants.create({ graphId: "agent", context: { tools: ["current_time"] } });
    await runOn(clock.assistant_id, "tools check clock");
    expect(requestsWith("tools check clock").map(toolNames)).toEqual([["current_time"]]);

    // The built-in assistant offers the member role's whole set.
    await runOn(BUILT_IN, "tools check all");
    expect(requestsWith("tools check all")[0]!.tools!.length).toBeGreaterThan(2);

    await runOn(clock.assistant_id, TOOL_MISUSE);
    const [, second] = requestsWith(TOOL_MISUSE);
    const results = toolResultsIn(second!) as { ok: boolean; error?: { code: string } }[];
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([[false, "permission_denied"]]);
  });

  it("its model is the one called, and the cost is that model's", async () => {
    const client = serve.client(KEYS.alice);
    const assistant = await client.assistants.create({ graphId: "agent", context: { model: "gpt-4o" } });
    const custom = await runOn(assistant.assistant_id, "model check custom");
    const standard = await runOn(BUILT_IN, "model check standard");
    expect(requestsWith("model check custom").map((r) => r.model)).toEqual(["gpt-4o"]);
    expect(requestsWith("model check standard").map((r) => r.model)).toEqual(["gpt-4o-mini"]);
    // 1,000 input and 1,000 output tokens: gpt-4o at $2.50/$10 per million, gpt-4o-mini at $0.15/$0.60.
    expect(custom.values.runUsage.costUsd).toBeCloseTo(0.0125, 6);
    expect(standard.values.runUsage.costUsd).toBeCloseTo(0.00075, 6);
    const logged = serve
      .logLines()
      .filter((l) => l.event === "model_call" && l.thread_id === custom.thread.thread_id)
      .map((l) => [l.model, l.cost_usd]);
    expect(logged).toEqual([["gpt-4o", 0.0125]]);
  });

  it("a model since taken off the allow-list starts no run: 409, never a call to it", async () => {
    // As if saved while SERVE_ASSISTANT_MODELS still listed it.
    const id = randomUUID();
    await db.pool.query(
      `INSERT INTO keel_assistants (assistant_id, graph_id, name, owner_id, context) VALUES ($1, 'agent', 'old', 'alice', $2)`,
      [id, { model: "retired-model" }],
    );
    const thread = await serve.client(KEYS.alice).threads.create();
    const res = await call(serve, `/threads/${thread.thread_id}/runs/wait`, {
      json: { assistant_id: id, input: input("retired model check") },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "assistant_model_not_allowed" });
    expect(requestsWith("retired model check")).toEqual([]);
  });

  it("a run keeps the version it started with, also in its stored record", async () => {
    const client = serve.client(KEYS.alice);
    const assistant = await client.assistants.create({ graphId: "agent", context: { system_prompt: "Version one." } });
    const thread = await client.threads.create();
    gate = newGate();
    const run = await client.runs.create(thread.thread_id, assistant.assistant_id, { input: input(VERSIONED) });
    const deadline = Date.now() + 15_000;
    while (!gate.reached && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(gate.reached).toBe(true);
    // Changed while the run waits on its first model call; its second call comes after a tool call.
    await client.assistants.update(assistant.assistant_id, { context: { system_prompt: "Version two." } });
    gate.open();
    await client.runs.join(thread.thread_id, run.run_id);
    const prompts = requestsWith(VERSIONED).map(systemText);
    expect(prompts).toHaveLength(2);
    for (const prompt of prompts) expect(prompt).toContain("Version one.");
    const { rows } = await db.pool.query<{ kwargs: { assistant: unknown } }>(
      "SELECT kwargs FROM keel_runs WHERE run_id = $1",
      [run.run_id],
    );
    expect(rows[0]?.kwargs.assistant).toMatchObject({
      assistant_id: assistant.assistant_id,
      version: 1,
      systemPrompt: "Version one.",
    });
    // The next run takes the new version.
    await runOn(assistant.assistant_id, "after the update");
    expect(requestsWith("after the update").map(systemText)).toEqual([expect.stringContaining("Version two.")]);
  });
});
