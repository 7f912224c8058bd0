/** Process and port helpers shared by the test suite. */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs TypeScript `source` in a separate Node process (with tsx), the way a second terminal would.
 * `{{repo}}` in the source becomes the repository root. `onStdout` sees output as it arrives (to send
 * signals at the right moment). Killed after `timeoutMs`.
 */
export async function runTsChild(
  source: string,
  opts: { timeoutMs?: number; onStdout?: (text: string, child: { kill(signal: NodeJS.Signals): void }) => void } = {},
): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), "keel-child-"));
  // .mts: an ES module wherever it lives (top-level await), without a package.json beside it.
  const file = join(dir, "child.mts");
  await writeFile(file, source.replaceAll("{{repo}}", REPO_ROOT));
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    opts.onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      void rm(dir, { recursive: true, force: true }).then(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Polls `url/ok` until it answers 200; false once `timeoutMs` passes or the process has exited. */
export async function waitForOk(url: string, child: { exitCode: number | null }, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/ok`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    if (Date.now() > deadline || child.exitCode !== null) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
