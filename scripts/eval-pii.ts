// Span-level precision and recall of the PII/secret guard on the labelled data
// (`tsx scripts/eval-pii.ts [--data path[,path…]] [--secrets path[,path…]|none] [--errors N] [--json]
// [--split all|tune|holdout]`; also run by `npm run guard:eval`).
//
// Matching rule: a detection and a labelled span match when they have the same type and their
// intersection covers at least half of the longer of the two (so neither a sliver nor a span
// swallowing its context counts). Exact-offset figures are printed alongside. Labelled spans of
// one type that overlap each other (credential rules often nest, e.g. a key id inside a signed-URL
// credential, or the same value under two rule names) form one item, found when any member
// matches. A detection whose type is outside the row's `scope` is unlabelled, not a false
// positive; rows whose spans are null (not labelled) are skipped.
//
// After the span table, a row-level SECRET table: for every source with SECRET in scope, among the
// `--data` rows and the rows of the `--secrets` files (default: every data/guards/secrets/*.jsonl;
// `none` for no extra files), a row is positive when it holds a SECRET label (or, for row-labelled
// sources whose spans are null, `contains_pii`), and predicted positive when
// `findPii(text, { types: ["SECRET"] })` finds anything.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findPii } from "../guards/pii/index.js";
import { PII_TYPES, type PiiSpan, type PiiType } from "../guards/types.js";

interface Gold {
  start: number;
  end: number;
  type: string;
  orig_type?: string;
}
interface Row {
  id: string;
  source: string;
  text: string;
  spans: Gold[] | null;
  scope: string[];
  contains_pii: boolean;
  types?: string[];
}

interface RowTally {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

interface Tally {
  gold: number;
  found: number;
  exactFound: number;
  predicted: number;
  correct: number;
  exactCorrect: number;
  unlabelled: number;
}

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const list = (v: string) =>
    v
      .split(",")
      .filter((x) => x.trim() !== "")
      .map((x) => resolve(x));
  const secretsDir = resolve(repoRoot, "data/guards/secrets");
  const secrets = get("--secrets");
  return {
    data: list(get("--data") ?? resolve(repoRoot, "../shared/data/pii-dev.jsonl")),
    secrets:
      secrets === "none"
        ? []
        : secrets !== undefined
          ? list(secrets)
          : readdirSync(secretsDir)
              .filter((f) => f.endsWith(".jsonl"))
              .sort()
              .map((f) => resolve(secretsDir, f)),
    errors: Number(get("--errors") ?? 0),
    json: argv.includes("--json"),
    split: parseSplit(get("--split")),
  };
}

type Split = "all" | "tune" | "holdout";
function parseSplit(v: string | undefined): Split {
  if (v === undefined || v === "all" || v === "tune" || v === "holdout") return v ?? "all";
  throw new Error(`--split must be all, tune or holdout, not ${JSON.stringify(v)}`);
}

/**
 * Fixed split on the row id: FNV-1a 32-bit hash of the id, rows with hash % 3 === 0 are held out
 * (about a third). Detector changes are tuned on `--split tune` only; `--split holdout` is the
 * figure to report for data the detectors were not tuned on.
 */
export function isHoldout(id: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % 3 === 0;
}

const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
const matches = (p: PiiSpan, g: Gold) =>
  p.type === g.type && overlap(p, g) * 2 >= Math.max(p.end - p.start, g.end - g.start);
const exact = (p: PiiSpan, g: Gold) => p.type === g.type && p.start === g.start && p.end === g.end;

/** Same-type labelled spans that overlap are one item. */
function clusters(gold: Gold[]): Gold[][] {
  const sorted = [...gold].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Gold[][] = [];
  let cur: Gold[] = [];
  let curEnd = -1;
  for (const g of sorted) {
    if (cur.length > 0 && g.start < curEnd) {
      cur.push(g);
      curEnd = Math.max(curEnd, g.end);
    } else {
      if (cur.length > 0) out.push(cur);
      cur = [g];
      curEnd = g.end;
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const emptyTally = (): Tally => ({
  gold: 0,
  found: 0,
  exactFound: 0,
  predicted: 0,
  correct: 0,
  exactCorrect: 0,
  unlabelled: 0,
});

const readRows = (file: string): Row[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Row);

/** Whether a row is labelled as holding a secret (span labels, else the row label). */
const rowHasSecret = (row: Row): boolean =>
  row.spans ? row.spans.some((g) => g.type === "SECRET") : row.contains_pii && (row.types ?? []).includes("SECRET");

/** Row-level SECRET confusion counts per source, over rows with SECRET in scope. */
function rowLevel(rows: Row[], split: Split): Map<string, RowTally> {
  const out = new Map<string, RowTally>();
  for (const row of rows) {
    if (!row.scope.includes("SECRET")) continue;
    if (split !== "all" && isHoldout(row.id) !== (split === "holdout")) continue;
    const t = out.get(row.source) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
    const said = findPii(row.text, { types: ["SECRET"] }).length > 0;
    if (rowHasSecret(row)) t[said ? "tp" : "fn"]++;
    else t[said ? "fp" : "tn"]++;
    out.set(row.source, t);
  }
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rows = args.data.flatMap(readRows);
  const extra = args.secrets.filter((f) => !args.data.includes(f)).flatMap(readRows);
  const rowTallies = rowLevel([...rows, ...extra], args.split);

  const tallies = new Map<string, Tally>(); // key: `${source}\t${type}`
  const tally = (source: string, type: string) => {
    const key = `${source}\t${type}`;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = emptyTally()));
    return t;
  };
  const secretByRule = new Map<string, { gold: number; found: number }>();
  const errors: string[] = [];
  let skipped = 0;
  let checksumRows = 0;
  let checksumHits = 0;
  const checksumOther: string[] = [];
  let elapsed = 0;
  let chars = 0;

  for (const row of rows) {
    if (args.split !== "all" && isHoldout(row.id) !== (args.split === "holdout")) continue;
    if (row.spans === null) {
      skipped++;
      continue;
    }
    const t0 = performance.now();
    const preds = findPii(row.text);
    elapsed += performance.now() - t0;
    chars += row.text.length;
    const inScope = (type: string) => row.scope.includes(type);

    for (const type of PII_TYPES) {
      const predsT = preds.filter((p) => p.type === type);
      const t = tally(row.source, type);
      if (!inScope(type)) {
        t.unlabelled += predsT.length;
        continue;
      }
      const goldT = row.spans.filter((g) => g.type === type);
      for (const cluster of clusters(goldT)) {
        t.gold++;
        const hit = predsT.some((p) => cluster.some((g) => matches(p, g)));
        if (hit) t.found++;
        if (predsT.some((p) => cluster.some((g) => exact(p, g)))) t.exactFound++;
        if (type === "SECRET") {
          const rule = cluster[0]?.orig_type ?? "?";
          const r = secretByRule.get(rule) ?? { gold: 0, found: 0 };
          r.gold++;
          if (hit) r.found++;
          secretByRule.set(rule, r);
        }
        if (!hit && errors.length < args.errors * 2) {
          const g = cluster[0];
          if (g)
            errors.push(`FN ${type} ${row.id} ${JSON.stringify(row.text.slice(g.start, g.end))} in ${clip(row.text)}`);
        }
      }
      for (const p of predsT) {
        t.predicted++;
        if (goldT.some((g) => matches(p, g))) t.correct++;
        else if (errors.length < args.errors * 2) {
          errors.push(`FP ${type} ${row.id} ${JSON.stringify(row.text.slice(p.start, p.end))} in ${clip(row.text)}`);
        }
        if (goldT.some((g) => exact(p, g))) t.exactCorrect++;
      }
    }

    // Invalid-checksum examples: card/IBAN test rows with nothing labelled.
    const checksumScope = row.scope.length === 1 && (inScope("CREDIT_CARD") || inScope("IBAN"));
    if (row.source === "presidio-recognizer-tests" && checksumScope && row.spans.length === 0) {
      checksumRows++;
      for (const p of preds) {
        if (p.type === "CREDIT_CARD" || p.type === "IBAN") checksumHits++;
        else checksumOther.push(`${row.id} ${p.type} ${JSON.stringify(row.text.slice(p.start, p.end))}`);
      }
    }
  }

  if (args.json) {
    const out = [...tallies].map(([k, t]) => ({ key: k, ...t }));
    const rowLevelOut = [...rowTallies].map(([source, t]) => ({ source, ...t }));
    process.stdout.write(
      `${JSON.stringify({ tallies: out, checksumRows, checksumHits, skipped, secretRows: rowLevelOut })}\n`,
    );
    return;
  }
  report(tallies, secretByRule, {
    skipped,
    checksumRows,
    checksumHits,
    checksumOther,
    elapsed,
    chars,
    split: args.split,
  });
  reportRows(rowTallies);
  if (errors.length > 0)
    process.stdout.write(`\nErrors (first ${args.errors} of each kind):\n${pick(errors, args.errors)}\n`);
}

function reportRows(tallies: Map<string, RowTally>): void {
  if (tallies.size === 0) return;
  const out = [
    "\nSECRET, row level (positive: the row holds a secret label; predicted: findPii finds a SECRET):",
    `${"source".padEnd(30)}  rows   pos   neg  precis recall    FPR   (tp/fp/fn)`,
  ];
  for (const [source, t] of [...tallies].sort((a, b) => a[0].localeCompare(b[0]))) {
    const n = t.tp + t.fp + t.fn + t.tn;
    out.push(
      `${source.padEnd(30)} ${String(n).padStart(5)} ${String(t.tp + t.fn).padStart(5)} ${String(t.fp + t.tn).padStart(5)}  ` +
        `${ratio(t.tp, t.tp + t.fp)} ${ratio(t.tp, t.tp + t.fn)} ${ratio(t.fp, t.fp + t.tn)}   (${t.tp}/${t.fp}/${t.fn})`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

function pick(errors: string[], n: number): string {
  const fns = errors.filter((e) => e.startsWith("FN")).slice(0, n);
  const fps = errors.filter((e) => e.startsWith("FP")).slice(0, n);
  return [...fns, ...fps].join("\n");
}

const clip = (s: string) => JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}…` : s);
const ratio = (a: number, b: number) => (b === 0 ? "   -  " : (a / b).toFixed(3).padStart(6));

function report(
  tallies: Map<string, Tally>,
  secretByRule: Map<string, { gold: number; found: number }>,
  info: {
    skipped: number;
    checksumRows: number;
    checksumHits: number;
    checksumOther: string[];
    elapsed: number;
    chars: number;
    split: Split;
  },
): void {
  const line = (label: string, t: Tally) =>
    `${label.padEnd(42)} ${String(t.gold).padStart(5)} ${String(t.predicted).padStart(5)}  ` +
    `${ratio(t.correct, t.predicted)} ${ratio(t.found, t.gold)}   ${ratio(t.exactCorrect, t.predicted)} ` +
    `${ratio(t.exactFound, t.gold)}   ${String(t.unlabelled).padStart(5)}`;
  const out: string[] = [];
  out.push(`Split: ${info.split} (rows with FNV-1a(id) % 3 === 0 are the holdout).`);
  out.push("Matching: same type and overlap >= 50% of the longer span (exact offsets shown too).");
  out.push("Detections outside a row's scope are counted as unlabelled, not as false positives.\n");
  out.push(`${"source / type".padEnd(42)}  gold  pred  precis recall   exactP exactR   unlab`);
  const sources = [...new Set([...tallies.keys()].map((k) => k.split("\t")[0] ?? ""))].sort();
  const pooled = new Map<PiiType, Tally>();
  for (const source of sources) {
    out.push(source);
    for (const type of PII_TYPES) {
      const t = tallies.get(`${source}\t${type}`);
      if (!t || (t.gold === 0 && t.predicted === 0 && t.unlabelled === 0)) continue;
      out.push(line(`  ${type}`, t));
      const p = pooled.get(type) ?? emptyTally();
      for (const k of Object.keys(p) as Array<keyof Tally>) p[k] += t[k];
      pooled.set(type, p);
    }
  }
  out.push("all sources");
  for (const type of PII_TYPES) {
    const t = pooled.get(type);
    if (t) out.push(line(`  ${type}`, t));
  }
  out.push("\nSECRET recall by credsweeper rule (rules with >= 3 labelled items):");
  for (const [rule, r] of [...secretByRule].sort((a, b) => b[1].gold - a[1].gold)) {
    if (r.gold >= 3)
      out.push(
        `  ${rule.padEnd(40)} ${String(r.found).padStart(4)}/${String(r.gold).padEnd(4)} ${ratio(r.found, r.gold)}`,
      );
  }
  out.push(
    `\nInvalid-checksum card/IBAN test rows: ${info.checksumRows}; CREDIT_CARD/IBAN detections on them: ${info.checksumHits}`,
  );
  if (info.checksumOther.length > 0) out.push(`  other-type detections on them: ${info.checksumOther.join("; ")}`);
  out.push(`Rows skipped (spans not labelled): ${info.skipped}`);
  out.push(`findPii time: ${info.elapsed.toFixed(0)} ms for ${(info.chars / 1e6).toFixed(2)} M chars`);
  process.stdout.write(`${out.join("\n")}\n`);
}

main();
