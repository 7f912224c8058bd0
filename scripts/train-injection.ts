// Trains the injection guard's model on the training split and writes guards/injection/weights.json.
// Usage: tsx scripts/train-injection.ts [--data path] [--out path] [--seed n] [--test-fraction f] [--synthetic n]
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_TRAINING, trainInjectionModel } from "../guards/injection/training.js";
import { dataPaths, loadInjectionData } from "./injection-data.js";
import type { Figures } from "../guards/injection/metrics.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    /** Comma-separated files or directories of JSONL rows (default: see scripts/injection-data.ts). */
    data: { type: "string" },
    out: { type: "string", default: "guards/injection/weights.json" },
    seed: { type: "string", default: String(DEFAULT_TRAINING.seed) },
    "test-fraction": { type: "string", default: String(DEFAULT_TRAINING.testFraction) },
    synthetic: { type: "string", default: String(DEFAULT_TRAINING.synthetic) },
  },
});

const data = loadInjectionData(root, dataPaths(values.data));
const rows = data.rows;
const options = {
  ...DEFAULT_TRAINING,
  seed: Number(values.seed),
  testFraction: Number(values["test-fraction"]),
  synthetic: Number(values.synthetic),
};

const started = performance.now();
const { file, validation } = trainInjectionModel(rows, options, {
  // Relative to the repository, so the file does not depend on where it was trained.
  data: data.files.join(","),
  dataSha256: data.sha256,
});
const json = `${JSON.stringify(file, null, 2)}\n`;
const outPath = resolve(root, values.out);
writeFileSync(outPath, json);

const pct = (x: number | undefined): string => (x === undefined ? "  -  " : x.toFixed(3));
// Pooled scores hold each row once per repeat: rows are counted once.
const line = (name: string, f: Figures): string =>
  `${name.padEnd(10)} rows=${String(f.count / options.repeats).padStart(5)}  recall=${pct(f.recall)}  fpr=${pct(f.fpr)}  precision=${pct(f.precision)}`;
console.log(
  `rows: ${rows.length} (training split ${file.training.trainRows} + ${file.training.synthetic} synthetic; test rows untouched)`,
);
console.log(
  `validation (out-of-fold, ${options.folds} folds x ${options.repeats} repeats, scores pooled) at the chosen thresholds:`,
);
console.log(`  ${line("user", validation.user)}  threshold=${file.thresholds.user}`);
console.log(`  ${line("untrusted", validation.untrusted)}  threshold=${file.thresholds.untrusted}`);
console.log(`weights: ${file.count} non-zero, ${(json.length / 1024).toFixed(1)} KiB -> ${relative(root, outPath)}`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
