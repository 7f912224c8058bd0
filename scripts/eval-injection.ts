// Evaluates the injection guard on the held-out test rows only (the split recorded in the weights).
// Usage: tsx scripts/eval-injection.ts [--data path] [--weights path]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/detect.js";
import { loadModel, ModelFileSchema } from "../guards/injection/model.js";
import { stratifiedSplit } from "../guards/injection/split.js";
import { parseRows, surfaceOf } from "../guards/injection/training.js";
import { printInjectionReport } from "./injection-report.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/injection-dev.jsonl" },
    weights: { type: "string", default: "guards/injection/weights.json" },
  },
});

const file = ModelFileSchema.parse(JSON.parse(readFileSync(resolve(root, values.weights), "utf8")));
const bytes = readFileSync(resolve(root, values.data));
if (createHash("sha256").update(bytes).digest("hex") !== file.training.dataSha256) {
  console.warn(
    "WARNING: the data differs from the file the weights were trained on; the split may not hold out the same rows.",
  );
}
const rows = parseRows(bytes.toString("utf8"));
const { train, test } = stratifiedSplit(rows, file.training.seed, file.training.testFraction);
const trainIds = new Set(train.map((r) => r.id));
if (test.some((r) => trainIds.has(r.id))) throw new Error("test rows overlap the training split");

const model = loadModel(file);
const started = performance.now();
const results = test.map((row) => {
  const verdict = detectInjection(row.text, surfaceOf(row), { model, thresholds: file.thresholds });
  return { ...row, flagged: verdict.label === "injection" };
});
const seconds = (performance.now() - started) / 1000;

console.log(
  `held-out test rows: ${test.length} of ${rows.length} (seed ${file.training.seed}, test fraction ${file.training.testFraction})`,
);
console.log(`thresholds: user ${file.thresholds.user}, untrusted ${file.thresholds.untrusted}\n`);
printInjectionReport(results);
console.log(`scanned ${test.length} rows in ${seconds.toFixed(2)} s`);
