// Cross-validation of the whole training procedure on every labelled row: each row is scored by a
// model (weights and thresholds) trained, by the same procedure as `npm run guard:train`, on the
// other folds only. Complements the single held-out split with an estimate over all 2,526 rows.
// Usage: tsx scripts/cv-injection.ts [--data path] [--folds k] [--seed n]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/detect.js";
import { loadModel } from "../guards/injection/model.js";
import { stratifiedFolds } from "../guards/injection/split.js";
import { DEFAULT_TRAINING, parseRows, surfaceOf, trainInjectionModel } from "../guards/injection/training.js";
import { printInjectionReport } from "./injection-report.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/injection-dev.jsonl" },
    folds: { type: "string", default: "5" },
    // A fold assignment of its own, unrelated to the held-out split's seed.
    seed: { type: "string", default: "2027" },
  },
});
const rows = parseRows(readFileSync(resolve(root, values.data), "utf8"));
const k = Number(values.folds);
const folds = stratifiedFolds(rows, Number(values.seed), k);
const started = performance.now();
const results = [];
for (let fold = 0; fold < k; fold++) {
  const train = rows.filter((r) => folds.get(r.id) !== fold);
  const test = rows.filter((r) => folds.get(r.id) === fold);
  // testFraction 0: the procedure's own split is replaced by this outer fold.
  const { file } = trainInjectionModel(train, { ...DEFAULT_TRAINING, testFraction: 0 }, { data: "cv", dataSha256: "" });
  const model = loadModel(file);
  for (const row of test) {
    const verdict = detectInjection(row.text, surfaceOf(row), { model, thresholds: file.thresholds });
    results.push({ ...row, flagged: verdict.label === "injection" });
  }
  console.error(
    `fold ${fold + 1}/${k}: thresholds user ${file.thresholds.user}, untrusted ${file.thresholds.untrusted}`,
  );
}
console.log(
  `${k}-fold cross-validation of the training procedure over all ${rows.length} rows (fold seed ${values.seed})\n`,
);
const pass = printInjectionReport(results);
console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = pass ? 0 : 1;
