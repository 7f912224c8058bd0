export interface SseEvent {
  event: string;
  /** The raw data line(s), joined with newlines; JSON for every event this server relays. */
  data: string;
}

/** Incremental parser for a text/event-stream body (fields `event` and `data`; comments ignored). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) {
        event = line.slice(6).trim();
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
    }
  }
  // A last field line without its newline still counts.
  const tail = buffer.replace(/\r$/, "");
  if (tail.startsWith("event:")) event = tail.slice(6).trim();
  else if (tail.startsWith("data:")) data.push(tail.slice(5).replace(/^ /, ""));
  if (data.length > 0) yield { event, data: data.join("\n") };
}

/** One event in wire form; data containing newlines is split across data lines, as the format requires. */
export function formatSse(event: SseEvent, id?: string): string {
  const lines = event.data.split("\n").map((l) => `data: ${l}`);
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event.event}\n${lines.join("\n")}\n\n`;
}
