import { lstat, mkdir } from "node:fs/promises";
import { KeelError } from "../runtime/errors.js";

/**
 * Creates `dir` (mode 0755) if missing and checks that only root can change what is inside: a real
 * folder (not a link), owned by root, not writable by group or others. Keel, running as root, keeps
 * PostgreSQL binaries and data there; anyone else able to write it could run code as root or read
 * the database.
 */
export async function rootOwnedDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new KeelError(
      "database_unreachable",
      `Cannot create ${dir} for the embedded PostgreSQL (${(err as Error).message}); run Keel as a non-root user, or set DATABASE_URL to your own server.`,
      { cause: err, details: { reason: "shared_dir_unusable", dir } },
    );
  }
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    const what = info.isSymbolicLink()
      ? "a symbolic link"
      : `owned by uid ${info.uid} with mode ${(info.mode & 0o7777).toString(8)}`;
    throw new KeelError(
      "database_unreachable",
      `Refusing to use ${dir} for the embedded PostgreSQL: it is ${what}, but must be a folder owned by root that only root can write; fix or remove it, or set DATABASE_URL to your own server.`,
      { details: { reason: "shared_dir_unusable", dir } },
    );
  }
}
