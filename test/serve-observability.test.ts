import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, say, script, startFakeOpenAI, type FakeOpenAI } from "../fake-openai/index.js";
import { randomish, token } from "../guards/pii/fake-secrets.js";
import { startLangSmithCapture, type LangSmithCapture } from "./langsmith-capture.js";
import { startServe, type ServeProcess } from "./serve-process.js";

// Assembled at run time so the repository holds no key-shaped literal.
const SECRET_IN_MESSAGE = token("sk-live-", randomish(40, 7));
const SECRET_IN_TOOL = token("sk-live-", randomish(40, 11));

let fake: FakeOpenAI;
let capture: LangSmithCapture;
let serve: ServeProcess;
let notes: string;

beforeAll(async () => {
  notes = await mkdtemp(join(tmpdir(), "keel-notes-"));
  await chmod(notes, 0o755);
  await writeFile(
    join(notes, "deploy.md"),
    `# Deploy\n\nThe deploy token is ${SECRET_IN_TOOL} for the staging cluster.\n`,
  );
  fake = await startFakeOpenAI({
    responder: script(callTool("knowledge_search", { query: "deploy token" }), say("The token is in the deploy note.")),
  });
  capture = await startLangSmithCapture();
  serve = await startServe({
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.baseUrl,
    KNOWLEDGE_DIR: notes,
    LOG_LEVEL: "debug",
    LANGSMITH_TRACING: "true",
    LANGSMITH_ENDPOINT: capture.url,
    LANGSMITH_API_KEY: "test-langsmith-key",
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await Promise.all([fake?.close(), capture?.close(), rm(notes, { recursive: true, force: true })]);
});

describe("npm run serve: logs and traces", () => {
  it("writes its own listen address in the start-up line, not redacted as an IP address", () => {
    const listening = serve.logLines().find((l) => l.event === "serve_listening");
    expect(listening?.url).toBe(serve.url);
    expect(serve.output()).not.toContain("[IP_ADDRESS]");
  });

  it("logs every step with ids, tokens and cost, traces the run, and never writes a planted secret", async () => {
    const client = serve.client();
    const thread = await client.threads.create();
    let runId = "";
    for await (const part of client.runs.stream(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: `where is the deploy token? mine is ${SECRET_IN_MESSAGE}` }] },
      streamMode: ["updates"],
    })) {
      if (part.event === "metadata") runId = (part.data as { run_id: string }).run_id;
    }
    expect(runId).not.toBe("");

    // Step lines: one per node executed, all carrying this run's ids.
    const steps = serve.logLines().filter((l) => l.event === "step" && l.run_id === runId);
    expect(steps.map((l) => l.node)).toEqual(["guard_input", "plan", "tools", "plan", "finalize"]);
    for (const step of steps) {
      expect(step).toMatchObject({ thread_id: thread.thread_id, user_id: "alice" });
      expect(typeof step.trace_id).toBe("string");
      expect(step.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(steps.map((l) => l.trace_id)).size).toBe(1);
    const plans = steps.filter((l) => l.node === "plan");
    expect(plans.every((l) => Number(l.input_tokens) > 0 && Number(l.cost_usd) > 0)).toBe(true);
    expect(steps.at(-1)).toMatchObject({ node: "finalize", stop_reason: "answer" });

    // The trace reached LangSmith with the run's name and end-of-run metadata.
    const traceId = String(steps[0]!.trace_id);
    let root: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      root = capture.runs().get(traceId);
      const metadata = (root?.extra as { metadata?: Record<string, unknown> } | undefined)?.metadata;
      if (metadata?.stop_reason) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(root?.name).toBe("keel-turn");
    expect((root?.extra as { metadata: Record<string, unknown> }).metadata).toMatchObject({
      user_id: "alice",
      thread_id: thread.thread_id,
      role: "member",
      run_id: runId,
      stop_reason: "answer",
    });

    // The secrets reached the model (it needs them) but no log line and no trace payload.
    expect(JSON.stringify(fake.requests)).toContain(SECRET_IN_TOOL);
    const everything = serve.output() + capture.requests.map((r) => r.body).join("\n");
    expect(capture.requests.length).toBeGreaterThan(0);
    for (const secret of [SECRET_IN_MESSAGE, SECRET_IN_TOOL]) expect(everything).not.toContain(secret);
    expect(everything).toContain("[SECRET]");
  });
});
