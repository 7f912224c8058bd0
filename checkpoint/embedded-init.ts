import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { KeelError } from "../runtime/errors.js";
import type { EmbeddedPostgresClass } from "./embedded-postgres-module.js";
import { LogTail } from "./log-tail.js";
import { withTimeout } from "./with-timeout.js";

/** Superuser of the embedded cluster. */
export const EMBEDDED_USER = "postgres";
/** Random password chosen at initialisation, kept next to the data it protects (mode 0600). */
const PASSWORD_FILE = "keel-password";

/** PostgreSQL refuses to run as root; embedded-postgres then runs it as (and, if needed, creates) user `postgres`. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

export interface InitialiseOptions {
  log: (msg: string) => void;
  /** false skips fsync during initdb (throwaway test clusters). */
  durable: boolean;
  timeoutMs: number;
}

/**
 * Creates the cluster in `pgDir` unless it exists. initdb runs in a staging directory that is renamed
 * into place only when complete, so an interrupted first run never leaves a half-made data directory,
 * and two processes initialising at once end up sharing whichever cluster was renamed first.
 * Returns true when this call created the cluster.
 */
export async function ensureInitialised(
  EmbeddedPostgres: EmbeddedPostgresClass,
  pgDir: string,
  opts: InitialiseOptions,
): Promise<boolean> {
  if (await exists(join(pgDir, "PG_VERSION"))) return false;
  if ((await readdir(pgDir).catch(() => [])).length > 0) {
    throw new KeelError(
      "database_unreachable",
      `Cannot use ${pgDir} for the embedded PostgreSQL: the directory is not empty but holds no PostgreSQL data. Move it away, or set KEEL_DATA_DIR to another folder.`,
      { details: { reason: "data_dir_invalid", pgDir } },
    );
  }
  await mkdir(dirname(pgDir), { recursive: true });
  const staging = `${pgDir}.init-${process.pid}-${randomBytes(4).toString("hex")}`;
  const password = randomBytes(24).toString("base64url");
  const output = new LogTail();
  opts.log(`Initialising the embedded PostgreSQL in ${pgDir} (first run only)…`);
  const initdb = new EmbeddedPostgres({
    databaseDir: staging,
    user: EMBEDDED_USER,
    password,
    authMethod: "scram-sha-256",
    createPostgresUser: runsAsRoot(),
    // UTF8 whatever the host locale is: with the C locale initdb would otherwise pick SQL_ASCII.
    initdbFlags: ["--encoding=UTF8", "--locale=C", ...(opts.durable ? [] : ["--no-sync"])],
    onLog: output.add,
    onError: output.add,
  });
  try {
    await withTimeout(
      initdb.initialise(),
      opts.timeoutMs,
      () => new Error(`initdb did not finish within ${opts.timeoutMs} ms`),
    );
    await writeFile(join(staging, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
    return await moveIntoPlace(staging, pgDir);
  } catch (err) {
    if (err instanceof KeelError) throw err;
    const message = err instanceof Error ? err.message.split("ERROR OUTPUT:")[0]!.trim() : "initdb failed";
    throw new KeelError(
      "database_unreachable",
      `Cannot initialise the embedded PostgreSQL in ${pgDir}: ${message}.${rootHint(pgDir, output)} Set DATABASE_URL to use your own server instead.${output.format()}`,
      { cause: err, details: { reason: "init_failed", pgDir } },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The password chosen when the cluster was created. */
export async function readEmbeddedPassword(pgDir: string): Promise<string> {
  try {
    return (await readFile(join(pgDir, PASSWORD_FILE), "utf8")).trim();
  } catch (err) {
    throw new KeelError(
      "database_unreachable",
      `Cannot use the embedded PostgreSQL in ${pgDir}: ${PASSWORD_FILE} is missing, so this data directory was not created by Keel. Set KEEL_DATA_DIR to another folder, or DATABASE_URL to this server.`,
      { cause: err, details: { reason: "data_dir_invalid", pgDir } },
    );
  }
}

/** As root, PostgreSQL runs as user `postgres`, which must be able to enter every parent directory. */
export function rootHint(pgDir: string, output: LogTail): string {
  if (!runsAsRoot() || !output.includes(/permission denied/i)) return "";
  return ` PostgreSQL runs as user "${EMBEDDED_USER}" here (the process is root); that user must be able to enter every parent directory of ${pgDir} (chmod o+x), or set KEEL_DATA_DIR to a folder it can reach.`;
}

async function moveIntoPlace(staging: string, pgDir: string): Promise<boolean> {
  try {
    await rename(staging, pgDir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process finished first; its cluster wins and ours is discarded.
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await exists(join(pgDir, "PG_VERSION")))) return false;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
