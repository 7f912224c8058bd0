import pg from "pg";
import { KeelError } from "../runtime/errors.js";
import { explainConnectError } from "./connect-error.js";
import { describeTarget, redactUrl } from "./connection-url.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface ConnectOptions {
  /** How long one connection attempt may take before it counts as unreachable. */
  connectTimeoutMs?: number;
  /** Where the URL came from, for the error message (e.g. "DATABASE_URL"). */
  source: string;
  /** What the operator should do when the server cannot be reached. */
  hint: string;
  log?: (msg: string) => void;
}

/**
 * A pool on `url`, returned only once a `SELECT 1` has succeeded there. A failed probe leaves nothing
 * open and throws `database_unreachable` naming the target (never the password), the reason and the hint.
 */
export async function connectPool(url: string, opts: ConnectOptions): Promise<pg.Pool> {
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  await probe(url, timeoutMs, opts);
  const pool = new pg.Pool({
    connectionString: url,
    // A lost server must surface as an error, not a request that waits forever for a connection.
    connectionTimeoutMillis: Math.max(timeoutMs, 10_000),
    // Idle connections must not keep a finished CLI process alive.
    allowExitOnIdle: true,
  });
  // Without a listener, an idle connection dropped by the server (restart, failover) crashes the process.
  pool.on("error", (err) => {
    opts.log?.(`PostgreSQL connection lost (${describeTarget(url)}): ${explainConnectError(err, timeoutMs)}`);
  });
  return pool;
}

async function probe(url: string, timeoutMs: number, opts: ConnectOptions): Promise<void> {
  // A single client, not the pool: the pool's acquire timeout stays generous for normal operation.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => {
    // Reported through the rejected connect/query below.
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    const reason = scrub(explainConnectError(err, timeoutMs), url);
    throw new KeelError(
      "database_unreachable",
      `Cannot reach PostgreSQL at ${describeTarget(url)} (from ${opts.source}): ${reason}. ${opts.hint}`,
      { cause: err, details: { target: describeTarget(url), url: redactUrl(url), reason } },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Server messages can quote connection parameters; make sure the password is not among them. */
function scrub(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password === "" ? text : text.split(password).join("***");
}
