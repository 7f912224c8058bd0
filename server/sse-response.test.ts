import { describe, expect, it } from "vitest";
import { Execution } from "./executor.js";
import { createOutputRedactor } from "./redact-output.js";
import { sseResponse } from "./sse-response.js";

const redact = createOutputRedactor();
const ENDED = { status: "success", values: null, error: null } as const;

async function readAll(response: Response): Promise<string> {
  return new Response(response.body).text();
}

describe("sseResponse", () => {
  it("replays, streams, filters unrequested values and checkpoints, keeps the stream alive, and ends with the run", async () => {
    // A new execution announces its run id first.
    const execution = new Execution("run", "thread", ["updates"]);
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
    execution.emit({ event: "checkpoints", data: "{}" });
    execution.emit({ event: "checkpoints|sub:1", data: "{}" });
    execution.emit({ event: "updates", data: '{"plan":{}}' });
    execution.settle(ENDED);
    const body = await text;
    expect(body.startsWith('event: metadata\ndata: {"run_id":"run"}\n\n')).toBe(true);
    expect(body).toContain('event: updates\ndata: {"plan":{}}\n\n');
    expect(body).not.toContain("event: values");
    expect(body).not.toContain("event: checkpoints");
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
    execution.settle(ENDED);
  });

  it("sends values and checkpoints to a client that asked for them, and values only then", async () => {
    const modesSeen = async (modes: string[]) => {
      const execution = new Execution("run", "thread", modes);
      for (const event of ["values", "checkpoints", "messages/partial", "updates"]) {
        execution.emit({ event, data: "{}" });
      }
      execution.settle(ENDED);
      const body = await readAll(sseResponse(execution, redact, {}, () => undefined));
      return [...body.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    };
    expect(await modesSeen(["values", "checkpoints"])).toEqual([
      "metadata",
      "values",
      "checkpoints",
      "messages/partial",
      "updates",
    ]);
    // The legacy `messages` mode gets messages only, not the state beside them.
    expect(await modesSeen(["messages"])).toEqual(["metadata", "messages/partial", "updates"]);
  });
});
