// Evaluates the injection guard on the held-out test rows only (the split recorded in the weights).
// Usage: tsx scripts/eval-injection.ts [--data path] [--weights path]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/detect.js";
import { figures, figuresBy, type Figures } from "../guards/injection/metrics.js";
import { loadModel, ModelFileSchema } from "../guards/injection/model.js";
import { stratifiedSplit } from "../guards/injection/split.js";
import { parseRows, surfaceOf } from "../guards/injection/training.js";

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

const pct = (x: number | undefined): string => (x === undefined ? "    -" : x.toFixed(3).padStart(5));
const header = `${"group".padEnd(44)} ${"n".padStart(5)} ${"inj".padStart(4)} ${"ben".padStart(4)}  prec  recall  fpr`;
const line = (name: string, f: Figures): string =>
  `${name.padEnd(44)} ${String(f.count).padStart(5)} ${String(f.injections).padStart(4)} ${String(f.benign).padStart(4)} ${pct(f.precision)}  ${pct(f.recall)}  ${pct(f.fpr)}`;

console.log(
  `held-out test rows: ${test.length} of ${rows.length} (seed ${file.training.seed}, test fraction ${file.training.testFraction})`,
);
console.log(`thresholds: user ${file.thresholds.user}, untrusted ${file.thresholds.untrusted}\n`);
console.log(header);
console.log("per source (vector)");
for (const [key, f] of figuresBy(results, (r) => `${r.source} (${r.vector})`)) console.log(line(`  ${key}`, f));
console.log("per source / category");
for (const [key, f] of figuresBy(results, (r) => `${r.source} / ${r.category}`)) console.log(line(`  ${key}`, f));
console.log("per vector");
const byVector = figuresBy(results, (r) => r.vector);
for (const [key, f] of byVector) console.log(line(`  ${key}`, f));
const notinject = figures(results.filter((r) => r.source === "notinject"));
console.log(line("  notinject (over-defense)", notinject));
console.log(line("pooled", figures(results)));

const checks = [
  ...[...byVector].flatMap(([vector, f]) => [
    { name: `${vector} recall >= 0.90`, ok: (f.recall ?? 0) >= 0.9 },
    { name: `${vector} benign FPR <= 0.05`, ok: (f.fpr ?? 0) <= 0.05 },
  ]),
  { name: "notinject FPR <= 0.10", ok: (notinject.fpr ?? 0) <= 0.1 },
];
console.log(`\ntargets: ${checks.map((c) => `${c.ok ? "PASS" : "FAIL"} ${c.name}`).join("; ")}`);
console.log(`scanned ${test.length} rows in ${seconds.toFixed(2)} s`);
