// Cross-validation of the whole training procedure on every labelled row: each row is scored by a
// model (weights and thresholds) trained, by the same procedure as `npm run guard:train`, on the
// other folds only. Folds are stratified by source, so every source is on both sides: these are
// in-distribution figures, to read beside the leave-one-source-out ones of `npm run guard:eval`.
// Rows are scored through the agent's path (user input: flagged or refused; tool output: flagged).
// Writes the figures per source family to evals/results/guard-cv.json, which guard:eval prints
// beside its LOSO table.
// Usage: tsx scripts/cv-injection.ts [--data path] [--folds k] [--seed n] [--out path] [--workers n]
import { availableParallelism } from "node:os";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { foldGroups, markdownTable, runFold, summarizeByFamily, type FoldResult } from "../guards/injection/loso.js";
import { DEFAULT_TRAINING, type InjectionRow, type TrainingOptions } from "../guards/injection/training.js";
import { dataPaths, loadInjectionData } from "./injection-data.js";
import { runInWorkers, workerOrMain, writeResultsJson } from "./fold-workers.js";
import { printInjectionReport } from "./injection-report.js";

interface FoldTask {
  rows: InjectionRow[];
  heldOut: string;
  options: TrainingOptions;
  seed: number;
  k: number;
}

workerOrMain(
  (task: FoldTask) => runFold(task.rows, task.heldOut, task.options, foldGroups(task.rows, task.seed, task.k)),
  main,
);

async function main(): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { values } = parseArgs({
    options: {
      /** Comma-separated files or directories of JSONL rows (default: see scripts/injection-data.ts). */
      data: { type: "string" },
      folds: { type: "string", default: "5" },
      // A fold assignment of its own, unrelated to the held-out split's seed.
      seed: { type: "string", default: "2027" },
      out: { type: "string", default: "evals/results/guard-cv.json" },
      workers: { type: "string", default: String(availableParallelism()) },
    },
  });
  const data = loadInjectionData(root, dataPaths(values.data));
  const rows = data.rows;
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
  const folds = await runInWorkers<FoldTask, FoldResult>(import.meta.url, tasks, Number(values.workers), (task, r) =>
    console.error(
      `${task.heldOut}/${task.k}: thresholds user ${r.thresholds.user}, untrusted ${r.thresholds.untrusted}`,
    ),
  );
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
  await writeResultsJson(outPath, {
    what: `${k}-fold cross-validation of the guard:train procedure, stratified by source (in-distribution; scripts/cv-injection.ts)`,
    data: data.files,
    dataSha256: data.sha256,
    folds: k,
    seed,
    thresholds: Object.fromEntries(folds.map((f) => [f.group, f.thresholds])),
    byFamily,
  });
  console.log(`CV results -> ${relative(root, outPath)}`);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  process.exitCode = pass ? 0 : 1;
}
