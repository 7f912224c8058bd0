import { setTimeout as sleep } from "node:timers/promises";
import { KeelError } from "../runtime/errors.js";
import { EMBEDDED_USER, ensureInitialised, readEmbeddedPassword, rootHint, runsAsRoot } from "./embedded-init.js";
import { loadEmbeddedPostgres, type EmbeddedPostgresClass } from "./embedded-postgres-module.js";
import { LogTail } from "./log-tail.js";
import { findRunningPostmaster, isProcessAlive, readPostmasterPid, type PostmasterInfo } from "./postmaster-pid.js";
import { withTimeout } from "./with-timeout.js";

export const EMBEDDED_HOST = "127.0.0.1";
export const EMBEDDED_DATABASE = "postgres";

export interface EmbeddedServerOptions {
  /** Absolute path of the cluster's data directory; created and initialised on first use. */
  pgDir: string;
  /** Port for a server this process starts (a server already running on `pgDir` keeps its own). */
  port: number;
  log?: (msg: string) => void;
  /** false turns off fsync for throwaway test clusters: faster, but a crash can lose data. Default true. */
  durable?: boolean;
  /** Bound on initdb and on server start-up each. Default 60 s. */
  timeoutMs?: number;
}

export interface EmbeddedServer {
  /** Connection URL, password included: do not print (see redactUrl). */
  url: string;
  port: number;
  /** True when this process started the server; only then does `stop()` stop it. */
  owned: boolean;
  /** Stops the server if this process started it; idempotent, never throws. */
  stop(): Promise<void>;
}

/**
 * Returns a running PostgreSQL for `pgDir`: the one already running there (another Keel process
 * started it) or one started now. Data persists across processes and restarts.
 */
export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const durable = opts.durable ?? true;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await ensureInitialised(EmbeddedPostgres, opts.pgDir, { log, durable, timeoutMs });
  const password = await readEmbeddedPassword(opts.pgDir);

  // Another process may start or stop the server on this directory while we look; a few rounds settle it.
  for (let attempt = 1; ; attempt++) {
    const running = await waitUntilReady(opts.pgDir, timeoutMs);
    if (running) {
      log(
        `Using the embedded PostgreSQL already running from ${opts.pgDir} (pid ${running.pid}, port ${running.port}).`,
      );
      return { url: urlFor(running.port, password), port: running.port, owned: false, stop: () => Promise.resolve() };
    }
    try {
      return await startOwnedServer(EmbeddedPostgres, { ...opts, log, timeoutMs, durable }, password);
    } catch (err) {
      if (attempt >= 3 || !(await findRunningPostmaster(opts.pgDir))) throw err;
    }
  }
}

async function startOwnedServer(
  EmbeddedPostgres: EmbeddedPostgresClass,
  opts: Required<EmbeddedServerOptions>,
  password: string,
): Promise<EmbeddedServer> {
  const output = new LogTail();
  const server = new EmbeddedPostgres({
    databaseDir: opts.pgDir,
    port: opts.port,
    user: EMBEDDED_USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: runsAsRoot(),
    postgresFlags: serverFlags(opts.durable),
    onLog: output.add,
    onError: output.add,
  });
  const started = performance.now();
  try {
    // start() rejects with nothing when the server exits early, and waits forever if it never reports ready.
    await withTimeout(server.start(), opts.timeoutMs, () => new StartTimeout(`not ready within ${opts.timeoutMs} ms`));
  } catch (err) {
    // Only a timed-out server is still running (an exited one made start() reject); stop() would wait
    // forever for an exit that already happened.
    if (err instanceof StartTimeout) {
      await withTimeout(server.stop(), 5_000, () => new Error("stop timed out")).catch(() => undefined);
    }
    throw startFailure(opts, output, err);
  }
  const pid = (await readPostmasterPid(opts.pgDir))?.pid;
  opts.log(
    `Started the embedded PostgreSQL from ${opts.pgDir} on ${EMBEDDED_HOST}:${opts.port} in ${Math.round(performance.now() - started)} ms.`,
  );

  // If this process ends without stop() (crash, process.exit), ask the server for a fast shutdown so it
  // does not linger; a server that does linger is found and reused by the next run.
  const stopOnExit = (): void => {
    if (pid !== undefined) signal(pid, "SIGINT");
  };
  process.on("exit", stopOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off("exit", stopOnExit);
      const stopped = server.stop().then(() => true);
      if (pid === undefined) {
        await withTimeout(stopped, 10_000, () => new Error("stop timed out")).catch(() => undefined);
        return;
      }
      // server.stop() waits for an exit event that never comes if the server already died (e.g. Ctrl-C
      // reached it through the terminal's process group), so also watch the pid itself.
      const gone = await Promise.race([stopped.catch(() => false), waitForExit(pid, 10_000)]);
      if (!gone && isProcessAlive(pid)) {
        opts.log(`The embedded PostgreSQL (pid ${pid}) did not stop within 10 s; forcing an immediate shutdown.`);
        signal(pid, "SIGQUIT");
        await waitForExit(pid, 5_000);
      }
    })());
  return { url: urlFor(opts.port, password), port: opts.port, owned: true, stop };
}

class StartTimeout extends Error {}

function serverFlags(durable: boolean): string[] {
  return [
    // Loopback only, and no Unix socket (whose default directory may be shared or not writable).
    ...["-c", `listen_addresses=${EMBEDDED_HOST}`, "-c", "unix_socket_directories="],
    ...(durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
  ];
}

/** Waits while a server on `pgDir` is starting or stopping; returns it once ready, or undefined if none runs. */
async function waitUntilReady(pgDir: string, timeoutMs: number): Promise<PostmasterInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await findRunningPostmaster(pgDir);
    if (!info || info.status === "ready") return info;
    if (Date.now() > deadline) {
      throw new KeelError(
        "database_unreachable",
        `The embedded PostgreSQL from ${pgDir} (pid ${info.pid}) has been "${info.status}" for ${timeoutMs} ms. If no such server runs, delete ${pgDir}/postmaster.pid (left by a crash).`,
        { details: { reason: "start_timeout", pgDir } },
      );
    }
    await sleep(50);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function startFailure(opts: Required<EmbeddedServerOptions>, output: LogTail, cause: unknown): KeelError {
  const where = `Cannot start the embedded PostgreSQL from ${opts.pgDir} on ${EMBEDDED_HOST}:${opts.port}`;
  const fallback = "Set DATABASE_URL to use your own server instead.";
  let reason = "start_failed";
  let message: string;
  if (output.includes(/address already in use|could not bind/i)) {
    reason = "port_in_use";
    message = `${where}: another program already uses port ${opts.port}. Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to your own server.`;
  } else if (cause instanceof Error) {
    message = `${where}: ${cause.message}.${rootHint(opts.pgDir, output)} ${fallback}`;
  } else {
    message = `${where}: the server exited during start-up.${rootHint(opts.pgDir, output)} ${fallback}`;
  }
  return new KeelError("database_unreachable", message + output.format(), {
    cause,
    details: { reason, pgDir: opts.pgDir, port: opts.port },
  });
}

function urlFor(port: number, password: string): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@${EMBEDDED_HOST}:${port}/${EMBEDDED_DATABASE}`;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
