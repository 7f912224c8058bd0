import type { Execution } from "./executor.js";
import type { OutputRedactor } from "./redact-output.js";
import { formatSse, type SseEvent } from "./sse.js";

/**
 * The SSE events a client asked for. The executor always asks the engine for `values` (it keeps the
 * run's final state), and with `values` the engine also sends `checkpoints` events; each is sent
 * only to a client that asked for its mode, as LangGraph's API does. Subgraph events are named
 * `mode|namespace`.
 */
function wanted(execution: Execution, event: SseEvent): boolean {
  const mode = event.event.split("|")[0];
  if (mode !== "values" && mode !== "checkpoints") return true;
  return execution.clientModes.includes(mode);
}

/** Proxies cut streams that stay silent (nginx after 60 s); a comment line every 15 s keeps them open. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A run's events as a text/event-stream response; `onDisconnect` runs when the client goes away.
 * Every event passes through `redact` (its own stream state per client, as replay starts anew).
 */
export function sseResponse(
  execution: Execution,
  redact: OutputRedactor,
  headers: Record<string, string>,
  onDisconnect: () => void,
  keepAliveMs = KEEP_ALIVE_MS,
): Response {
  const encoder = new TextEncoder();
  let stop = () => undefined as unknown;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client is gone; the run goes on (or is cancelled by onDisconnect).
        }
      };
      const keepAlive = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
      const redactor = redact.stream();
      const sendAll = (events: SseEvent[]) => {
        for (const e of events) if (wanted(execution, e)) send(formatSse(e));
      };
      const unsubscribe = execution.subscribe((event) => {
        if (event !== null) {
          // Unwanted events still go through: a finished step releases held-back tokens.
          sendAll(redactor.push(event));
          return;
        }
        sendAll(redactor.end());
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // Already cancelled by the client.
        }
      });
      stop = () => {
        clearInterval(keepAlive);
        unsubscribe();
      };
    },
    cancel() {
      stop();
      onDisconnect();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers },
  });
}
