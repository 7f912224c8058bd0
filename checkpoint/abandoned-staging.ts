import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive } from "./postmaster-pid.js";

/** Name of a folder a process builds before renaming it into place: `<base>.<kind>-<pid>-<random>`. */
export function stagingPrefix(base: string, kind: "init" | "copy"): string {
  return `${base}.${kind}-${process.pid}-`;
}

/**
 * Deletes staging folders in `dir` left by processes that no longer run (killed during a first run,
 * e.g. Ctrl-C during initdb): half-made clusters, password files, half-copied binaries. Folders of
 * processes still running are theirs to finish or remove.
 */
export async function removeAbandonedStaging(dir: string, kind: "init" | "copy"): Promise<void> {
  const pattern = new RegExp(`\\.${kind}-(\\d+)-[A-Za-z0-9]+$`);
  const entries = await readdir(dir).catch(() => []);
  for (const name of entries) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
