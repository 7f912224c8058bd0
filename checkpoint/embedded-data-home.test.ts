import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKeelError } from "../runtime/errors.js";
import { postgresAccount } from "./embedded-account.js";
import { assertFreeForCluster, chooseClusterHome, placeCluster, removeEmbeddedData } from "./embedded-data-home.js";

describe("where a new cluster lives", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-home-"));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is the folder asked for when user postgres can enter it (or the process is not root)", async () => {
    const pgDir = join(dir, "open", "pg");
    await mkdir(join(dir, "open"));
    expect(await chooseClusterHome(pgDir, await postgresAccount(), join(dir, "root"))).toEqual({
      dir: pgDir,
      linked: false,
    });
  });

  it("from a private folder: as root, a new folder in the data root, linked; removal takes both", async () => {
    const closed = join(dir, "closed");
    await mkdir(closed, { mode: 0o700 });
    const pgDir = join(closed, "pg");
    const dataRoot = join(dir, "root");
    const home = await chooseClusterHome(pgDir, await postgresAccount(), dataRoot);
    if (process.getuid?.() !== 0) {
      // A user who is not root runs PostgreSQL as themselves and can enter their own folder.
      expect(home).toEqual({ dir: pgDir, linked: false });
      return;
    }
    expect(home.linked).toBe(true);
    expect(home.dir.startsWith(`${dataRoot}/pg-`)).toBe(true);

    const built = join(dir, "built");
    await mkdir(built);
    await writeFile(join(built, "PG_VERSION"), "18\n");
    expect(await placeCluster(built, home, pgDir)).toBe(true);
    expect(await readdir(pgDir)).toEqual(["PG_VERSION", "keel-link"]);

    await removeEmbeddedData(pgDir);
    expect(await readdir(closed)).toEqual([]);
    expect(await readdir(dataRoot)).toEqual([]);
  });

  it("removal keeps the target of a link made by hand", async () => {
    const own = join(dir, "own-data");
    await mkdir(own);
    await writeFile(join(own, "PG_VERSION"), "18\n");
    const pgDir = join(dir, "linked-by-hand");
    await symlink(own, pgDir);
    await removeEmbeddedData(pgDir);
    expect(await readdir(own)).toEqual(["PG_VERSION"]);
    expect(await readdir(dir)).not.toContain("linked-by-hand");
  });

  it("refuses a link whose cluster was deleted, in one sentence", async () => {
    const pgDir = join(dir, "dangling");
    await symlink(join(dir, "gone"), pgDir);
    const err = await assertFreeForCluster(pgDir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKeelError(err, "database_unreachable")).toBe(true);
    expect((err as Error).message).toMatch(/no longer exists; delete the link/);
  });
});
