import { afterEach, describe, expect, it } from "vitest";
import { say, script } from "../fake-openai/index.js";
import { createRedactor } from "../guards/index.js";
import { loadConfig } from "../runtime/config.js";
import { createTracing } from "../runtime/tracing.js";
import { startHarness, type Harness } from "./harness.js";
import { startLangSmithCapture, type LangSmithCapture } from "./langsmith-capture.js";

let h: Harness | undefined;
let capture: LangSmithCapture | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await capture?.close();
  capture = undefined;
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
    capture = await startLangSmithCapture();
    const tracing = tracingFor(capture.url);
    h = await startHarness(script(say(`Stored. The key was ${SECRET}.`)), { callbacks: tracing.callbacks });
    await h.say(`please store my key ${SECRET} and mail jane.doe@example.com`);
    await tracing.flush();
    const sent = capture.requests
      .filter((r) => r.method === "POST")
      .map((r) => r.body)
      .join("\n");
    expect(sent).toContain("keel-turn"); // the run arrived
    expect(sent).toContain("[SECRET]");
    expect(sent).not.toContain(SECRET);
    expect(sent).not.toContain("jane.doe@example.com");
  });

  it("sends nothing when tracing is off", async () => {
    capture = await startLangSmithCapture();
    const tracing = tracingFor(capture.url, false);
    h = await startHarness(script(say("hi")), { callbacks: tracing.callbacks });
    await h.say("hello");
    await tracing.flush();
    expect(capture.requests).toEqual([]);
  });

  it("an endpoint that never answers neither stalls the run nor the flush beyond its deadline", async () => {
    capture = await startLangSmithCapture({ answer: false });
    const tracing = tracingFor(capture.url);
    h = await startHarness(script(say("hi")), { callbacks: tracing.callbacks });
    const started = Date.now();
    const outcome = await h.say("hello");
    expect(outcome.status).toBe("done");
    await tracing.flush();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
