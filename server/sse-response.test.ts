import { describe, expect, it } from "vitest";
import { Execution } from "./executor.js";
import { createOutputRedactor } from "./redact-output.js";
import { sseResponse } from "./sse-response.js";

const redact = createOutputRedactor();

async function readAll(response: Response): Promise<string> {
  return new Response(response.body).text();
}

describe("sseResponse", () => {
  it("replays, streams, filters unrequested values, keeps the stream alive, and ends with the run", async () => {
    const execution = new Execution("run", "thread", ["updates"]);
    execution.emit({ event: "metadata", data: '{"run_id":"run"}' });
    const response = sseResponse(
      execution,
      redact,
      { "content-location": "/threads/thread/runs/run" },
      () => undefined,
      20,
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("content-location")).toBe("/threads/thread/runs/run");
    const text = readAll(response);
    await new Promise((r) => setTimeout(r, 70));
    execution.emit({ event: "values", data: "{}" });
    execution.emit({ event: "updates", data: '{"plan":{}}' });
    execution.end();
    const body = await text;
    expect(body.startsWith('event: metadata\ndata: {"run_id":"run"}\n\n')).toBe(true);
    expect(body).toContain('event: updates\ndata: {"plan":{}}\n\n');
    expect(body).not.toContain("event: values");
    expect(body.match(/: keep-alive\n\n/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it("calls onDisconnect when the client goes away, and stops writing", async () => {
    const execution = new Execution("run", "thread", ["values"]);
    let disconnected = 0;
    const response = sseResponse(execution, redact, {}, () => disconnected++, 10);
    await response.body!.cancel();
    expect(disconnected).toBe(1);
    // Later events and the end are not an error for a cancelled stream.
    execution.emit({ event: "values", data: "{}" });
    execution.end();
  });
});
