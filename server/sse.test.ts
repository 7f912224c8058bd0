import { describe, expect, it } from "vitest";
import { formatSse, readSse, type SseEvent } from "./sse.js";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of readSse(streamOf(chunks))) out.push(e);
  return out;
}

describe("SSE", () => {
  it("parses events split anywhere across chunks, CRLF included", async () => {
    const wire = formatSse({ event: "values", data: '{"a":1}' }) + "event: end\r\ndata: null\r\n\r\n";
    const cuts = [3, 11, 17, 25, wire.length - 2];
    const chunks = cuts.map((c, i) => wire.slice(i === 0 ? 0 : cuts[i - 1], c)).concat(wire.slice(cuts.at(-1)));
    expect(await collect(chunks)).toEqual([
      { event: "values", data: '{"a":1}' },
      { event: "end", data: "null" },
    ]);
  });

  it("round-trips multi-line data and ignores comments and keep-alives", async () => {
    const e = { event: "messages", data: "line one\nline two" };
    expect(await collect([": keep-alive\n\n", formatSse(e, "7")])).toEqual([e]);
    expect(formatSse(e, "7")).toBe("id: 7\nevent: messages\ndata: line one\ndata: line two\n\n");
  });

  it("yields a final event that lacks its blank line", async () => {
    expect(await collect(["event: error\ndata: {}"])).toEqual([{ event: "error", data: "{}" }]);
  });
});
