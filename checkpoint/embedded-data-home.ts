import { randomBytes } from "node:crypto";
import { lstat, readdir, readlink, rename, rm, rmdir, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { KeelError } from "../runtime/errors.js";
import { canEnter } from "./embedded-account.js";
import type { PostgresAccount } from "./embedded-spawn.js";
import { rootOwnedDir } from "./root-owned-dir.js";

/** Root only: where new clusters go when user "postgres" cannot enter the folder they were asked for. */
export const DEFAULT_DATA_ROOT = "/var/lib/keel";
/** In a cluster Keel put in the data root: the link that points to it, so anyone can tell whose it is. */
const LINK_FILE = "keel-link";

export interface ClusterHome {
  /** Where the cluster lives: the data folder asked for, or a new folder in the data root. */
  dir: string;
  /** True when `dir` is in the data root and the data folder asked for becomes a link to it. */
  linked: boolean;
}

/**
 * Where to create the cluster for `pgDir`. As root, PostgreSQL runs as `account`, which must enter
 * every folder above its data; a clone in a private folder (root's home, `mktemp -d`) keeps it out.
 * Rather than open the user's folders to others, the cluster then goes to a new root-owned folder in
 * `dataRoot`, and `pgDir` becomes a symbolic link to it: the data still shows under KEEL_DATA_DIR, and
 * removeEmbeddedData deletes both.
 */
export async function chooseClusterHome(
  pgDir: string,
  account: PostgresAccount | undefined,
  dataRoot: string,
): Promise<ClusterHome> {
  if (!account || (await canEnter(account, dirname(pgDir)))) return { dir: pgDir, linked: false };
  const existed = await isDir(dataRoot);
  await rootOwnedDir(dataRoot);
  if (!(await canEnter(account, dataRoot))) {
    if (!existed) await rmdir(dataRoot).catch(() => undefined);
    throw new KeelError(
      "database_unreachable",
      `Cannot create the embedded PostgreSQL for ${pgDir}: as root it runs as user "${account.name}", which can enter neither ${dirname(pgDir)} nor ${dataRoot}; set KEEL_DATA_DIR to a folder that user can enter, run Keel as a non-root user, or set DATABASE_URL to your own server.`,
      { details: { reason: "data_dir_unreachable", pgDir, dataRoot } },
    );
  }
  return { dir: join(dataRoot, `pg-${randomBytes(6).toString("hex")}`), linked: true };
}

/**
 * Moves a finished cluster (`built`) to its home, and links `pgDir` to it when it lives in the data
 * root. Returns false when another process placed its cluster first; ours is then discarded.
 */
export async function placeCluster(built: string, home: ClusterHome, pgDir: string): Promise<boolean> {
  if (!home.linked) return await renameUnlessTaken(built, pgDir);
  await writeFile(join(built, LINK_FILE), `${resolve(pgDir)}\n`, { mode: 0o644 });
  await rename(built, home.dir);
  try {
    // An empty folder where the link goes (made by hand, or by an earlier failed run) makes way for it.
    await rmdir(pgDir).catch(() => undefined);
    await symlink(home.dir, pgDir, "dir");
    return true;
  } catch (err) {
    await rm(home.dir, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === "EEXIST" && (await exists(join(pgDir, "PG_VERSION")))) return false;
    throw err;
  }
}

/**
 * Refuses a `pgDir` that cannot receive a new cluster: a link whose target is gone (its data was
 * deleted), or a folder holding something else.
 */
export async function assertFreeForCluster(pgDir: string): Promise<void> {
  const link = await readlink(pgDir).catch(() => undefined);
  if (link !== undefined && !(await exists(pgDir))) {
    throw new KeelError(
      "database_unreachable",
      `Cannot use ${pgDir} for the embedded PostgreSQL: it links to ${resolve(dirname(pgDir), link)}, which no longer exists; delete the link to start with an empty database, or set KEEL_DATA_DIR to another folder.`,
      { details: { reason: "data_dir_invalid", pgDir } },
    );
  }
  if ((await readdir(pgDir).catch(() => [])).length > 0) {
    throw new KeelError(
      "database_unreachable",
      `Cannot use ${pgDir} for the embedded PostgreSQL: the directory is not empty but holds no PostgreSQL data. Move it away, or set KEEL_DATA_DIR to another folder.`,
      { details: { reason: "data_dir_invalid", pgDir } },
    );
  }
}

/**
 * Deletes the embedded cluster of `pgDir` (stop its server first), including the folder in the data
 * root it links to when Keel put it there; a link made by hand keeps its target.
 */
export async function removeEmbeddedData(pgDir: string): Promise<void> {
  const link = await readlink(pgDir).catch(() => undefined);
  if (link !== undefined) {
    const target = resolve(dirname(pgDir), link);
    if (await exists(join(target, LINK_FILE))) await rm(target, { recursive: true, force: true });
  }
  await rm(pgDir, { recursive: true, force: true });
}

async function renameUnlessTaken(built: string, pgDir: string): Promise<boolean> {
  try {
    await rename(built, pgDir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process finished first; its cluster wins and ours is discarded (by the caller).
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

async function isDir(path: string): Promise<boolean> {
  return lstat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
