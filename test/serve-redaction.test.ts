import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedCheckpointBytes } from "./db.js";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { randomish, token } from "../guards/pii/fake-secrets.js";
import { call, startServe, type ServeProcess } from "./serve-process.js";

// Assembled at run time so the repository holds no key-shaped literal.
const ECHOED = token("ghp_", randomish(36, 21));
const IN_TOOL = token("sk-live-", randomish(40, 23));
// Detected only with the words before it ("password:"), which the fake model streams as separate
// tokens: a per-chunk redactor would send it raw.
const SPLIT = randomish(20, 25);
const SECRETS = [ECHOED, IN_TOOL, SPLIT];
const ANSWER = `The deploy token is ${IN_TOOL} and your key is ${ECHOED} and the database password: ${SPLIT} done.`;

/** Searches the notes for a user message, answers with the secrets after a tool result. */
const responder: Responder = (request) => {
  const last = request.messages.at(-1);
  if (last?.role === "tool") return say(ANSWER);
  const text = typeof last?.content === "string" ? last.content : "";
  if (text.includes("note to")) {
    return callTool("outbox_send", { to: "dora@example.com", subject: "deploy", body: "see the deploy note" });
  }
  // OpenAI-style, the fake streams the arguments in pieces cut mid-word.
  return callTool("knowledge_search", { query: `deploy token, password: ${SPLIT}` });
};

/** Not the secret, nor any 8-character piece of it (a secret sent in pieces leaks too). */
const noSecret = (label: string, text: string) => {
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      expect(text, `${label} holds part of a secret`).not.toContain(secret.slice(i, i + 8));
    }
  }
};

let fake: FakeOpenAI;
let notes: string;
const serves: ServeProcess[] = [];

async function serveWith(env: Record<string, string> = {}): Promise<ServeProcess> {
  const serve = await startServe({
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.baseUrl,
    KNOWLEDGE_DIR: notes,
    ...env,
  });
  serves.push(serve);
  return serve;
}

beforeAll(async () => {
  notes = await mkdtemp(join(tmpdir(), "keel-notes-"));
  await chmod(notes, 0o755);
  await writeFile(join(notes, "deploy.md"), `# Deploy\n\nThe deploy token is ${IN_TOOL} for the staging cluster.\n`);
  fake = await startFakeOpenAI({ responder });
}, 60_000);

afterAll(async () => {
  await Promise.all(serves.map((s) => s.stop()));
  await Promise.all([fake?.close(), rm(notes, { recursive: true, force: true })]);
});

const ask = { input: { messages: [{ role: "user", content: "where is the deploy token?" }] } };

describe("npm run serve: secrets never reach clients", () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await serveWith();
  }, 60_000);

  it("redacts every stream mode, with tokens split across chunks held back", async () => {
    const thread = await serve.client().threads.create();
    const modes = ["messages-tuple", "values", "updates", "debug", "tasks", "checkpoints"];
    const response = await call(serve, `/threads/${thread.thread_id}/runs/stream`, {
      json: { assistant_id: "agent", ...ask, stream_mode: modes },
    });
    const body = await response.text();
    if (process.env["DUMP"]) await writeFile(process.env["DUMP"], body);
    noSecret("the stream", body);
    const events = new Set([...body.matchAll(/^event: (.+)$/gm)].map((m) => m[1]));
    for (const mode of ["messages", "values", "updates", "debug", "tasks", "checkpoints"])
      expect(events).toContain(mode);
    // The tokens still add up to the answer, redacted.
    const tokens = [...body.matchAll(/^event: messages\ndata: (.+)$/gm)]
      .map((m) => (JSON.parse(m[1]!) as [{ content: unknown }])[0].content)
      .filter((c): c is string => typeof c === "string")
      .join("");
    expect(tokens).toContain("The deploy token is [SECRET] and your key is [SECRET]");
    expect(tokens).toContain("password: [SECRET]");

    // The legacy `messages` mode sends the message so far, token by token.
    const legacy = await call(serve, `/threads/${thread.thread_id}/runs/stream`, {
      json: { assistant_id: "agent", ...ask, stream_mode: ["messages"] },
    });
    const legacyBody = await legacy.text();
    expect(legacyBody).toContain("event: messages/partial");
    noSecret("the messages stream", legacyBody);
  });

  it("redacts wait, join, state, history, thread reads and search", async () => {
    const client = serve.client();
    const thread = await client.threads.create({ metadata: { topic: "redaction" } });
    const waited = await client.runs.wait(thread.thread_id, "agent", ask);
    noSecret("runs.wait", JSON.stringify(waited));
    expect(JSON.stringify(waited)).toContain("[SECRET]");

    const run = await client.runs.create(thread.thread_id, "agent", ask);
    noSecret("runs.join", JSON.stringify(await client.runs.join(thread.thread_id, run.run_id)));
    const joined = await call(serve, `/threads/${thread.thread_id}/runs/${run.run_id}/stream`);
    noSecret("runs.joinStream", await joined.text());

    const state = await client.threads.getState(thread.thread_id);
    noSecret("threads.getState", JSON.stringify(state));
    const checkpointId = state.checkpoint.checkpoint_id!;
    noSecret("state at a checkpoint", JSON.stringify(await client.threads.getState(thread.thread_id, checkpointId)));
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.length).toBeGreaterThan(5);
    noSecret("threads.getHistory", JSON.stringify(history));
    noSecret("threads.get", JSON.stringify(await client.threads.get(thread.thread_id)));
    noSecret("threads.search", JSON.stringify(await client.threads.search({ metadata: { topic: "redaction" } })));
    // The caller's own words and the PII an approval needs are left alone.
    expect(JSON.stringify(state.values)).toContain("where is the deploy token?");
  });
});

describe("CHECKPOINT_ENCRYPTION_KEY", () => {
  const key = randomish(64, 27, "0123456789abcdef");

  let first: ServeProcess;
  let encryptedThread = "";
  beforeAll(async () => {
    first = await serveWith({ CHECKPOINT_ENCRYPTION_KEY: key });
  }, 60_000);

  it("keeps secrets out of the checkpoint tables, and another process resumes the thread", async () => {
    // Without a key the same turn stores them: the query below does see secrets when they are there.
    const plain = serves[0]!.client();
    const plainThread = await plain.threads.create();
    await plain.runs.wait(plainThread.thread_id, "agent", ask);
    expect(await storedCheckpointBytes(plainThread.thread_id)).toContain(IN_TOOL);

    const client = first.client();
    const thread = await client.threads.create();
    encryptedThread = thread.thread_id;
    await client.runs.wait(thread.thread_id, "agent", ask);
    await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to dora@example.com about it" }] },
    });
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const stored = await storedCheckpointBytes(thread.thread_id);
    expect(stored.length).toBeGreaterThan(1000);
    for (const secret of [IN_TOOL, ECHOED, SPLIT]) expect(stored).not.toContain(secret);
    // Killed, not drained: the next process has only the database (and the key) to go on.
    await first.stop("SIGKILL");

    // A new process with the same key reads the paused thread and finishes it.
    const second = await serveWith({ CHECKPOINT_ENCRYPTION_KEY: key });
    const resumed = (await second.client().runs.wait(thread.thread_id, "agent", {
      command: { resume: { decisions: [{ type: "approve" }] } },
    })) as { messages: { type: string; content: unknown }[] };
    const sent = resumed.messages.filter((m) => m.type === "tool").map((m) => String(m.content));
    // The outbox_send result, as stored (the untrusted-data wrapping is only in model requests).
    expect(sent.at(-1)).toMatch(/^\{"ok":true,"data":\{"id":\d+,"to":/);
    expect((await second.client().threads.get(thread.thread_id)).status).toBe("idle");
    for (const secret of SECRETS) expect(await storedCheckpointBytes(thread.thread_id)).not.toContain(secret);
  }, 60_000);

  it("a server without the key still answers the owner's search, listing that thread without values", async () => {
    const res = await call(serves[0]!, "/threads/search", { json: { limit: 100 } });
    expect(res.status).toBe(200);
    const found = (await res.json()) as { thread_id: string; values: unknown }[];
    expect(found.find((t) => t.thread_id === encryptedThread)).toMatchObject({ values: null });
    expect(serves[0]!.logLines().some((l) => l.event === "thread_state_unreadable")).toBe(true);
  });

  it("a server without the key answers that thread's reads with 409 thread_state_unreadable, never a 500", async () => {
    for (const [path, init] of [
      [`/threads/${encryptedThread}`, { method: "GET" }],
      [`/threads/${encryptedThread}/state`, { method: "GET" }],
      [`/threads/${encryptedThread}/history`, { json: { limit: 5 } }],
    ] as const) {
      const res = await call(serves[0]!, path, init);
      expect([path, res.status]).toEqual([path, 409]);
      expect(await res.json()).toMatchObject({ error: "thread_state_unreadable" });
    }
  });
});
