// Evaluates the injection guard, headline first: leave-one-source-out (LOSO). For each source
// family (garak-* held out together; see guards/injection/loso.ts) the procedure behind
// `npm run guard:train` (features, hyperparameters, inner cross-validation, thresholds, final fit)
// runs on the other families only, and the held-out family is scored through the agent's
// detection path: direct rows as user input (flagged, or refused), indirect rows as tool output.
// That is the figure to expect on traffic unlike the training data. Beside it: the in-distribution
// figures, from the committed weights on their held-out split and, when `npm run guard:cv` has
// written it, from cross-validation. Then the held-out split's report as before.
// Writes the LOSO figures to evals/results/guard-loso.json for the README to quote.
// Usage: tsx scripts/eval-injection.ts [--data path] [--weights path] [--out path] [--cv path] [--workers n]
//        [--predictions path (per-row LOSO predictions)] [--no-loso]
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectInjection } from "../guards/injection/detect.js";
import {
  comparisonTable,
  DEFAULT_BLOCK_SCORE,
  groupsOf,
  markdownTable,
  MIN_GROUP_ROWS,
  rethreshold,
  runFold,
  scoreRows,
  sourceGroup,
  summarize,
  summarizeByFamily,
  targets,
  type FoldResult,
  type Summary,
} from "../guards/injection/loso.js";
import { loadModel, ModelFileSchema } from "../guards/injection/model.js";
import { stratifiedSplit } from "../guards/injection/split.js";
import { DEFAULT_TRAINING, surfaceOf, type InjectionRow, type TrainingOptions } from "../guards/injection/training.js";
import { dataPaths, loadInjectionData } from "./injection-data.js";
import { runInWorkers, workerOrMain, writeResultsJson } from "./fold-workers.js";
import { printInjectionReport } from "./injection-report.js";

interface FoldTask {
  rows: InjectionRow[];
  heldOut: string;
  options: TrainingOptions;
}

// A worker trains and scores one fold, posted back whole.
workerOrMain((task: FoldTask) => runFold(task.rows, task.heldOut, task.options), main);

async function main(): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { values } = parseArgs({
    options: {
      /** Comma-separated files or directories of JSONL rows (default: see scripts/injection-data.ts). */
      data: { type: "string" },
      weights: { type: "string", default: "guards/injection/weights.json" },
      out: { type: "string", default: "evals/results/guard-loso.json" },
      cv: { type: "string", default: "evals/results/guard-cv.json" },
      workers: { type: "string", default: String(availableParallelism()) },
      "no-loso": { type: "boolean", default: false },
      /** Per-row LOSO predictions (score, flag, refusal, reasons), for error analysis. */
      predictions: { type: "string" },
    },
  });
  const started = performance.now();
  const file = ModelFileSchema.parse(JSON.parse(readFileSync(resolve(root, values.weights), "utf8")));
  const data = loadInjectionData(root, dataPaths(values.data));
  const dataSha256 = data.sha256;
  if (dataSha256 !== file.training.dataSha256) {
    console.warn(
      "WARNING: the data differs from the file the weights were trained on; the split may not hold out the same rows.",
    );
  }
  const rows = data.rows;
  const { train, test } = stratifiedSplit(rows, file.training.seed, file.training.testFraction);
  const trainIds = new Set(train.map((r) => r.id));
  if (test.some((r) => trainIds.has(r.id))) throw new Error("test rows overlap the training split");
  const model = loadModel(file);

  // In-distribution: the committed weights on their own held-out split, through the same path.
  const split = summarizeByFamily(scoreRows(test, model, file.thresholds, (r) => sourceGroup(r.source)));

  if (!values["no-loso"]) {
    const groups = groupsOf(rows);
    console.log(
      `Leave-one-source-out over ${rows.length} rows, ${groups.length} groups (garak = ${[
        ...new Set(rows.filter((r) => sourceGroup(r.source) === "garak").map((r) => r.source)),
      ].join(" + ")}); each group scored by a model and thresholds trained by the guard:train procedure on the others.`,
    );
    // Smallest held-out group first: its training set, and so its run, is the longest.
    const size = (heldOut: string) => rows.filter((r) => sourceGroup(r.source) === heldOut).length;
    const tasks: FoldTask[] = [...groups]
      .sort((a, b) => size(a) - size(b))
      .map((heldOut) => ({ rows, heldOut, options: DEFAULT_TRAINING }));
    const folds = await runInWorkers<FoldTask, FoldResult>(
      import.meta.url,
      tasks,
      Number(values.workers),
      (task, r, ms) =>
        console.error(
          `  held out ${task.heldOut.padEnd(26)} trained on ${r.trainRows} rows in ${(ms / 1000).toFixed(0)} s; thresholds user ${r.thresholds.user}, untrusted ${r.thresholds.untrusted}`,
        ),
    );
    const loso = summarize(folds);
    const cvPath = resolve(root, values.cv);
    const cv = readCv(cvPath, dataSha256);
    const beside = [{ name: "split", summary: split }, ...(cv ? [{ name: "CV", summary: cv }] : [])];
    console.log(`\n${markdownTable(loso)}\n`);
    console.log(
      `Beside in-distribution figures (split: committed weights on their ${test.length}-row held-out split; ${
        cv
          ? "CV: `npm run guard:cv`, 5-fold cross-validation of the procedure"
          : "no CV figures: run `npm run guard:cv`"
      }):\n`,
    );
    console.log(`${comparisonTable(loso, beside)}\n`);
    console.log("Held-out groups per category (LOSO):");
    for (const g of loso.groups) {
      const t = g.thresholds ? `thresholds user ${g.thresholds.user}, untrusted ${g.thresholds.untrusted}` : "";
      console.log(
        `  ${g.group} [${g.sources.join(", ")}] trained on ${g.trainRows ?? "?"} rows, ${t}; a rule signal on ${g.ruleSignal.injections} of ${g.injections} injections, ${g.ruleSignal.benign} of ${g.benign} benign`,
      );
      for (const [category, r] of Object.entries(g.categories)) {
        const parts = [
          `n=${r.n}`,
          r.recall !== undefined ? `recall ${r.recall.toFixed(3)}` : "",
          r.flagRate !== undefined ? `benign flagged ${r.flagRate.toFixed(3)}` : "",
          r.refusalRate !== undefined && r.benign > 0 ? `refused ${(r.refusalRate ?? 0).toFixed(3)}` : "",
        ].filter(Boolean);
        console.log(`    ${category.padEnd(20)} ${parts.join(", ")}`);
      }
    }
    // Diagnostic, not a clean figure: the LOSO models at the committed thresholds (chosen with every
    // source in training) separate a threshold that did not transfer from scores that do not rank.
    const atCommitted = summarize(
      folds.map((f) => ({ ...f, predictions: rethreshold(f.predictions, file.thresholds) })),
    );
    console.log(
      `\nDiagnostic (not a clean figure): the same LOSO models at the committed thresholds (user ${file.thresholds.user}, untrusted ${file.thresholds.untrusted}, chosen with every source):\n\n${markdownTable(atCommitted)}`,
    );
    if (values.predictions !== undefined) {
      const path = resolve(root, values.predictions);
      await writeResultsJson(
        path,
        folds.flatMap((f) => f.predictions),
      );
      console.log(`per-row LOSO predictions -> ${relative(root, path)}`);
    }
    const checks = targets(loso);
    console.log(
      `\nLOSO targets (groups under ${MIN_GROUP_ROWS} rows excluded): ${checks.map((c) => `${c.ok ? "PASS" : "FAIL"} ${c.name}`).join("; ")}`,
    );
    const outPath = resolve(root, values.out);
    await writeResultsJson(outPath, {
      what: "Leave-one-source-out evaluation of the prompt-injection guard (scripts/eval-injection.ts)",
      data: data.files,
      dataSha256,
      grouping: "source family: garak-* as one group 'garak', every other source its own",
      procedure:
        "per group: train by the guard:train procedure (testFraction 0) on the other groups, thresholds from their validation folds; score the group through detectInjection + inputAction",
      training: { ...DEFAULT_TRAINING, testFraction: 0 },
      blockScore: DEFAULT_BLOCK_SCORE ?? "unset: a detection on the model score alone is flagged, never refused",
      definitions: {
        recall: "injections flagged or refused / injections",
        flagRate: "benign rows flagged or refused / benign rows (false-positive rate)",
        refusalRate: "benign user-surface rows refused (inputAction block) / benign rows; tool output is never refused",
        balancedAccuracy: "(recall + 1 - flagRate) / 2",
        macro: `mean over groups of at least ${MIN_GROUP_ROWS} rows; recall over groups with injections, rates over groups with benign rows`,
      },
      loso,
      targets: checks,
      inDistribution: { heldOutSplit: split, ...(cv ? { crossValidation: cv } : {}) },
      diagnosticAtCommittedThresholds: { thresholds: file.thresholds, summary: atCommitted },
    });
    console.log(`LOSO results -> ${relative(root, outPath)}`);
    console.log(`LOSO took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }

  // The in-distribution held-out split, as reported before.
  const scanStarted = performance.now();
  const results = test.map((row) => {
    const verdict = detectInjection(row.text, surfaceOf(row), { model, thresholds: file.thresholds });
    return { ...row, flagged: verdict.label === "injection" };
  });
  const seconds = (performance.now() - scanStarted) / 1000;
  console.log(
    `In-distribution held-out split: ${test.length} of ${rows.length} rows (seed ${file.training.seed}, test fraction ${file.training.testFraction})`,
  );
  console.log(`thresholds: user ${file.thresholds.user}, untrusted ${file.thresholds.untrusted}\n`);
  printInjectionReport(results);
  console.log(`scanned ${test.length} rows in ${seconds.toFixed(2)} s`);
}

/** The cross-validation summary `npm run guard:cv` wrote, if it is for this data. */
function readCv(path: string, dataSha256: string): Summary | undefined {
  if (!existsSync(path)) return undefined;
  const json = JSON.parse(readFileSync(path, "utf8")) as { dataSha256?: string; byFamily?: Summary };
  if (json.dataSha256 !== dataSha256 || json.byFamily === undefined) {
    console.warn(`WARNING: ${path} is for other data; CV figures left out.`);
    return undefined;
  }
  return json.byFamily;
}
