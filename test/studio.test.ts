import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@langchain/langgraph-sdk";
import { callTool, demoResponder, say, startFakeOpenAI, type FakeOpenAI } from "../fake-openai/index.js";
import { sdkClientFlow } from "./sdk-flow.js";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { freePort, REPO_ROOT, waitForOk } from "./process.js";

/**
 * `npm run dev` as Studio uses it: langgraphjs dev on langgraph.json, our test DB for tools, and the
 * demo model, except that a thread asked to "never stop" gets a model that calls a tool forever.
 */
let server: ChildProcess;
let client: Client;
let fake: FakeOpenAI;
let log = "";
const NEVER_STOP = "never stop adding";

beforeAll(async () => {
  fake = await startFakeOpenAI({
    responder: (request, call) => {
      if (!request.messages.some((m) => m.role === "user" && JSON.stringify(m.content).includes(NEVER_STOP))) {
        return demoResponder(request, call);
      }
      return request.tools?.length ? callTool("calculator", { expression: "1+1" }) : say("Summary: still adding.");
    },
  });
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
      env: {
        ...process.env,
        LANGGRAPH_CLI_NO_ANALYTICS: "1",
        OPENAI_API_KEY: "test-key",
        OPENAI_BASE_URL: fake.baseUrl,
        DATABASE_URL: inject("databaseUrl"),
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: the CLI starts a server child that must die with it.
      detached: true,
    },
  );
  server.stdout?.on("data", (c: Buffer) => (log += c.toString()));
  server.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitForOk(url, server, 45_000))) throw new Error(`langgraphjs dev did not start:\n${log}`);
  client = new Client({ apiUrl: url });
}, 60_000);

afterAll(async () => {
  await fake?.close();
  if (!server?.pid || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  process.kill(-server.pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-server.pid!, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
});

describe("npm run dev (langgraphjs dev)", () => {
  it("runs the same SDK client flow as npm run serve: stream, approval, resume, history", async () => {
    await sdkClientFlow(client);
  }, 60_000);

  it("the langgraph.json export ends a never-stopping model at the default step budget, not the recursion limit", async () => {
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: NEVER_STOP }] },
    })) as { stopReason: string; runUsage: { steps: number } };
    expect(values.stopReason).toBe("budget_steps");
    expect(values.runUsage.steps).toBe(12);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  }, 60_000);

  it("publishes the graph's schemas, with messages typed as messages", async () => {
    const [assistant] = await client.assistants.search({ graphId: "agent" });
    const schemas = await client.assistants.getSchemas(assistant!.assistant_id);
    type Props = { properties: Record<string, { langgraph_type?: string; enum?: string[] }> };
    const input = schemas.input_schema as Props;
    const state = schemas.state_schema as Props;
    // Callers send messages, nothing else; the state shows everything the nodes write.
    expect(Object.keys(input.properties)).toEqual(["messages"]);
    expect(input.properties.messages?.langgraph_type).toBe("messages");
    expect(state.properties.messages?.langgraph_type).toBe("messages");
    expect(Object.keys(state.properties)).toEqual(
      expect.arrayContaining(["summary", "threadUsage", "runUsage", "approvals", "guardFlags", "stopReason"]),
    );
  }, 30_000);
});
