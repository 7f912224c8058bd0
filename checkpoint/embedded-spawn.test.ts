import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPg, spawnPg } from "./embedded-spawn.js";

describe("spawnPg", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-spawn-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reports a program that cannot start in `ended`, instead of an unhandled 'error' event", async () => {
    const file = join(dir, "not-executable");
    await writeFile(file, "#!/bin/sh\n", { mode: 0o644 });
    const end = await spawnPg(file, [], { account: undefined, cwd: dir }).ended;
    expect(end.error?.message).toMatch(/EACCES/);
    expect(end.code).toBeNull();
  });

  it("passes only a minimal environment (no secrets of this process) in the C locale", async () => {
    process.env["KEEL_SPAWN_TEST_SECRET"] = "s3cret";
    let output = "";
    try {
      const end = await runPg("/bin/sh", ["-c", "env"], {
        account: undefined,
        cwd: dir,
        timeoutMs: 10_000,
        onOutput: (text) => (output += text),
      });
      expect(end.code).toBe(0);
    } finally {
      delete process.env["KEEL_SPAWN_TEST_SECRET"];
    }
    expect(output).toMatch(/^LC_ALL=C$/m);
    expect(output).not.toContain("s3cret");
  });

  it("runPg stops a program that outlives its time", async () => {
    const started = performance.now();
    const end = await runPg("/bin/sh", ["-c", "sleep 30"], { account: undefined, cwd: dir, timeoutMs: 100 });
    expect(end.timedOut).toBe(true);
    expect(end.signal).toBe("SIGTERM");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
