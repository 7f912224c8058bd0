import { spawn } from "node:child_process";
import { REPO_ROOT } from "./process.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment a child must not inherit from the developer's shell: tests choose every part. */
const SCRUBBED = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "DATABASE_URL",
  "MODEL",
  "LANGSMITH_TRACING",
  "LANGSMITH_API_KEY",
];

/** Runs the terminal client (`npm start`'s entry point) in its own process, as a user would. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 25_000): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.includes(k)));
  const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...base, LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`CLI printed no JSON (exit ${result.code}).\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}
