import { constants } from "node:os";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * For CLIs: close `db` when the process is told to stop. On SIGINT/SIGTERM/SIGHUP it closes (bounded
 * by `timeoutMs`) and exits with the conventional 128 + signal number; a second signal exits at once.
 * When the event loop drains by itself it closes without touching `process.exitCode`. On a hard exit
 * (`process.exit`, crash) nothing async can run; an embedded server this process started is then
 * asked to shut down by embedded-server.ts. Returns a function that removes the handlers.
 */
export function closeOnExit(
  db: { close(): Promise<void> },
  opts: { timeoutMs?: number; log?: (msg: string) => void } = {},
): () => void {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let closing = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (constants.signals[signal] ?? 0);
    if (closing) process.exit(code);
    closing = true;
    const timer = setTimeout(() => {
      opts.log?.(`Closing the database took longer than ${timeoutMs} ms; exiting anyway.`);
      process.exit(code);
    }, timeoutMs);
    db.close().then(
      () => process.exit(code),
      (err: unknown) => {
        opts.log?.(`Error while closing the database: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(code);
      },
    );
    timer.unref();
  };
  const onBeforeExit = (): void => {
    void db.close().catch(() => undefined);
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.once("beforeExit", onBeforeExit);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off("beforeExit", onBeforeExit);
  };
}
