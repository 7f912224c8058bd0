import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { callTool, say, script, type FakeAnswer } from "../fake-openai/index.js";
import { BUILTIN_TOOLS } from "../tools/index.js";
import { defineTool } from "../tools/define.js";
import { ToolError } from "../tools/errors.js";
import { plantedPage, startHarness, toolResultsIn, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const planted = plantedPage();

/** Calls the tools in one step, then answers with the results it was given. */
const callThenReport = (...calls: { name: string; args: Record<string, unknown> }[]) =>
  script({ toolCalls: calls.map((c) => ({ name: c.name, arguments: c.args })) } satisfies FakeAnswer, (request) =>
    say(JSON.stringify(toolResultsIn(request))),
  );

type Failure = {
  ok: false;
  error: { code: string; message: string; retryable: boolean; retryAfterMs?: number };
  suggestion: string;
};
const resultsOf = (harness: Harness): Failure[] => toolResultsIn(harness.fake.requests.at(-1)!) as Failure[];

describe("tool engine through the graph (fake model over HTTP asks for each call)", () => {
  it("invalid_args: the zod issues reach the model, readable", async () => {
    h = await startHarness(callThenReport({ name: "calculator", args: { expression: 42 } }));
    await h.say("compute");
    const [result] = resultsOf(h);
    expect(result?.error).toMatchObject({ code: "invalid_args", retryable: true });
    expect(result?.error.message).toContain("expression: Invalid input: expected string, received number");
  });

  it("tool_error: a handler that throws is answered, with the handler's suggestion when it gives one", async () => {
    const broken = defineTool({
      name: "broken",
      description: "always fails",
      schema: z.object({}),
      handler: async () => {
        throw new ToolError("disk full", { suggestion: "Ask an operator to free space." });
      },
    });
    h = await startHarness(callThenReport({ name: "broken", args: {} }), { tools: [...BUILTIN_TOOLS, broken] });
    const outcome = await h.say("go");
    expect(outcome.status).toBe("done");
    expect(resultsOf(h)[0]).toEqual({
      ok: false,
      error: { code: "tool_error", message: '"broken" failed: disk full', retryable: false },
      suggestion: "Ask an operator to free space.",
    });
  });

  it("timeout: a tool that hangs is cut at its timeout, its signal is aborted, and the run goes on", async () => {
    let sawAbort = false;
    const hang = defineTool({
      name: "hang",
      description: "never returns",
      schema: z.object({}),
      policy: { timeoutMs: 150 },
      handler: (_args, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(new Error("aborted"));
          });
        }),
    });
    h = await startHarness(callThenReport({ name: "hang", args: {} }), { tools: [...BUILTIN_TOOLS, hang] });
    const outcome = await h.say("go");
    expect(outcome.status === "done" && outcome.stopReason).toBe("answer");
    expect(resultsOf(h)[0]?.error).toMatchObject({ code: "timeout", retryable: true });
    expect(resultsOf(h)[0]?.error.message).toContain("within 150 ms");
    expect(sawAbort).toBe(true);
  });

  it("a flaky tool succeeds after retries with backoff", async () => {
    let attempts = 0;
    const flaky = defineTool({
      name: "flaky",
      description: "fails twice, then works",
      schema: z.object({}),
      policy: { retry: { maxRetries: 3, baseMs: 5, maxMs: 20 } },
      handler: async () => {
        attempts++;
        if (attempts < 3) throw new ToolError("upstream busy", { retryable: true });
        return { attempts };
      },
    });
    h = await startHarness(callThenReport({ name: "flaky", args: {} }), { tools: [...BUILTIN_TOOLS, flaky] });
    await h.say("go");
    expect(toolResultsIn(h.fake.requests[1]!)).toEqual([{ ok: true, data: { attempts: 3 } }]);
    expect(attempts).toBe(3);
    expect(h.logs.filter((l) => l.event === "tool_retry")).toHaveLength(2);
  });

  it("a non-retryable failure is not retried", async () => {
    let attempts = 0;
    const fragile = defineTool({
      name: "fragile",
      description: "fails for good",
      schema: z.object({}),
      policy: { retry: { maxRetries: 3, baseMs: 5 } },
      handler: async () => {
        attempts++;
        throw new Error("bad input");
      },
    });
    h = await startHarness(callThenReport({ name: "fragile", args: {} }), { tools: [...BUILTIN_TOOLS, fragile] });
    await h.say("go");
    expect(attempts).toBe(1);
    expect(resultsOf(h)[0]?.error.code).toBe("tool_error");
  });

  it("rate_limited: a burst beyond the limit is refused with when to retry, and nothing runs twice", async () => {
    const ran: number[] = [];
    const limited = defineTool({
      name: "limited",
      description: "two calls per ten seconds",
      schema: z.object({ n: z.number() }),
      policy: { rateLimit: { perTool: { capacity: 2, refillPerSecond: 0.2 } } },
      handler: async ({ n }) => {
        ran.push(n);
        return { n };
      },
    });
    const burst = [1, 2, 3, 4, 5].map((n) => ({ name: "limited", args: { n } }));
    h = await startHarness(callThenReport(...burst), {
      tools: [...BUILTIN_TOOLS, limited],
      env: { TOOL_CONCURRENCY: "1" },
    });
    await h.say("go");
    const results = resultsOf(h) as unknown as ({ ok: true; data: { n: number } } | Failure)[];
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    const refused = results.filter((r): r is Failure => !r.ok);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.error.code).toBe("rate_limited");
      expect(r.error.retryAfterMs).toBeGreaterThan(0);
      expect(r.suggestion).toMatch(/Wait at least \d+ s/);
    }
    expect(ran.sort()).toEqual([1, 2]);
    expect(h.logs.filter((l) => l.event === "tool_refused" && l.code === "rate_limited")).toHaveLength(3);
  });

  it("per-user limits are per user: another user still gets through", async () => {
    const limited = defineTool({
      name: "per_user",
      description: "one call per user",
      schema: z.object({}),
      policy: { rateLimit: { perUser: { capacity: 1, refillPerSecond: 0.01 } } },
      handler: async (_args, ctx) => ({ user: ctx.userId }),
    });
    h = await startHarness(
      script(callTool("per_user", {}), say("a"), callTool("per_user", {}), say("b"), callTool("per_user", {}), (req) =>
        say(JSON.stringify(toolResultsIn(req).at(-1))),
      ),
      { tools: [...BUILTIN_TOOLS, limited] },
    );
    await h.say("first");
    await h.say("second");
    expect(toolResultsIn(h.fake.requests[3]!).at(-1)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    h.caller.userId = "someone-else";
    await h.say("third");
    expect(toolResultsIn(h.fake.requests[5]!).at(-1)).toEqual({ ok: true, data: { user: "someone-else" } });
  });

  it("permission denials are logged with the user, tool and reason; the outbox stays empty", async () => {
    h = await startHarness(callThenReport({ name: "outbox_send", args: { to: "a@b.co", subject: "s", body: "b" } }), {
      role: "viewer",
    });
    await h.say("send it");
    expect(resultsOf(h)[0]?.error.code).toBe("permission_denied");
    expect(await h.outbox()).toEqual([]);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        event: "tool_refused",
        code: "permission_denied",
        tool: "outbox_send",
        user_id: "tester",
        role: "viewer",
        reason: 'Role "viewer" may not use "outbox_send".',
      }),
    );
  });

  it("parallel: N slow read-only calls in one step run at once and finish in about one call's time", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = defineTool({
      name: "slow",
      description: "takes 300 ms",
      schema: z.object({ i: z.number() }),
      handler: async ({ i }) => {
        peak = Math.max(peak, ++inFlight);
        await sleep(300);
        inFlight--;
        return { i };
      },
    });
    const calls = [0, 1, 2, 3, 4].map((i) => ({ name: "slow", args: { i } }));
    h = await startHarness(callThenReport(...calls), {
      tools: [...BUILTIN_TOOLS, slow],
      env: { TOOL_CONCURRENCY: "8" },
    });
    const started = performance.now();
    await h.say("go");
    const elapsed = performance.now() - started;
    expect(peak).toBe(5);
    expect(elapsed).toBeLessThan(5 * 300); // serial would take at least 1.5 s
    expect(toolResultsIn(h.fake.requests[1]!).map((r) => (r as { data: { i: number } }).data.i)).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it("the concurrency cap holds", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = defineTool({
      name: "slow",
      description: "takes 50 ms",
      schema: z.object({}),
      handler: async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(50);
        inFlight--;
        return {};
      },
    });
    const calls = Array.from({ length: 6 }, () => ({ name: "slow", args: {} }));
    h = await startHarness(callThenReport(...calls), {
      tools: [...BUILTIN_TOOLS, slow],
      env: { TOOL_CONCURRENCY: "2" },
    });
    await h.say("go");
    expect(peak).toBe(2);
  });

  it("a cancelled run aborts running tools", async () => {
    let sawAbort = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const waits = defineTool({
      name: "waits",
      description: "waits until cancelled",
      schema: z.object({}),
      policy: { timeoutMs: 10_000 },
      handler: (_args, ctx) =>
        new Promise((_, reject) => {
          started();
          ctx.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(new Error("cancelled"));
          });
        }),
    });
    h = await startHarness(callThenReport({ name: "waits", args: {} }), { tools: [...BUILTIN_TOOLS, waits] });
    const controller = new AbortController();
    const turn = h.say("go", {}, controller.signal);
    await running;
    controller.abort(new Error("user cancelled"));
    await expect(turn).rejects.toThrow();
    expect(sawAbort).toBe(true);
    expect(h.fake.requests).toHaveLength(1);
  });

  it("tool output is scanned as untrusted: an injection is flagged in state and logs, and still delivered as data", async () => {
    h = await startHarness(callThenReport({ name: "fetch_page", args: {} }), { tools: [...BUILTIN_TOOLS, planted] });
    await h.say("read the page");
    expect(h.logs).toContainEqual(
      expect.objectContaining({ event: "tool_output_flagged", tool: "fetch_page", action: "flagged" }),
    );
    const state = await h.agent.getState({ configurable: { thread_id: h.caller.threadId } });
    expect((state.values as { guardFlags: unknown[] }).guardFlags).toEqual([
      expect.objectContaining({
        surface: "untrusted",
        action: "flagged",
        source: expect.stringMatching(/^fetch_page:/) as unknown,
      }),
    ]);
    expect(toolResultsIn(h.fake.requests[1]!)[0]).toMatchObject({ ok: true });
  });

  it("under the quarantine policy the model gets a notice instead of the planted content", async () => {
    h = await startHarness(callThenReport({ name: "fetch_page", args: {} }), {
      tools: [...BUILTIN_TOOLS, planted],
      env: { GUARD_TOOL_OUTPUT: "quarantine" },
    });
    await h.say("read the page");
    const [result] = resultsOf(h);
    expect(result?.error.code).toBe("quarantined");
    expect(JSON.stringify(h.fake.requests[1]!.messages)).not.toContain("evil.test");
  });
});
