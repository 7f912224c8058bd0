// Per-turn cost of the same agent task built four ways, in one process on one PostgresSaver: a plain
// loop, a bare LangGraph graph, LangChain's createAgent with middlewares, and Keel as shipped.
// The model is the fake OpenAI-compatible server (zero latency), so what is measured is the agent's
// own overhead: orchestration, checkpointing, guards. Writes evals/results/bench-agent.json.
// Usage: tsx bench/agent.ts [--turns n] [--warmup n] [--long n] [--long-seconds s (0: no cap)] [--out path]
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runStoragePass } from "../checkpoint/storage-pass.js";
import { writeResultsJson } from "../scripts/fold-workers.js";
import { createAgentDeps, guardOptionsOf } from "../app/keel.js";
import { startFakeOpenAI } from "../fake-openai/index.js";
import { compileAgent } from "../graphs/agent.js";
import { createRedactor } from "../guards/index.js";
import { loadConfig } from "../runtime/config.js";
import { createLogger } from "../runtime/logger.js";
import { createChatModel } from "../runtime/model.js";
import {
  bareGraph,
  createAgentMiddlewares,
  keelInvoke,
  keelRunTurn,
  langchainAgent,
  naiveLoop,
  type Implementation,
} from "./agent/implementations.js";
import { mean, minus, openScratchDatabase, quantile, storedFor, timed, type Stored } from "./agent/measure.js";
import { assertAnswer, benchResponder, question } from "./agent/task.js";

const TURNS_PER_THREAD = 10;
const TARGET_VS_GRAPH = 1.5;
const TARGET_VS_CREATE_AGENT = 0.33;
const TARGET_LATE_TURN_GROWTH = 1.2;
/** Turns after which a long thread's size is reported, and turns whose own writes are. */
const STORED_AFTER = [10, 100, 1000];
const ADDED_AT = [20, 100, 1000];

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    long: { type: "string", default: "1000" },
    "long-seconds": { type: "string" },
    out: { type: "string", default: "evals/results/bench-agent.json" },
  },
});
const turns = Math.max(1, Number(values.turns));
const warmup = Math.max(0, Number(values.warmup));
const longTurns = Math.max(20, Number(values.long));
// Keel's late-turn target is judged at turn 1000, so its thread gets the time to get there; the bare
// graph's growth shows well before, and its turns slow down as its thread grows.
const longCaps = values["long-seconds"]
  ? { keel: Math.max(0, Number(values["long-seconds"])), graph: Math.max(0, Number(values["long-seconds"])) }
  : { keel: 120, graph: 30 };

const fake = await startFakeOpenAI({ responder: benchResponder });
const env = process.env;
const config = loadConfig({
  OPENAI_API_KEY: "bench",
  OPENAI_BASE_URL: fake.baseUrl,
  // The fake's token counts are estimates; a 1,000-turn thread would otherwise meet the default
  // $10 thread budget and stop answering. Every other setting is Keel's default.
  MAX_THREAD_COST_USD: "0",
  DATABASE_URL: env["DATABASE_URL"],
  KEEL_DATA_DIR: env["KEEL_DATA_DIR"],
  EMBEDDED_PG_PORT: env["EMBEDDED_PG_PORT"],
  LOG_LEVEL: env["LOG_LEVEL"],
});
const db = await openScratchDatabase(config.database).catch(async (err: unknown) => {
  await fake.close();
  throw err;
});

try {
  // One ChatOpenAI configuration for all: Keel's own (streaming with usage, local token counts).
  const model = createChatModel(config.model);
  // Keel logs as it does in production (level, redaction), to a sink so the table stays readable.
  const logger = createLogger(config.logLevel, {
    redact: createRedactor(guardOptionsOf(config)),
    destination: { write: () => undefined },
  });
  const keel = compileAgent(createAgentDeps(config, { fake: undefined, pool: async () => db.pool, logger }), db.saver);
  const impls: Implementation[] = [
    naiveLoop(model, db.saver),
    bareGraph(model, db.saver),
    langchainAgent(model, db.saver, config),
    keelInvoke(keel),
    keelRunTurn(keel, logger),
  ];
  const [, graph, createAgentImpl, keelImpl] = impls as [
    Implementation,
    Implementation,
    Implementation,
    Implementation,
  ];

  const turnOn = async (impl: Implementation, threadId: string, i: number) => {
    const q = question(i);
    const run = await timed(() => impl.turn(threadId, q.text));
    assertAnswer(impl.name, run.value, q.expected);
    return run;
  };

  // Rounds: every implementation plays turn n in each round, in a rotating order, so machine noise
  // and warm-up effects fall on all alike. Threads hold TURNS_PER_THREAD turns each.
  type Sample = { wallMs: number; cpuMs: number; stored: Stored };
  const samples = new Map<Implementation, Sample[]>(impls.map((impl) => [impl, []]));
  const started = performance.now();
  for (let n = 0; n < warmup + turns; n++) {
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(n + k) % impls.length]!;
      const threadId = `bench-${impls.indexOf(impl)}-${Math.floor(n / TURNS_PER_THREAD)}`;
      const before = n >= warmup ? await storedFor(db.pool, threadId) : undefined;
      const run = await turnOn(impl, threadId, n);
      if (before) {
        const stored = minus(await storedFor(db.pool, threadId), before);
        samples.get(impl)!.push({ wallMs: run.wallMs, cpuMs: run.cpuMs, stored });
      }
    }
  }
  const roundsSeconds = (performance.now() - started) / 1000;

  const perTurn = impls.map((impl) => {
    const s = samples.get(impl)!;
    const walls = s.map((x) => x.wallMs);
    return {
      name: impl.name,
      medianMs: quantile(walls, 0.5),
      p90Ms: quantile(walls, 0.9),
      cpuMs: mean(s.map((x) => x.cpuMs)),
      checkpoints: mean(s.map((x) => x.stored.checkpoints)),
      writes: mean(s.map((x) => x.stored.writes)),
      blobs: mean(s.map((x) => x.stored.blobs)),
      rawBytes: mean(s.map((x) => x.stored.rawBytes)),
      storedBytes: mean(s.map((x) => x.stored.storedBytes)),
    };
  });
  const byName = (impl: Implementation) => perTurn.find((r) => r.name === impl.name)!;
  const ratio = (a: Implementation, b: Implementation, key: "medianMs" | "p90Ms" | "cpuMs") =>
    byName(a)[key] / byName(b)[key];
  const ratios = {
    keelOverBareGraph: {
      median: ratio(keelImpl, graph, "medianMs"),
      p90: ratio(keelImpl, graph, "p90Ms"),
      cpu: ratio(keelImpl, graph, "cpuMs"),
      target: TARGET_VS_GRAPH,
    },
    keelOverCreateAgent: {
      median: ratio(keelImpl, createAgentImpl, "medianMs"),
      p90: ratio(keelImpl, createAgentImpl, "p90Ms"),
      cpu: ratio(keelImpl, createAgentImpl, "cpuMs"),
      target: TARGET_VS_CREATE_AGENT,
    },
  };

  // One long thread each for Keel and the bare graph: what a thread holds as it grows, and what one
  // turn adds early and late in it. Each stops at its time cap (see longCaps) so the bench stays
  // short when turns slow down as a thread grows; the output says which turn was reached.
  const longStarted = performance.now();
  const long = [];
  for (const [impl, cap] of [
    [keelImpl, longCaps.keel],
    [graph, longCaps.graph],
  ] as const) {
    const threadId = `long-${impls.indexOf(impl)}`;
    // Summing a thread's rows gets slower as it grows, so only the turns reported are measured.
    const after: Record<number, Stored> = {};
    const added: Record<number, Stored> = {};
    let reached = 0;
    const began = performance.now();
    for (let n = 1; n <= longTurns; n++) {
      if (cap > 0 && performance.now() - began > cap * 1000) break;
      const before = ADDED_AT.includes(n) ? await storedFor(db.pool, threadId) : undefined;
      await turnOn(impl, threadId, n);
      reached = n;
      if (before || STORED_AFTER.includes(n)) {
        const now = await storedFor(db.pool, threadId);
        if (before) added[n] = minus(now, before);
        if (STORED_AFTER.includes(n)) after[n] = now;
      }
    }
    const seconds = (performance.now() - began) / 1000;
    // What the thread holds once the retention pass `npm run serve` schedules has run over it.
    await runStoragePass(db.pool, config.storage);
    const retained = await storedFor(db.pool, threadId);
    long.push({ name: impl.name, capSeconds: cap, reached, seconds, after, added, retained });
  }
  const longSeconds = (performance.now() - longStarted) / 1000;
  const keelLong = long[0]!;
  const lateGrowth = (keelLong.added[1000]?.storedBytes ?? NaN) / (keelLong.added[20]?.storedBytes ?? NaN);

  const langchainVersion = (
    JSON.parse(readFileSync(resolve(root, "node_modules/langchain/package.json"), "utf8")) as { version: string }
  ).version;
  const middlewares = Object.keys(createAgentMiddlewares(model, config));
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  const kb = (bytes: number | undefined) => (bytes === undefined ? "-" : (bytes / 1024).toFixed(1));

  console.log(
    `agent bench: one turn = 2 model calls + 1 tool call (fake model, zero latency); ${turns} turns each after ${warmup} warm-up, ` +
      `in rounds, ${TURNS_PER_THREAD} turns per thread; PostgreSQL ${db.embedded ? "embedded" : "from DATABASE_URL"}; ` +
      `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}; ${roundsSeconds.toFixed(0)} s + ${longSeconds.toFixed(0)} s`,
  );
  const head = ["median ms", "p90 ms", "CPU ms", "ckpts", "writes", "blobs", "KB raw", "KB stored"];
  console.log(`${"implementation".padEnd(26)}${head.map((h) => h.padStart(10)).join("")}   (per turn)`);
  for (const r of perTurn) {
    const cells = [r.medianMs, r.p90Ms, r.cpuMs].map((v) => v.toFixed(1));
    cells.push(...[r.checkpoints, r.writes, r.blobs].map((v) => v.toFixed(1)), kb(r.rawBytes), kb(r.storedBytes));
    console.log(`${r.name.padEnd(26)}${cells.map((c) => c.padStart(10)).join("")}`);
  }
  for (const [label, r] of [
    ["bare LangGraph", ratios.keelOverBareGraph],
    ["createAgent", ratios.keelOverCreateAgent],
  ] as const) {
    console.log(
      `Keel ÷ ${label}: median ${r.median.toFixed(2)}×, p90 ${r.p90.toFixed(2)}×, CPU ${r.cpu.toFixed(2)}× ` +
        `(target median ≤ ${r.target}×: ${met(r.median <= r.target)}; Keel row, not runTurn)`,
    );
  }
  console.log(
    `\none thread each, up to ${longTurns} turns or a time cap (Keel ${longCaps.keel || "none"} s, ` +
      `bare graph ${longCaps.graph || "none"} s): KB stored (raw) in the thread after n turns, and KB turn n adds`,
  );
  const columns = [...STORED_AFTER.map((m) => `after ${m}`), ...ADDED_AT.map((m) => `turn ${m}`)];
  console.log(`${"implementation".padEnd(16)}${columns.map((h) => h.padStart(18)).join("")}  turns reached`);
  for (const l of long) {
    const cell = (s: Stored | undefined) => (s ? `${kb(s.storedBytes)} (${kb(s.rawBytes)})` : "-");
    const cells = [...STORED_AFTER.map((m) => cell(l.after[m])), ...ADDED_AT.map((m) => cell(l.added[m]))];
    console.log(
      `${l.name.padEnd(16)}${cells.map((c) => c.padStart(18)).join("")}  ${l.reached} in ${l.seconds.toFixed(0)} s`,
    );
  }
  for (const l of long) {
    console.log(
      `${l.name}: after ${l.reached} turns and one retention pass (STORAGE_KEEP_CHECKPOINTS=${config.storage.keepCheckpoints}): ` +
        `${kb(l.retained.storedBytes)} KB stored (${kb(l.retained.rawBytes)} raw), ${l.retained.checkpoints} checkpoints`,
    );
  }
  console.log(
    Number.isNaN(lateGrowth)
      ? "Keel: turn 1000 not reached; its per-turn target is not judged"
      : `Keel: KB turn 1000 adds ÷ KB turn 20 adds: ${lateGrowth.toFixed(2)}× ` +
          `(target ≤ ${TARGET_LATE_TURN_GROWTH}×: ${met(lateGrowth <= TARGET_LATE_TURN_GROWTH)})`,
  );
  console.log(`\ncreateAgent: langchain ${langchainVersion}, middlewares: ${middlewares.join(", ")}`);

  const out = resolve(root, values.out);
  const result = {
    what: "Per-turn wall time, CPU and checkpoint storage of one calculator turn, four implementations (bench/agent.ts)",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverage: loadavg()[0], node: process.version },
    settings: {
      turns,
      warmup,
      turnsPerThread: TURNS_PER_THREAD,
      longTurns,
      longCapSeconds: longCaps,
      embeddedPostgres: db.embedded,
    },
    createAgent: { langchain: langchainVersion, middlewares },
    perTurn,
    ratios: {
      ...ratios,
      met: {
        keelOverBareGraph: ratios.keelOverBareGraph.median <= TARGET_VS_GRAPH,
        keelOverCreateAgent: ratios.keelOverCreateAgent.median <= TARGET_VS_CREATE_AGENT,
      },
    },
    longThread: long,
    keelLateTurnGrowth: {
      // KB turn 1000 adds ÷ KB turn 20 adds; null when turn 1000 was not reached.
      value: Number.isNaN(lateGrowth) ? null : lateGrowth,
      target: TARGET_LATE_TURN_GROWTH,
      met: Number.isNaN(lateGrowth) ? null : lateGrowth <= TARGET_LATE_TURN_GROWTH,
    },
    seconds: { rounds: roundsSeconds, longThreads: longSeconds },
  };
  await writeResultsJson(out, result);
  console.log(`wrote ${values.out}`);
} finally {
  await Promise.allSettled([db.close(), fake.close()]);
}
