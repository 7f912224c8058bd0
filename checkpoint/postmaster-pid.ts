import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** What a running PostgreSQL server writes to `<data dir>/postmaster.pid`. */
export interface PostmasterInfo {
  pid: number;
  port: number;
  /** "starting", "ready", "stopping", "standby" (absent while the server is still starting). */
  status: string;
}

/**
 * Reads the lock file PostgreSQL keeps in its data directory while it runs. Lines: 1 pid, 2 data dir,
 * 3 start time, 4 port, 5 socket dir, 6 listen address, 7 shared memory key, 8 status.
 */
export async function readPostmasterPid(pgDir: string): Promise<PostmasterInfo | undefined> {
  let text: string;
  try {
    text = await readFile(join(pgDir, "postmaster.pid"), "utf8");
  } catch {
    return undefined;
  }
  return parsePostmasterPid(text);
}

export function parsePostmasterPid(text: string): PostmasterInfo | undefined {
  const lines = text.split("\n").map((line) => line.trim());
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, port, status: lines[7] || "starting" };
}

/** True if a process with this pid exists (EPERM means it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The server currently running on this data directory, if any (a stale lock file does not count). */
export async function findRunningPostmaster(pgDir: string): Promise<PostmasterInfo | undefined> {
  const info = await readPostmasterPid(pgDir);
  return info && isProcessAlive(info.pid) ? info : undefined;
}
