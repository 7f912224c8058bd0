import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { freePort, REPO_ROOT } from "./process.js";

/** `npm run dev` as Studio uses it: langgraphjs dev on langgraph.json, offline model, our test DB for tools. */
let server: ChildProcess;
let client: Client;
let log = "";

beforeAll(async () => {
  const port = await freePort();
  server = spawn(
    process.execPath,
    [
      "node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs",
      "dev",
      "--no-browser",
      "--no-reload",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LANGGRAPH_CLI_NO_ANALYTICS: "1", OPENAI_API_KEY: "", DATABASE_URL: inject("databaseUrl") },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: the CLI starts a server child that must die with it.
      detached: true,
    },
  );
  server.stdout?.on("data", (c: Buffer) => (log += c.toString()));
  server.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    const ok = await fetch(`${url}/ok`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`langgraphjs dev did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  client = new Client({ apiUrl: url });
}, 60_000);

afterAll(async () => {
  if (!server?.pid || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  process.kill(-server.pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-server.pid!, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
});

describe("npm run dev (langgraphjs dev)", () => {
  it("serves the agent graph and answers through the SDK client, streaming tokens", async () => {
    const thread = await client.threads.create();
    const tokens: string[] = [];
    for await (const part of client.runs.stream(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "what is 12*7?" }] },
      streamMode: ["messages-tuple", "values"],
    })) {
      if (part.event === "messages") {
        const [chunk] = part.data as [{ content?: unknown }, unknown];
        if (typeof chunk.content === "string") tokens.push(chunk.content);
      }
    }
    const state = await client.threads.getState<{ messages: { type: string; content: string }[]; stopReason: string }>(
      thread.thread_id,
    );
    expect(state.values.stopReason).toBe("answer");
    expect(state.values.messages.at(-1)?.content).toContain("84");
    expect(tokens.join("")).toContain("84");
  }, 30_000);

  it("pauses at an approval and resumes with the HITL decision shape", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "send a note to dora@example.com saying hello" }] },
    });
    const paused = await client.threads.get(thread.thread_id);
    expect(paused.status).toBe("interrupted");
    const interrupts = Object.values(paused.interrupts ?? {}).flat() as {
      value: { actionRequests: { name: string }[] };
    }[];
    expect(interrupts[0]?.value.actionRequests[0]?.name).toBe("outbox_send");

    const result = (await client.runs.wait(thread.thread_id, "agent", {
      command: { resume: { decisions: [{ type: "approve" }] } },
    })) as { messages: { content: string }[] };
    expect(result.messages.at(-1)?.content).toContain("queued");
    const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 1 });
    try {
      const rows = await pool.query("SELECT to_address FROM keel_outbox WHERE thread_id = $1", [thread.thread_id]);
      expect(rows.rows).toEqual([{ to_address: "dora@example.com" }]);
    } finally {
      await pool.end();
    }
  }, 30_000);
});
