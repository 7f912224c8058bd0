// Rebuilds data/guards/secrets/secretlint.jsonl, a held-out labelled SECRET set, from a local
// snapshot of secretlint/secretlint (MIT). Deterministic: reads one pinned commit of the bare git
// mirror, sorts its inputs, writes rows in a fixed order.
//
//   npx tsx scripts/import-secret-data.ts [--mirror DIR] [--commit SHA] [--out FILE]
//   Figures: npx tsx scripts/eval-pii.ts (span table with --data FILE; row-level SECRET table per source).
//
// Labels are secretlint's own expected outputs: every rule package has
// test/snapshots/<case>/{input*, output.json}; output.json is the rule's snapshot for that input
// (`sourceContent` = the text, `messages[].range` = UTF-16 offsets of each finding, `data` = the
// value the rule reports). A case with no messages is a negative for that rule. See
// data/guards/secrets/SOURCES.md for what is kept, what is left out and why.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const REPO = "secretlint/secretlint";
const PINNED = "18346ba31b8173d52060b971221ab38c1943def0";
const LICENSE = "MIT";

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i === -1 ? undefined : process.argv[i + 1];
}
const mirror = arg("--mirror") ?? "../mirrors/secretlint+secretlint/repo";
const commit = arg("--commit") ?? PINNED;
const out = resolve(arg("--out") ?? resolve(repoRoot, "data/guards/secrets/secretlint.jsonl"));

const git = (...args: string[]) =>
  execFileSync("git", ["-C", mirror, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });

/** Rules whose fixtures are not "is this string a secret value" labels. */
const EXCLUDED_RULES: Record<string, string> = {
  example: "demo rule that flags the word SECRET",
  "filter-comments": "tests secretlint-disable comments on a custom pattern rule",
  pattern: "user-configured regex patterns, labels depend on per-case config",
  "no-dotenv": "policy rule on file names (.env), not on text",
  "no-homedir": "home-directory paths, not secrets",
  "no-k8s-kind-secret": "policy rule on Kubernetes manifests of kind Secret",
  gcp: "binary .p12 inputs and a whole-file service-account JSON label",
};

interface Message {
  range: [number, number];
  ruleId: string;
  messageId: string;
  data?: Record<string, unknown>;
}
interface Snapshot {
  messages: Message[];
  sourceContent?: string;
}
interface Span {
  start: number;
  end: number;
  type: "SECRET";
  orig_type: string;
}

/**
 * Offsets of a finding. secretlint's `range` is used when the text it covers is the reported value
 * (true for almost every rule); a few rules report a range that starts at the key but has the
 * value's length (aws secret key, azure, npm), so there the reported value is located in the text:
 * the occurrence nearest to the range start.
 */
function locate(text: string, m: Message): { start: number; end: number; how: string } {
  const [s, e] = m.range;
  const values = Object.values(m.data ?? {}).filter((v): v is string => typeof v === "string" && v.length > 0);
  if (values.includes(text.slice(s, e))) return { start: s, end: e, how: "range" };
  let best: { start: number; end: number } | undefined;
  for (const v of values) {
    for (let i = text.indexOf(v); i !== -1; i = text.indexOf(v, i + 1)) {
      if (!best || Math.abs(i - s) < Math.abs(best.start - s)) best = { start: i, end: i + v.length };
    }
  }
  if (best) return { ...best, how: "value" };
  return { start: s, end: e, how: "range-unverified" };
}

function main(): void {
  const files = git("ls-tree", "-r", "--name-only", commit).split("\n").filter(Boolean).sort();
  const snapRe = /^packages\/@secretlint\/secretlint-rule-([^/]+)\/test\/snapshots\/(.+)\/output\.json$/;
  const rows: object[] = [];
  const skipped: string[] = [];
  const howCount: Record<string, number> = {};
  for (const path of files) {
    const m = snapRe.exec(path);
    if (!m) continue;
    const rule = m[1] as string;
    const caseName = m[2] as string;
    if (rule.startsWith("preset-")) continue; // presets re-run the rule packages' own fixtures
    if (EXCLUDED_RULES[rule]) {
      skipped.push(`${rule}/${caseName}: ${EXCLUDED_RULES[rule]}`);
      continue;
    }
    const dir = path.slice(0, -"/output.json".length);
    const siblings = files.filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes("/"));
    const names = siblings.map((f) => f.slice(dir.length + 1));
    if (names.includes(".secretlintrc.json") || names.includes("options.ts")) {
      skipped.push(`${rule}/${caseName}: non-default rule options`);
      continue;
    }
    const input = names.find((n) => n.startsWith("input"));
    if (!input || input.endsWith(".p12")) {
      skipped.push(`${rule}/${caseName}: no text input`);
      continue;
    }
    const snap = JSON.parse(git("show", `${commit}:${path}`)) as Snapshot;
    const text = snap.sourceContent ?? git("show", `${commit}:${dir}/${input}`);
    if (text !== git("show", `${commit}:${dir}/${input}`))
      throw new Error(`${path}: sourceContent differs from ${input}`);
    const spans: Span[] = [];
    for (const msg of snap.messages) {
      const loc = locate(text, msg);
      howCount[loc.how] = (howCount[loc.how] ?? 0) + 1;
      const orig = `${rule}:${msg.messageId}`;
      if (!spans.some((x) => x.start === loc.start && x.end === loc.end && x.orig_type === orig))
        spans.push({ start: loc.start, end: loc.end, type: "SECRET", orig_type: orig });
    }
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    rows.push({
      id: `secretlint:${rule}/${caseName}`,
      source: "secretlint",
      text,
      spans,
      contains_pii: spans.length > 0,
      types: spans.length > 0 ? ["SECRET"] : [],
      scope: ["SECRET"],
      license: LICENSE,
      origin: { repo: REPO, commit, path: `${dir}/${input}`, labels: path },
    });
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const pos = rows.filter((r) => (r as { contains_pii: boolean }).contains_pii).length;
  const spansN = rows.reduce((n, r) => n + (r as { spans: Span[] }).spans.length, 0);
  process.stderr.write(
    `wrote ${rows.length} rows (${pos} with secrets, ${rows.length - pos} without; ${spansN} spans) to ${out}\n` +
      `span offsets: ${JSON.stringify(howCount)}\nskipped ${skipped.length} cases:\n  ${skipped.join("\n  ")}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// gitleaks/gitleaks (MIT): per-rule literal true/false positives in cmd/generate/config/rules/*.go.
// Each rule function builds `tps` and `fps` string lists and calls utils.Validate(r, tps, fps),
// which fails the build unless the rule fires on every tp and on no fp. Only elements that are
// Go string literals (or literal + literal) count; anything built at run time (secrets.NewSecret,
// GenerateSampleSecrets, fmt.Sprintf) is skipped, as are ValidateWithPaths rules (labels depend on
// the file path) and elements whose comment cites Nosey Parker or Kingfisher (reserved).
// Row level only (spans null): a tp says "this string holds a secret", not where.
// ---------------------------------------------------------------------------------------------
const GL_REPO = "gitleaks/gitleaks";
const GL_PINNED = "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b";

type Tok = { k: "str" | "id" | "p" | "nl" | "cm"; v: string };

function goUnquote(lit: string): string {
  if (lit.startsWith("`")) return lit.slice(1, -1).replace(/\r/g, "");
  const body = lit.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = body[++i]!;
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      '"': '"',
      "'": "'",
      "\\": "\\",
      a: "\x07",
      b: "\b",
      f: "\f",
      v: "\v",
    };
    const hex = (len: number) => parseInt(body.slice(i + 1, i + 1 + len), 16);
    if (n in simple) out += simple[n];
    else if (n === "x") {
      out += String.fromCharCode(hex(2));
      i += 2;
    } else if (n === "u") {
      out += String.fromCodePoint(hex(4));
      i += 4;
    } else if (n === "U") {
      out += String.fromCodePoint(hex(8));
      i += 8;
    } else if (/[0-7]/.test(n)) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else throw new Error(`bad escape \\${n}`);
  }
  return out;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      toks.push({ k: "nl", v: "\n" });
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (src.startsWith("//", i)) {
      const e = src.indexOf("\n", i);
      const end = e === -1 ? src.length : e;
      toks.push({ k: "cm", v: src.slice(i, end) });
      i = end;
    } else if (src.startsWith("/*", i)) {
      const e = src.indexOf("*/", i + 2) + 2;
      toks.push({ k: "cm", v: src.slice(i, e) });
      i = e;
    } else if (c === "`") {
      const e = src.indexOf("`", i + 1) + 1;
      toks.push({ k: "str", v: goUnquote(src.slice(i, e)) });
      i = e;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      const lit = src.slice(i, j + 1);
      toks.push(c === '"' ? { k: "str", v: goUnquote(lit) } : { k: "p", v: lit });
      i = j + 1;
    } else if (/[A-Za-z_0-9]/.test(c)) {
      let j = i;
      while (j < src.length && (/[A-Za-z_0-9]/.test(src[j]!) || (src[j] === "." && /[A-Za-z_]/.test(src[j + 1] ?? ""))))
        j++;
      toks.push({ k: "id", v: src.slice(i, j) });
      i = j;
    } else if (src.startsWith(":=", i) || src.startsWith("...", i)) {
      const v = src.startsWith(":=", i) ? ":=" : "...";
      toks.push({ k: "p", v });
      i += v.length;
    } else {
      toks.push({ k: "p", v: c });
      i++;
    }
  }
  return toks;
}

interface Elem {
  value: string | null; // null: built at run time, skipped
  reserved: boolean; // comment cites a reserved source
}
type Env = Map<string, Elem[]>;
const RESERVED = /noseyparker|nosey.?parker|kingfisher/i;

/** Splits tokens[a,b) at depth-0 commas; comments and newlines are kept with the element they precede. */
function splitArgs(t: Tok[], a: number, b: number): Tok[][] {
  const parts: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (let i = a; i < b; i++) {
    const x = t[i]!;
    if (x.k === "p" && "([{".includes(x.v)) depth++;
    if (x.k === "p" && ")]}".includes(x.v)) depth--;
    if (depth === 0 && x.k === "p" && x.v === ",") {
      parts.push(cur);
      cur = [];
      continue;
    }
    cur.push(x);
  }
  parts.push(cur);
  return parts;
}

/** Index just past the bracket that closes the one at t[i]. */
function closeOf(t: Tok[], i: number): number {
  let depth = 0;
  for (let j = i; j < t.length; j++) {
    const x = t[j]!;
    if (x.k === "p" && "([{".includes(x.v)) depth++;
    if (x.k === "p" && ")]}".includes(x.v) && --depth === 0) return j + 1;
  }
  throw new Error("unbalanced");
}

function evalElems(part: Tok[], env: Env, stats: Record<string, number>): Elem[] {
  // a trailing comment on the previous element's line belongs to that element in gofmt layout,
  // but a comment on its own line(s) before an element describes the element: keep the latter only.
  const firstNl = part.findIndex((x) => x.k === "nl");
  const lead = firstNl === -1 ? [] : part.slice(firstNl);
  const comments = lead
    .filter((x) => x.k === "cm")
    .map((x) => x.v)
    .join(" ");
  const code = part.filter((x) => x.k !== "cm" && x.k !== "nl");
  if (code.length === 0) return [];
  if (code.length === 2 && code[0]!.k === "id" && code[1]!.v === "...") return [...(env.get(code[0]!.v) ?? [])];
  const lits = code.every((x, i) => (i % 2 === 0 ? x.k === "str" : x.k === "p" && x.v === "+"));
  if (lits && code.length % 2 === 1) {
    return [
      {
        value: code
          .filter((x) => x.k === "str")
          .map((x) => x.v)
          .join(""),
        reserved: RESERVED.test(comments),
      },
    ];
  }
  stats.runtime = (stats.runtime ?? 0) + 1;
  return [{ value: null, reserved: false }];
}

function evalExpr(code: Tok[], env: Env, stats: Record<string, number>): Elem[] | undefined {
  const c = code.filter((x) => x.k !== "nl" && x.k !== "cm");
  if (c.length === 1 && c[0]!.k === "id") return c[0]!.v === "nil" ? [] : env.get(c[0]!.v);
  if (c[0]?.v === "[" && c[1]?.v === "]" && c[2]?.v === "string" && c[3]?.v === "{") {
    const open = code.indexOf(c[3]);
    const end = closeOf(code, open);
    return splitArgs(code, open + 1, end - 1).flatMap((p) => evalElems(p, env, stats));
  }
  if (c[0]?.v === "append" && c[1]?.v === "(") {
    const open = code.indexOf(c[1]);
    const end = closeOf(code, open);
    const [first, ...rest] = splitArgs(code, open + 1, end - 1);
    const base = evalExpr(first ?? [], env, stats) ?? [];
    return [...base, ...rest.flatMap((p) => evalElems(p, env, stats))];
  }
  return undefined; // a call built at run time
}

interface GlCase {
  rule: string;
  path: string;
  label: "tp" | "fp";
  value: string;
}

function readGitleaks(mirrorDir: string, rev: string, stats: Record<string, number>): GlCase[] {
  const g = (...a: string[]) => execFileSync("git", ["-C", mirrorDir, ...a], { encoding: "utf8", maxBuffer: 1 << 28 });
  const paths = g("ls-tree", "-r", "--name-only", rev, "cmd/generate/config/rules")
    .split("\n")
    .filter((p) => p.endsWith(".go") && !p.endsWith("_test.go"))
    .sort();
  const cases: GlCase[] = [];
  for (const path of paths) {
    const t = tokenize(g("show", `${rev}:${path}`));
    const pkg: Env = new Map();
    let env: Env = pkg;
    let rule = "";
    for (let i = 0; i < t.length; i++) {
      const x = t[i]!;
      if (x.k === "id" && x.v === "func") {
        env = new Map(pkg);
        rule = t[i + 1]?.v ?? "";
        continue;
      }
      if (x.k === "id" && x.v === "RuleID" && t[i + 1]?.v === ":" && t[i + 2]?.k === "str") rule = t[i + 2]!.v;
      // NAME := EXPR / NAME = EXPR / var NAME = EXPR, statement ending at a depth-0 newline
      const op = t[i + 1];
      const atStmt = i === 0 || t[i - 1]!.k === "nl" || t[i - 1]!.v === "var" || t[i - 1]!.v === "{";
      if (x.k === "id" && atStmt && op && op.k === "p" && (op.v === ":=" || op.v === "=")) {
        let j = i + 2;
        let depth = 0;
        for (; j < t.length; j++) {
          const y = t[j]!;
          if (y.k === "p" && "([{".includes(y.v)) depth++;
          if (y.k === "p" && ")]}".includes(y.v)) depth--;
          if (depth === 0 && y.k === "nl") break;
        }
        for (let k = i; k + 2 < j; k++)
          if (t[k]!.v === "RuleID" && t[k + 1]!.v === ":" && t[k + 2]!.k === "str") rule = t[k + 2]!.v;
        const v = evalExpr(t.slice(i + 2, j), env, stats);
        if (v) env.set(x.v, v);
        else if (env.has(x.v) || x.v === "tps" || x.v === "fps") env.set(x.v, [{ value: null, reserved: false }]);
        i = j - 1;
        continue;
      }
      if (x.k === "id" && (x.v === "utils.Validate" || x.v === "utils.ValidateWithPaths")) {
        if (x.v === "utils.ValidateWithPaths") {
          stats.pathRules = (stats.pathRules ?? 0) + 1;
          continue;
        }
        const end = closeOf(t, i + 1);
        const args = splitArgs(t, i + 2, end - 1).map((p) =>
          p
            .filter((y) => y.k === "id")
            .map((y) => y.v)
            .join(""),
        );
        for (const [arg, label] of [
          [args[1], "tp"],
          [args[2], "fp"],
        ] as const) {
          for (const e of arg && arg !== "nil" ? (env.get(arg) ?? []) : []) {
            if (e.value === null) continue;
            if (e.reserved) {
              stats.reserved = (stats.reserved ?? 0) + 1;
              continue;
            }
            cases.push({ rule, path, label, value: e.value });
          }
        }
      }
    }
  }
  return cases;
}

function importGitleaks(): void {
  const mirrorDir = arg("--gitleaks-mirror") ?? "../mirrors/gitleaks+gitleaks/repo";
  const rev = arg("--gitleaks-commit") ?? GL_PINNED;
  const file = resolve(repoRoot, "data/guards/secrets/gitleaks.jsonl");
  const stats: Record<string, number> = {};
  const cases = readGitleaks(mirrorDir, rev, stats);
  // One row per distinct text. A text that is a tp of any rule is positive (gitleaks lists other
  // rules' real keys as fps, e.g. a Cloudflare API key is an fp of the Cloudflare global-key rule);
  // a text only ever listed as an fp is negative.
  const byText = new Map<string, { tp: GlCase[]; fp: GlCase[] }>();
  for (const c of cases) {
    const e = byText.get(c.value) ?? { tp: [], fp: [] };
    e[c.label].push(c);
    byText.set(c.value, e);
  }
  const rows: object[] = [];
  let conflicts = 0;
  for (const [text, e] of byText) {
    if (text.includes("gitleaks:allow")) {
      stats.allowMarker = (stats.allowMarker ?? 0) + 1;
      continue;
    }
    const pos = e.tp.length > 0;
    if (pos && e.fp.length > 0) conflicts++;
    const first = (pos ? e.tp : e.fp)[0]!;
    const n = rows.filter((r) => (r as { id: string }).id.startsWith(`gitleaks:${first.rule}:${first.label}:`)).length;
    rows.push({
      id: `gitleaks:${first.rule}:${first.label}:${n}`,
      source: "gitleaks",
      text,
      spans: null,
      contains_pii: pos,
      types: pos ? ["SECRET"] : [],
      scope: ["SECRET"],
      license: "MIT",
      origin: { repo: GL_REPO, commit: rev, path: first.path },
      meta: {
        tp_rules: [...new Set(e.tp.map((c) => c.rule))].sort(),
        fp_rules: [...new Set(e.fp.map((c) => c.rule))].sort(),
      },
    });
  }
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const pos = rows.filter((r) => (r as { contains_pii: boolean }).contains_pii).length;
  process.stderr.write(
    `gitleaks: ${cases.length} literal cases -> ${rows.length} distinct rows (${pos} tp, ${rows.length - pos} fp); ` +
      `tp-and-fp texts (kept positive): ${conflicts}; skipped: ${JSON.stringify(stats)}\n`,
  );
}

main();
importGitleaks();
