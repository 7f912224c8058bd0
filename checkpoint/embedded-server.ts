import { realpath } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { KeelError } from "../runtime/errors.js";
import { canEnter, postgresAccount } from "./embedded-account.js";
import { DEFAULT_BINARIES_CACHE, postgresBinaries, type PostgresBinaries } from "./embedded-binaries.js";
import { DEFAULT_DATA_ROOT } from "./embedded-data-home.js";
import { EMBEDDED_USER, ensureInitialised, readEmbeddedPassword, rootHint } from "./embedded-init.js";
import { spawnPg, stopPg, type ChildEnd, type PgChild, type PostgresAccount } from "./embedded-spawn.js";
import { LogTail } from "./log-tail.js";
import { findRunningPostmaster, isProcessAlive, readPostmasterPid, type PostmasterInfo } from "./postmaster-pid.js";

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
  /**
   * Root only (PostgreSQL then runs as user "postgres"): where the binaries are copied, and new
   * clusters created, when that user cannot reach node_modules or the folder above `pgDir`.
   * Defaults /var/cache/keel and /var/lib/keel.
   */
  rootFallback?: { binariesCache?: string; dataRoot?: string };
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
  const account = await postgresAccount();
  const binaries = await postgresBinaries(account, {
    cacheRoot: opts.rootFallback?.binariesCache ?? DEFAULT_BINARIES_CACHE,
    log,
  });
  const dataRoot = opts.rootFallback?.dataRoot ?? DEFAULT_DATA_ROOT;
  await ensureInitialised(opts.pgDir, { log, durable, timeoutMs, binaries, account, dataRoot });
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
      return await startOwnedServer({ binaries, account }, { ...opts, log, timeoutMs, durable }, password);
    } catch (err) {
      if (attempt >= 3 || !(await findRunningPostmaster(opts.pgDir))) throw err;
    }
  }
}

type ServerOptions = Required<Omit<EmbeddedServerOptions, "rootFallback">>;

async function startOwnedServer(
  run: { binaries: PostgresBinaries; account: PostgresAccount | undefined },
  opts: ServerOptions,
  password: string,
): Promise<EmbeddedServer> {
  // A link made when user "postgres" could not enter the folder above pgDir: it gets the real path.
  const dataDir = await realpath(opts.pgDir);
  if (run.account && !(await canEnter(run.account, dataDir))) {
    throw new KeelError(
      "database_unreachable",
      `Cannot start the embedded PostgreSQL from ${opts.pgDir}: as root it runs as user "${run.account.name}", which cannot enter that folder; move the folder to one that user can enter and point KEEL_DATA_DIR there, or set DATABASE_URL to your own server.`,
      { details: { reason: "data_dir_unreachable", pgDir: opts.pgDir } },
    );
  }
  const output = new LogTail();
  const started = performance.now();
  let server: PgChild;
  try {
    server = spawnPg(run.binaries.postgres, ["-D", dataDir, "-p", String(opts.port), ...serverFlags(opts.durable)], {
      account: run.account,
      cwd: dataDir,
      onOutput: output.add,
    });
  } catch (err) {
    throw startFailure(opts, output, err as Error);
  }
  const outcome = await whenReady(server, opts.pgDir, opts.timeoutMs);
  if (outcome !== "ready") {
    // Only a timed-out server is still running; a fast shutdown, then an immediate one.
    if (outcome === "timeout") await stopPg(server, "SIGINT", 5_000);
    throw startFailure(
      opts,
      output,
      outcome === "timeout" ? new Error(`not ready within ${opts.timeoutMs} ms`) : outcome,
    );
  }
  const pid = server.process.pid!;
  opts.log(
    `Started the embedded PostgreSQL from ${opts.pgDir} on ${EMBEDDED_HOST}:${opts.port} in ${Math.round(performance.now() - started)} ms.`,
  );

  // If this process ends without stop() (crash, process.exit), ask the server for a fast shutdown so it
  // does not linger; a server that does linger is found and reused by the next run.
  const stopOnExit = (): void => signal(pid, "SIGINT");
  process.on("exit", stopOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off("exit", stopOnExit);
      signal(pid, "SIGINT");
      const gone = await Promise.race([server.ended.then(() => true), waitForExit(pid, 10_000)]);
      if (!gone && isProcessAlive(pid)) {
        opts.log(`The embedded PostgreSQL (pid ${pid}) did not stop within 10 s; forcing an immediate shutdown.`);
        signal(pid, "SIGQUIT");
        await waitForExit(pid, 5_000);
      }
    })());
  return { url: urlFor(opts.port, password), port: opts.port, owned: true, stop };
}

/**
 * Waits until the server we started reports "ready" in its postmaster.pid (locale-independent, unlike
 * its log); "timeout" if it does not within `timeoutMs`, or how it ended if it exited first.
 */
async function whenReady(server: PgChild, pgDir: string, timeoutMs: number): Promise<"ready" | "timeout" | ChildEnd> {
  let ended: ChildEnd | undefined;
  void server.ended.then((end) => (ended = end));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ended) {
      await server.closed; // the last lines it printed say why
      return ended;
    }
    const info = await readPostmasterPid(pgDir);
    if (info && info.pid === server.process.pid && info.status === "ready") return "ready";
    if (Date.now() > deadline) return "timeout";
    await sleep(25);
  }
}

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

function startFailure(opts: ServerOptions, output: LogTail, cause: Error | ChildEnd): KeelError {
  const where = `Cannot start the embedded PostgreSQL from ${opts.pgDir} on ${EMBEDDED_HOST}:${opts.port}`;
  const fallback = "Set DATABASE_URL to use your own server instead.";
  let reason = "start_failed";
  let message: string;
  if (output.includes(/address already in use|could not bind/i)) {
    reason = "port_in_use";
    message = `${where}: another program already uses port ${opts.port}. Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to your own server.`;
  } else {
    const what =
      cause instanceof Error
        ? cause.message
        : cause.error
          ? `the server could not be started (${cause.error.message})`
          : `the server exited during start-up (${cause.signal ? `signal ${cause.signal}` : `exit code ${cause.code}`})`;
    message = `${where}: ${what}.${rootHint(opts.pgDir, output)} ${fallback}`;
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
