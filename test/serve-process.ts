/** `npm run serve` as a real child process, for end-to-end tests through the SDK. */
import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@langchain/langgraph-sdk";
import { inject } from "vitest";
import { freePort, REPO_ROOT, waitForOk } from "./process.js";

export const KEYS = {
  alice: "alice-key-0123456789abcdef",
  bob: "bob-key-0123456789abcdef00",
  viewer: "viewer-key-0123456789abcdef",
} as const;
export const API_KEYS = `${KEYS.alice}:alice:member,${KEYS.bob}:bob:member,${KEYS.viewer}:vera:viewer`;

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  client(key?: string): Client;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServe(env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      OPENAI_API_KEY: "",
      DATABASE_URL: inject("databaseUrl"),
      AUTH_API_KEYS: API_KEYS,
      SERVE_HOST: "127.0.0.1",
      SERVE_PORT: String(port),
      SERVE_SWEEP_MS: "300",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitForOk(url, child, 30_000))) {
    child.kill("SIGKILL");
    throw new Error(`serve did not start:\n${output}`);
  }
  return {
    url,
    child,
    output: () => output,
    logLines: () =>
      output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    client: (key = KEYS.alice) => new Client({ apiUrl: url, defaultHeaders: { "x-api-key": key } }),
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A raw request with alice's key unless another is given; for status codes the SDK hides. */
export function call(
  serve: Pick<ServeProcess, "url">,
  path: string,
  init: RequestInit & { key?: string | null; json?: unknown } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? KEYS.alice : init.key;
  if (key) headers.set("x-api-key", key);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${serve.url}${path}`, {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json), method: init.method ?? "POST" } : {}),
  });
}
