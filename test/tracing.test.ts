import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { say, script } from "../fake-openai/index.js";
import { createRedactor } from "../guards/index.js";
import { loadConfig } from "../runtime/config.js";
import { createTracing } from "../runtime/tracing.js";
import { startHarness, type Harness } from "./harness.js";

/** A stand-in for the LangSmith API on 127.0.0.1 that records every request body. */
async function captureServer(options: { answer: boolean }): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(`${req.method} ${req.url}\n${Buffer.concat(chunks).toString("latin1")}`);
      if (!options.answer) return; // hold the request open, like an endpoint that never answers
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, bodies, server };
}

let h: Harness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

const SECRET = "sk-proj-Zx81kLq0Vw3mT7rB2nY5cH9dJ4fG6sA1eU8iO0pQ";

function tracingFor(endpoint: string, enabled = true) {
  const config = loadConfig({
    LANGSMITH_TRACING: String(enabled),
    LANGSMITH_ENDPOINT: endpoint,
    LANGSMITH_API_KEY: "test-key",
    LANGSMITH_FLUSH_TIMEOUT_MS: "1500",
  });
  return createTracing(config.tracing, createRedactor());
}

describe("LangSmith tracing", () => {
  it("sends the run to the endpoint with secrets and PII redacted from inputs and outputs", async () => {
    const capture = await captureServer({ answer: true });
    server = capture.server;
    const tracing = tracingFor(capture.url);
    h = await startHarness(script(say(`Stored. The key was ${SECRET}.`)), { callbacks: tracing.callbacks });
    await h.say(`please store my key ${SECRET} and mail jane.doe@example.com`);
    await tracing.flush();
    const sent = capture.bodies.filter((b) => b.startsWith("POST")).join("\n");
    expect(sent).toContain("keel-turn"); // the run arrived
    expect(sent).toContain("[SECRET]");
    expect(sent).not.toContain(SECRET);
    expect(sent).not.toContain("jane.doe@example.com");
  });

  it("sends nothing when tracing is off", async () => {
    const capture = await captureServer({ answer: true });
    server = capture.server;
    const tracing = tracingFor(capture.url, false);
    h = await startHarness(script(say("hi")), { callbacks: tracing.callbacks });
    await h.say("hello");
    await tracing.flush();
    expect(capture.bodies).toEqual([]);
  });

  it("an endpoint that never answers neither stalls the run nor the flush beyond its deadline", async () => {
    const capture = await captureServer({ answer: false });
    server = capture.server;
    const tracing = tracingFor(capture.url);
    h = await startHarness(script(say("hi")), { callbacks: tracing.callbacks });
    const started = Date.now();
    const outcome = await h.say("hello");
    expect(outcome.status).toBe("done");
    await tracing.flush();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
