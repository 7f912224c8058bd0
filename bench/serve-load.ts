// Load on the graph API: `npm run serve` (PostgreSQL, durable) beside `langgraphjs dev` (in memory)
// on the same graph and the same fake model, at 1, 10, 100, 500 and 2,000 concurrent runs. Each run
// is one `runs.wait` through the official SDK with retries off, so what a caller gets is what the
// server answered. Per level: turns/s, latency p50/p99, failed or wrong answers, peak RSS and CPU
// per turn of the server's processes, and (Keel) runs left pending or running afterwards.
// Usage: tsx bench/serve-load.ts [--levels 1,10,100,500,2000] [--latency-ms 0] [--only keel|dev] [--profile dir]
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { startEmbeddedServer } from "../checkpoint/embedded-server.js";
import { removeEmbeddedData } from "../checkpoint/embedded-data-home.js";
import { migrate } from "../checkpoint/migrate.js";
import { say, startFakeOpenAI } from "../fake-openai/index.js";
import { writeResultsJson } from "../scripts/fold-workers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "1,10,100,500,2000" },
    "latency-ms": { type: "string", default: "0" },
    only: { type: "string" },
    out: { type: "string", default: "evals/results/bench-serve.json" },
    /** Writes a CPU profile of each server to this folder (to see where its time goes). */
    profile: { type: "string" },
  },
});
const levels = values.levels.split(",").map(Number);
const latencyMs = Number(values["latency-ms"]);
const KEY = "bench-key-0123456789abcdef";
const TICKS_PER_S = 100; // /proc's clock ticks (USER_HZ) on Linux

interface LevelResult {
  server: "keel" | "dev";
  concurrent: number;
  turnsPerS: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  wrong: number;
  peakRssMb: number;
  cpuMsPerTurn: number;
  /** What the first few failed or wrong answers said. */
  notes: string[];
  /** Keel only: runs still pending or running once every caller had its answer. */
  leftActive?: number;
}

/** Every process in the tree under `pid` (the dev CLI runs its server as a child). */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(entry));
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of parents.get(p) ?? []) walk(c);
  };
  walk(pid);
  return all;
}

/** CPU seconds (user + system) and resident MB of a process tree. */
async function usage(pid: number): Promise<{ cpuS: number; rssMb: number }> {
  let ticks = 0;
  let rssKb = 0;
  for (const p of await processTree(pid)) {
    const stat = await readFile(`/proc/${p}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    const status = await readFile(`/proc/${p}/status`, "utf8").catch(() => "");
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { cpuS: ticks / TICKS_PER_S, rssMb: rssKb / 1024 };
}

async function waitForOk(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output()}`);
    const ok = await fetch(`${url}/ok`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start:\n${output()}`);
}

async function startServer(
  kind: "keel" | "dev",
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const profile = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : [];
  const args =
    kind === "keel"
      ? [...profile, "--import", "tsx", "server/main.ts"]
      : [
          "node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs",
          "dev",
          "--no-browser",
          "--no-reload",
          "--port",
          String(port),
        ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      SERVE_PORT: String(port),
      SERVE_HOST: "127.0.0.1",
      AUTH_API_KEYS: `${KEY}:bench:member`,
      LANGGRAPH_CLI_NO_ANALYTICS: "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(url, child, () => output);
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A number written with the letters a–z. */
const letters = (n: number): string =>
  (n < 26 ? "" : letters(Math.floor(n / 26) - 1)) + String.fromCharCode(97 + (n % 26));

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** `n` runs at once, each on its own thread, each asking for a token the model must echo back. */
async function level(
  kind: "keel" | "dev",
  url: string,
  pid: number,
  n: number,
  activeRuns?: () => Promise<number>,
): Promise<LevelResult> {
  const client = new Client({ apiUrl: url, defaultHeaders: { "x-api-key": KEY }, callerOptions: { maxRetries: 0 } });
  const threads: string[] = [];
  // Threads are made beforehand (50 at a time): the level measures runs, not thread creation.
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => client.threads.create()));
    threads.push(...batch.map((t) => t.thread_id));
  }
  let peakRss = 0;
  const sampler = setInterval(() => void usage(pid).then((u) => (peakRss = Math.max(peakRss, u.rssMb))), 100);
  const before = await usage(pid);
  const started = performance.now();
  const outcomes = await Promise.all(
    threads.map(async (threadId, i) => {
      // Letters only: a token with a run of digits can read as a phone number, and the output
      // redactor would rightly hide it.
      const token = `token${letters(i)}x${letters(Math.floor(Math.random() * 1e9))}`;
      const t0 = performance.now();
      try {
        const values = (await client.runs.wait(threadId, "agent", {
          input: { messages: [{ role: "user", content: `Please echo ${token}` }] },
        })) as { messages?: { content?: unknown }[] };
        const answer = JSON.stringify(values.messages?.at(-1)?.content ?? "");
        const wrong = !answer.includes(token);
        return { ms: performance.now() - t0, failed: false, wrong, ...(wrong ? { note: answer.slice(0, 300) } : {}) };
      } catch (err) {
        return { ms: performance.now() - t0, failed: true, wrong: false, note: String(err).slice(0, 300) };
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const after = await usage(pid);
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    server: kind,
    concurrent: n,
    turnsPerS: n / wallS,
    p50Ms: percentile(ms, 0.5),
    p99Ms: percentile(ms, 0.99),
    failed: outcomes.filter((o) => o.failed).length,
    wrong: outcomes.filter((o) => o.wrong).length,
    peakRssMb: Math.max(peakRss, after.rssMb),
    cpuMsPerTurn: ((after.cpuS - before.cpuS) * 1000) / n,
    notes: outcomes.flatMap((o) => (o.note ? [o.note] : [])).slice(0, 5),
    ...(activeRuns ? { leftActive: await activeRuns() } : {}),
  };
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI({
    responder: async (request) => {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      const asked = JSON.stringify(request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
      return say(`Echo: ${/token[a-z]+/.exec(asked)?.[0] ?? "none"}`);
    },
  });
  // A cluster of its own, durable (fsync on) as in production, removed at the end.
  const dir = await mkdtemp(join(tmpdir(), "keel-bench-pg-"));
  await chmod(dir, 0o755);
  const pgDir = join(dir, "pg");
  const db = await startEmbeddedServer({ pgDir, port: 30_000 + Math.floor(Math.random() * 20_000), durable: true });
  const results: LevelResult[] = [];
  try {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool);
    const activeRuns = async () =>
      Number(
        (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM keel_runs WHERE status IN ('pending', 'running')`))
          .rows[0]?.n,
      );
    const env = {
      OPENAI_API_KEY: "bench",
      OPENAI_BASE_URL: fake.baseUrl,
      DATABASE_URL: db.url,
      MODEL_MAX_RETRIES: "0",
    };
    for (const kind of ["keel", "dev"] as const) {
      if (values.only && values.only !== kind) continue;
      const server = await startServer(kind, env);
      try {
        // One warm-up run: the first compiles the graph and opens connections.
        await level(kind, server.url, server.child.pid!, 1);
        for (const n of levels) {
          const result = await level(kind, server.url, server.child.pid!, n, kind === "keel" ? activeRuns : undefined);
          results.push(result);
          process.stderr.write(`${kind} ${n}: ${JSON.stringify(result)}\n`);
        }
      } finally {
        await stopServer(server.child);
      }
    }
    await pool.end();
  } finally {
    await db.stop();
    await removeEmbeddedData(pgDir);
    await rm(dir, { recursive: true, force: true });
    await fake.close();
  }
  print(results);
  await writeResultsJson(resolve(root, values.out), {
    latencyMs,
    levels,
    cores: (await import("node:os")).cpus().length,
    results,
  });
}

function print(results: LevelResult[]): void {
  const head = ["server", "runs", "turns/s", "p50 ms", "p99 ms", "failed", "wrong", "left", "RSS MB", "CPU ms/turn"];
  const rows = results.map((r) => [
    r.server === "keel" ? "keel serve (PostgreSQL)" : "langgraphjs dev (memory)",
    String(r.concurrent),
    r.turnsPerS.toFixed(1),
    r.p50Ms.toFixed(0),
    r.p99Ms.toFixed(0),
    String(r.failed),
    String(r.wrong),
    r.leftActive === undefined ? "-" : String(r.leftActive),
    r.peakRssMb.toFixed(0),
    r.cpuMsPerTurn.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  console.log(`\nLoad on the graph API, model latency ${latencyMs} ms (runs.wait, SDK retries off)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const n of levels) {
    const keel = results.find((r) => r.server === "keel" && r.concurrent === n);
    const dev = results.find((r) => r.server === "dev" && r.concurrent === n);
    if (keel && dev) {
      console.log(`  ${n} runs: keel CPU per turn ${(keel.cpuMsPerTurn / dev.cpuMsPerTurn).toFixed(2)}x dev's`);
    }
  }
}

await main();
