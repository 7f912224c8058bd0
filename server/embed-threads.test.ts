import type { Pool } from "pg";
import { describe, expect, it } from "vitest";
import { embedThreadSaver } from "./embed-threads.js";

/** A pool whose every query answers with the given thread row. */
const poolWith = (metadata: unknown) =>
  ({
    query: () => Promise.resolve({ rows: [{ thread_id: "t", owner_id: "u", metadata, status: "idle" }] }),
  }) as unknown as Pool;

describe("the thread storage the engine sees", () => {
  it("shows only a graph_id this server serves, whatever the stored metadata says", async () => {
    // The engine does `graphs[metadata.graph_id]` and assigns onto the result.
    const stored = JSON.parse('{"graph_id":"__proto__","__proto__":{"x":1},"assistant_id":"constructor"}') as unknown;
    for (const metadata of [stored, { graph_id: "constructor" }, { graph_id: "nope" }, { graph_id: 7 }]) {
      expect(await embedThreadSaver(poolWith(metadata), ["agent"]).get("t")).toEqual({
        thread_id: "t",
        metadata: { graph_id: "agent" },
      });
    }
    expect((await embedThreadSaver(poolWith({ graph_id: "agent", secret: 1 }), ["agent"]).get("t"))?.metadata).toEqual({
      graph_id: "agent",
    });
  });

  it("a thread no run has touched has no graph yet, so the engine reports an empty state", async () => {
    for (const metadata of [{}, null, "x", { note: "graph_id" }]) {
      expect((await embedThreadSaver(poolWith(metadata), ["agent"]).get("t"))?.metadata).toEqual({});
    }
  });

  it("stores what the engine writes except its own assistant id: the run's is recorded when it starts", async () => {
    const written: unknown[] = [];
    const pool = {
      query: (_sql: string, params: unknown[]) => {
        written.push(params[1]);
        return Promise.resolve({ rows: [{ thread_id: "t", owner_id: "u", metadata: { graph_id: "agent" } }] });
      },
    } as unknown as Pool;
    await embedThreadSaver(pool, ["agent"]).set("t", {
      metadata: { graph_id: "agent", assistant_id: "agent" },
    } as never);
    expect(written).toEqual([{ graph_id: "agent" }]);
  });
});
