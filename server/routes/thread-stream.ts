import type { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors.js";
import type { Execution } from "../executor.js";
import { parseBody, type Env } from "../http.js";
import { formatSse, type SseEvent } from "../sse.js";
import { ACTIVE_RUN_STATUSES, listRuns, runOfThread, type RunRow } from "../store.js";
import type { RouteDeps } from "./context.js";
import { requireThread, stateOf } from "./threads.js";

/** Proxies cut streams that stay silent (nginx after 60 s); a comment line every 15 s keeps them open. */
const KEEP_ALIVE_MS = 15_000;

/**
 * What the SDK's `threads.joinStream` may ask for (ThreadStreamMode): `run_modes` (the default) is
 * every event of each run plus `run_done` after it, `lifecycle` only each run's start (`metadata`)
 * and `run_done`, `state_update` only the state as it changes (`values` and `updates` events).
 */
const THREAD_STREAM_MODES = ["run_modes", "lifecycle", "state_update"] as const;
type ThreadStreamMode = (typeof THREAD_STREAM_MODES)[number];

const Query = z.object({
  stream_mode: z
    .array(z.enum(THREAD_STREAM_MODES, { error: `must be one of ${THREAD_STREAM_MODES.join(", ")}` }))
    .max(THREAD_STREAM_MODES.length),
});

function wantedBy(modes: readonly ThreadStreamMode[]): (e: SseEvent) => boolean {
  const all = modes.length === 0 || modes.includes("run_modes");
  return (e) => {
    if (all) return true;
    const base = e.event.split("|")[0] ?? e.event;
    if (modes.includes("lifecycle") && ["metadata", "run_done", "error"].includes(base)) return true;
    return modes.includes("state_update") && (base === "values" || base === "updates");
  };
}

export function threadStreamRoutes(app: Hono<Env>, deps: RouteDeps): void {
  /**
   * The events of the thread's runs as they happen (SDK `threads.joinStream`), for as long as the
   * client stays connected: the active run's from its start (replayed, as a run's join stream is),
   * then each next run's, each followed by `run_done` `{run_id, status}`; narrowed by `stream_mode`
   * (THREAD_STREAM_MODES). A run executing on another replica is reported once it ends: `metadata`,
   * its final `values` (or `error`), then `run_done`. `Last-Event-ID` is accepted and ignored: events
   * carry no ids, and a rejoin replays the active run from its start.
   */
  app.get("/threads/:thread_id/stream", async (c) => {
    const thread = await requireThread(deps, c.req.param("thread_id"), c.get("principal").userId);
    // The SDK sends `stream_mode` (repeated for a list); LangGraph's API documents `stream_modes`.
    const asked = [...(c.req.queries("stream_mode") ?? []), ...(c.req.queries("stream_modes") ?? [])];
    const { stream_mode: modes } = parseBody(Query, {
      stream_mode: asked.flatMap((m) => m.split(",")).filter(Boolean),
    });
    if (deps.executor.isDraining) {
      throw new ApiError(503, "shutting_down", "This server is shutting down; retry on another replica.", {
        "retry-after": "1",
      });
    }
    const threadId = thread.thread_id;
    const wanted = wantedBy(modes);
    const encoder = new TextEncoder();
    let stop = () => undefined as unknown;

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const cleanups = new Set<() => void>();
        const send = (text: string) => {
          if (closed) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            // The client is gone.
          }
        };
        const close = () => {
          if (closed) return;
          for (const cleanup of cleanups) cleanup();
          cleanups.clear();
          closed = true;
          try {
            controller.close();
          } catch {
            // Already cancelled by the client.
          }
        };
        stop = () => {
          for (const cleanup of cleanups) cleanup();
          cleanups.clear();
          closed = true;
        };
        const sendEnd = async (runId: string) => {
          const row = await runOfThread(deps.pool, runId, threadId).catch(() => undefined);
          const done = { event: "run_done", data: JSON.stringify({ run_id: runId, status: row?.status ?? null }) };
          if (wanted(done)) send(formatSse(done));
        };

        // Runs are streamed one after another, in the order they started.
        const seen = new Set<string>();
        let chain = Promise.resolve();
        const enqueue = (runId: string, task: () => Promise<void>) => {
          if (seen.has(runId)) return;
          seen.add(runId);
          chain = chain.then(task).catch((err: unknown) => {
            deps.logger.warn(
              { event: "thread_stream_failed", thread_id: threadId, run_id: runId, err: (err as Error).message },
              "thread stream",
            );
          });
        };
        /** A run executing here: its events, replayed from its start, redacted like every stream. */
        const follow = (execution: Execution) =>
          enqueue(execution.runId, async () => {
            if (closed) return;
            await new Promise<void>((resolve) => {
              const redactor = deps.redact.stream();
              const sendAll = (events: SseEvent[]) => {
                for (const e of events) if (wanted(e)) send(formatSse(e));
              };
              let unsubscribe = () => undefined as unknown;
              const done = () => {
                unsubscribe();
                resolve();
              };
              cleanups.add(done);
              unsubscribe = execution.subscribe((event) => {
                if (event !== null) {
                  sendAll(redactor.push(event));
                  return;
                }
                sendAll(redactor.end());
                cleanups.delete(done);
                resolve();
              });
            });
            // The run's row is written just before its execution ends; wait for that outcome.
            await execution.done.catch(() => undefined);
            if (!closed) await sendEnd(execution.runId);
          });
        /** A run executing on another replica: reported once it has ended. */
        const report = (run: RunRow) =>
          enqueue(run.run_id, async () => {
            let row: RunRow | undefined = run;
            while (!closed && row && ACTIVE_RUN_STATUSES.includes(row.status)) {
              const local = deps.executor.local(run.run_id);
              if (local) {
                // Taken over by this process meanwhile: streamed live from here on.
                seen.delete(run.run_id);
                follow(local);
                return;
              }
              await new Promise((r) => setTimeout(r, deps.pollMs));
              row = await runOfThread(deps.pool, run.run_id, threadId);
            }
            if (closed || !row) return;
            const events: SseEvent[] = [{ event: "metadata", data: JSON.stringify({ run_id: run.run_id }) }];
            events.push(
              row.error
                ? { event: "error", data: JSON.stringify(deps.redact.json(row.error)) }
                : { event: "values", data: JSON.stringify(deps.redact.json((await stateOf(deps, threadId)).values)) },
            );
            for (const e of events) if (wanted(e)) send(formatSse(e));
            await sendEnd(run.run_id);
          });

        // Watched first, so a run starting while the active one is looked up is not missed.
        cleanups.add(deps.executor.watch(threadId, follow));
        // Runs that had ended before the client joined are not sent; any other run is, even one
        // another replica started and finished between two looks.
        let before: Set<string> | undefined;
        const look = async () => {
          if (closed) return;
          if (deps.executor.isDraining) {
            await chain;
            close();
            return;
          }
          const recent = await listRuns(deps.pool, threadId, { limit: 10, offset: 0 }).catch(() => undefined);
          if (!recent) return;
          before ??= new Set(recent.filter((r) => !ACTIVE_RUN_STATUSES.includes(r.status)).map((r) => r.run_id));
          for (const run of recent.reverse()) {
            if (before.has(run.run_id) || seen.has(run.run_id)) continue;
            const local = deps.executor.local(run.run_id);
            if (local) follow(local);
            else report(run);
          }
        };
        void look();
        // Runs of this process arrive through `watch` at once; the poll only finds runs started on
        // another replica (reported when they end), so an idle stream asks the database once a second.
        const poll = setInterval(() => void look(), Math.max(deps.pollMs, 1_000));
        const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
        cleanups.add(() => {
          clearInterval(poll);
          clearInterval(keepAlive);
        });
      },
      cancel() {
        stop();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  });
}
