import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { removeAbandonedStaging, stagingPrefix } from "./abandoned-staging.js";

it("removes staging folders of processes that no longer run, and only those", async () => {
  const dir = await mkdtemp(join(tmpdir(), "keel-staging-"));
  try {
    const exited = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => exited.on("exit", resolve));
    const names = [
      `pg.init-${exited.pid}-AbC123`, // its process is gone: abandoned
      `${stagingPrefix("pg", "init")}XyZ789`, // this process: still being built
      `pg.copy-${exited.pid}-AbC123`, // another kind
      "pg",
    ];
    for (const name of names) await mkdir(join(dir, name));
    await removeAbandonedStaging(dir, "init");
    expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
