/** A queued run may wait longer than clients wait for headers (Node's fetch gives up after 300 s). */
const HEARTBEAT_MS = 10_000;

/**
 * A JSON answer that may take minutes: the status and headers go out at once, then a newline every
 * few seconds (JSON allows leading whitespace, and proxies see a live connection), then the body.
 * Everything that could make the answer anything but 200 is decided before this is called.
 */
export function waitResponse(
  body: Promise<unknown>,
  headers: Record<string, string>,
  heartbeatMs = HEARTBEAT_MS,
): Response {
  const encoder = new TextEncoder();
  let timer: NodeJS.Timeout | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client is gone; the run goes on.
        }
      };
      timer = setInterval(() => send("\n"), heartbeatMs);
      void body
        .then(
          (value) => JSON.stringify(value ?? null),
          (err: unknown) =>
            JSON.stringify({ __error__: { error: "run_failed", message: (err as Error)?.message ?? String(err) } }),
        )
        .then((text) => {
          clearInterval(timer);
          send(text);
          try {
            controller.close();
          } catch {
            // Already cancelled by the client.
          }
        });
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(stream, { headers: { "content-type": "application/json", ...headers } });
}
