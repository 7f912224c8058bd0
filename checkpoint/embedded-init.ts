import { randomBytes } from "node:crypto";
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { KeelError } from "../runtime/errors.js";
import { removeAbandonedStaging, stagingPrefix } from "./abandoned-staging.js";
import { POSTGRES_ACCOUNT, runsAsRoot } from "./embedded-account.js";
import type { PostgresBinaries } from "./embedded-binaries.js";
import { assertFreeForCluster, chooseClusterHome, placeCluster } from "./embedded-data-home.js";
import { runPg, type ChildEnd, type PostgresAccount } from "./embedded-spawn.js";
import { LogTail } from "./log-tail.js";

/** Superuser of the embedded cluster. */
export const EMBEDDED_USER = "postgres";
/** Random password chosen at initialisation, kept next to the data it protects (mode 0600). */
const PASSWORD_FILE = "keel-password";

export interface InitialiseOptions {
  log: (msg: string) => void;
  /** false skips fsync during initdb (throwaway test clusters). */
  durable: boolean;
  timeoutMs: number;
  binaries: PostgresBinaries;
  /** Who runs initdb: set when this process is root (see postgresAccount). */
  account: PostgresAccount | undefined;
  /** Root only: where the cluster goes when `account` cannot enter the folder above `pgDir`. */
  dataRoot: string;
}

/**
 * Creates the cluster in `pgDir` unless it exists. initdb runs in a private staging folder, with the
 * superuser password in a 0600 file beside it, and the finished cluster is renamed into place: a
 * failed or interrupted first run leaves neither a half-made data folder nor a password file (the
 * staging folder is deleted, or, after a kill, by the next run), and two processes initialising at
 * once share whichever cluster was placed first. Returns true when this call created the cluster.
 */
export async function ensureInitialised(pgDir: string, opts: InitialiseOptions): Promise<boolean> {
  if (await exists(join(pgDir, "PG_VERSION"))) return false;
  await assertFreeForCluster(pgDir);
  await writable(dirname(pgDir), () => mkdir(dirname(pgDir), { recursive: true }));
  const home = await chooseClusterHome(pgDir, opts.account, opts.dataRoot);
  await removeAbandonedStaging(dirname(home.dir), "init");
  const work = await writable(dirname(home.dir), () =>
    mkdtemp(join(dirname(home.dir), stagingPrefix(basename(home.dir), "init"))),
  );
  const password = randomBytes(24).toString("base64url");
  const output = new LogTail();
  opts.log(
    home.linked
      ? `Initialising the embedded PostgreSQL in ${home.dir}, linked from ${pgDir} (first run only; user "${POSTGRES_ACCOUNT}", which runs it as the process is root, cannot enter ${dirname(pgDir)})…`
      : `Initialising the embedded PostgreSQL in ${pgDir} (first run only)…`,
  );
  try {
    const pwfile = join(work, "pwfile");
    await writeFile(pwfile, `${password}\n`, { mode: 0o600, flag: "wx" });
    if (opts.account) {
      await chown(work, opts.account.uid, opts.account.gid);
      await chown(pwfile, opts.account.uid, opts.account.gid);
    }
    const data = join(work, "data");
    const end = await runPg(
      opts.binaries.initdb,
      [
        `--pgdata=${data}`,
        "--auth=scram-sha-256",
        `--username=${EMBEDDED_USER}`,
        `--pwfile=${pwfile}`,
        // UTF8 whatever the host locale is: with the C locale initdb would otherwise pick SQL_ASCII.
        ...["--encoding=UTF8", "--locale=C", "--lc-messages=C"],
        ...(opts.durable ? [] : ["--no-sync"]),
      ],
      { account: opts.account, cwd: work, onOutput: output.add, timeoutMs: opts.timeoutMs },
    );
    if (end.error || end.timedOut || end.code !== 0) throw new Error(describeFailure(end, opts.timeoutMs));
    await writeFile(join(data, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
    return await placeCluster(data, home, pgDir);
  } catch (err) {
    if (err instanceof KeelError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new KeelError(
      "database_unreachable",
      `Cannot initialise the embedded PostgreSQL in ${pgDir}: ${message}.${rootHint(pgDir, output)} Set DATABASE_URL to use your own server instead.${output.format()}`,
      { cause: err, details: { reason: "init_failed", pgDir } },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function describeFailure(end: ChildEnd & { timedOut: boolean }, timeoutMs: number): string {
  if (end.error) return `initdb could not be started (${end.error.message})`;
  if (end.timedOut) return `initdb did not finish within ${timeoutMs} ms`;
  return `initdb failed (${end.signal ? `signal ${end.signal}` : `exit code ${end.code}`})`;
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
  return ` PostgreSQL runs as user "${POSTGRES_ACCOUNT}" here (the process is root); that user must be able to enter every parent directory of ${pgDir} (chmod o+x), or set KEEL_DATA_DIR to a folder it can reach.`;
}

/** Runs `make` (a mkdir in `dir`), turning a refusal (EACCES, EROFS) into a sentence naming the setting to change. */
async function writable<T>(dir: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    throw new KeelError(
      "database_unreachable",
      `Cannot create the embedded PostgreSQL's data in ${dir} (${(err as Error).message}); set KEEL_DATA_DIR to a folder you can write, or DATABASE_URL to your own server.`,
      { cause: err, details: { reason: "data_dir_invalid", dir } },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
