// Cross-validation of the whole training procedure on every labelled row: each row is scored by a
// model (weights and thresholds) trained, by the same procedure as `npm run guard:train`, on the
// other folds only. Folds are stratified by source, so every source is on both sides: these are
// in-distribution figures, to read beside the leave-one-source-out ones of `npm run guard:eval`.
// Rows are scored through the agent's path (user input: flagged or refused; tool output: flagged).
// Writes the figures per source family to evals/results/guard-cv.json, which guard:eval prints
// beside its LOSO table.
// Usage: tsx scripts/cv-injection.ts [--data path] [--folds k] [--seed n] [--out path] [--workers n]
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { foldGroups, markdownTable, runFold, summarizeByFamily, type FoldResult } from "../guards/injection/loso.js";
import { DEFAULT_TRAINING, parseRows, type InjectionRow, type TrainingOptions } from "../guards/injection/training.js";
import { printInjectionReport } from "./injection-report.js";

interface FoldTask {
  rows: InjectionRow[];
  heldOut: string;
  options: TrainingOptions;
  seed: number;
  k: number;
}

if (!isMainThread) {
  const task = workerData as FoldTask;
  parentPort?.postMessage(runFold(task.rows, task.heldOut, task.options, foldGroups(task.rows, task.seed, task.k)));
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/** One worker thread per fold, `workers` at a time (tsx registered in each). */
async function runFolds(tasks: FoldTask[], workers: number): Promise<FoldResult[]> {
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const queue = [...tasks];
  const results: FoldResult[] = [];
  const lane = async (): Promise<void> => {
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const heldOut = task.heldOut;
      const result = await new Promise<FoldResult>((done, fail) => {
        const worker = new Worker(boot, { eval: true, workerData: task });
        worker.once("message", (m: FoldResult) => done(m));
        worker.once("error", fail);
        worker.once("exit", (code) => code !== 0 && fail(new Error(`${heldOut}: worker exited with ${code}`)));
      });
      console.error(
        `${heldOut}/${task.k}: thresholds user ${result.thresholds.user}, untrusted ${result.thresholds.untrusted}`,
      );
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, lane));
  return results;
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { values } = parseArgs({
    options: {
      data: { type: "string", default: "../shared/data/injection-dev.jsonl" },
      folds: { type: "string", default: "5" },
      // A fold assignment of its own, unrelated to the held-out split's seed.
      seed: { type: "string", default: "2027" },
      out: { type: "string", default: "evals/results/guard-cv.json" },
      workers: { type: "string", default: String(availableParallelism()) },
    },
  });
  const dataPath = resolve(root, values.data);
  const bytes = readFileSync(dataPath);
  const rows = parseRows(bytes.toString("utf8"));
  const k = Number(values.folds);
  const seed = Number(values.seed);
  const started = performance.now();
  const tasks = Array.from({ length: k }, (_, i) => ({
    rows,
    heldOut: `fold ${i + 1}`,
    options: DEFAULT_TRAINING,
    seed,
    k,
  }));
  const folds = await runFolds(tasks, Number(values.workers));
  const predictions = folds.flatMap((f) => f.predictions);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const results = predictions.map((p) => {
    const row = byId.get(p.id);
    if (row === undefined) throw new Error(`unknown row ${p.id}`);
    return { ...row, flagged: p.flagged };
  });
  console.log(
    `${k}-fold cross-validation of the training procedure over all ${rows.length} rows (fold seed ${seed})\n`,
  );
  const pass = printInjectionReport(results);
  const byFamily = summarizeByFamily(predictions);
  console.log(
    `\nPer source family, flag and refusal as the agent acts on them:\n\n${markdownTable(byFamily, "source family")}\n`,
  );
  const outPath = resolve(root, values.out);
  mkdirSync(dirname(outPath), { recursive: true });
  const round4 = (_k: string, v: unknown): unknown => (typeof v === "number" ? Number(v.toFixed(4)) : v);
  let text = `${JSON.stringify(
    {
      what: `${k}-fold cross-validation of the guard:train procedure, stratified by source (in-distribution; scripts/cv-injection.ts)`,
      data: relative(root, dataPath),
      dataSha256: createHash("sha256").update(bytes).digest("hex"),
      folds: k,
      seed,
      thresholds: Object.fromEntries(folds.map((f) => [f.group, f.thresholds])),
      byFamily,
    },
    round4,
    2,
  )}\n`;
  try {
    const prettier = await import("prettier");
    text = await prettier.format(text, { ...(await prettier.resolveConfig(outPath)), filepath: outPath });
  } catch {
    // prettier is a dev dependency; without it the JSON is still valid.
  }
  writeFileSync(outPath, text);
  console.log(`CV results -> ${relative(root, outPath)}`);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  process.exitCode = pass ? 0 : 1;
}
