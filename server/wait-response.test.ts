import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { Client } from "@langchain/langgraph-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { waitResponse } from "./wait-response.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Serves one `waitResponse` over real HTTP for whatever is asked. */
async function serve(response: () => Response): Promise<string> {
  server = createServer((_req, res) => {
    const answer = response();
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    Readable.fromWeb(answer.body! as never).pipe(res);
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("waitResponse", () => {
  it("sends status and headers at once, newlines while waiting, then the JSON", async () => {
    let resolve!: (v: unknown) => void;
    const response = waitResponse(new Promise((r) => (resolve = r)), { "content-location": "/x" }, 10);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-location")).toBe("/x");
    setTimeout(() => resolve({ answer: 42 }), 60);
    const text = await response.text();
    expect(text).toMatch(/^\n{2,}\{"answer":42\}$/);
  });

  it("answers a failure as __error__, still 200", async () => {
    const text = await waitResponse(Promise.reject(new Error("boom")), {}, 10).text();
    expect(JSON.parse(text)).toEqual({ __error__: { error: "run_failed", message: "boom" } });
  });

  // The official client reads the body as JSON: the newlines before it must not trouble it.
  it("is read by the SDK's runs.wait, heartbeats and all", async () => {
    const url = await serve(() =>
      waitResponse(
        new Promise((r) => setTimeout(() => r({ messages: [{ type: "ai", content: "done" }] }), 80)),
        {},
        10,
      ),
    );
    const values = await new Client({ apiUrl: url }).runs.wait(crypto.randomUUID(), "agent", { input: {} });
    expect(values).toEqual({ messages: [{ type: "ai", content: "done" }] });
  });
});
