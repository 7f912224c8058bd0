// Rebuilds data/guards/injection/<source-id>.jsonl from local snapshots (bare git mirrors) of public
// repositories. Every source is read at a pinned commit, labels come from the source itself (its label
// column or its own file split), rows are deduplicated against the existing dev set and each other,
// and each source is capped with a seeded sample, so a rerun writes byte-identical files.
// Provenance and licences: data/guards/SOURCES.md.
//
// Usage: tsx scripts/import-injection-data.ts [--mirrors ../mirrors] [--dev path] [--out dir] [--seed n]
// A mirror is expected at <mirrors>/<owner>+<name>/repo: a bare clone (`git clone --bare <url>
// <owner>+<name>/repo`), read at the commits data/guards/SOURCES.md lists.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prng } from "../guards/injection/train.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    mirrors: { type: "string", default: "../mirrors" },
    dev: { type: "string", default: "../shared/data/injection-dev.jsonl" },
    out: { type: "string", default: "data/guards/injection" },
    seed: { type: "string", default: "20261207" },
  },
});
const MIRRORS = resolve(args.mirrors);
const DEV_PATH = resolve(root, args.dev);
const OUT_DIR = resolve(root, args.out);
const SEED = Number(args.seed);

const CAP = 1500;
const MIN_CHARS = 1;
const MAX_CHARS = 8000;
const NEAR_DUP_JACCARD = 0.8;
const SHINGLE = 5;

type Label = "injection" | "benign";
type Vector = "direct" | "indirect";

/** A row as read from a source, before dedup and sampling. */
interface Candidate {
  text: string;
  label: Label;
  vector: Vector;
  category: string;
  lang: string | null;
  path: string;
}

interface Origin {
  repo: string;
  commit: string;
}

interface Source {
  id: string;
  license: string;
  origin: Origin;
  read: (git: Git) => Candidate[];
}

// ---------------------------------------------------------------------------------------------
// Reading files from a bare mirror at a pinned commit

class Git {
  readonly dir: string;
  readonly commit: string;

  constructor(origin: Origin) {
    this.dir = join(MIRRORS, origin.repo.replace("/", "+"), "repo");
    this.commit = origin.commit;
  }

  /** Paths in the pinned tree, optionally only those under a folder. */
  list(under = "."): string[] {
    const out = execFileSync("git", ["-C", this.dir, "ls-tree", "-r", "--name-only", this.commit, "--", under], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return out.toString("utf8").split("\n").filter(Boolean).sort();
  }

  text(path: string): string {
    const out = execFileSync("git", ["-C", this.dir, "show", `${this.commit}:${path}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stripBom(out.toString("utf8"));
  }

  /** Many small files in one `git cat-file --batch` call (avoids one process per file). */
  texts(paths: string[]): Map<string, string> {
    const input = paths.map((p) => `${this.commit}:${p}\n`).join("");
    const res = spawnSync("git", ["-C", this.dir, "cat-file", "--batch"], {
      input,
      maxBuffer: 512 * 1024 * 1024,
    });
    if (res.status !== 0) throw new Error(`git cat-file failed in ${this.dir}: ${res.stderr.toString()}`);
    const buf = res.stdout;
    const result = new Map<string, string>();
    let pos = 0;
    for (const path of paths) {
      const nl = buf.indexOf(10, pos);
      const header = buf.subarray(pos, nl).toString("utf8");
      pos = nl + 1;
      if (header.endsWith(" missing")) continue;
      const size = Number(header.split(" ")[2]);
      result.set(path, stripBom(buf.subarray(pos, pos + size).toString("utf8")));
      pos += size + 1; // content is followed by a newline
    }
    return result;
  }
}

const stripBom = (s: string): string => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);

// ---------------------------------------------------------------------------------------------
// Small parsers

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

/** CSV with a header row, as objects keyed by column name. */
function parseCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ""])));
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const str = (v: unknown): string => (typeof v === "string" ? v : "");

// ---------------------------------------------------------------------------------------------
// Sources

/** XSafety (Wang et al. 2023): the Goal_Hijacking file of each language folder; all rows are attacks. */
const xsafety: Source = {
  id: "xsafety-goal-hijacking",
  license: "Apache-2.0",
  origin: { repo: "Jarviswang94/Multilingual_safety_benchmark", commit: "8c55b6a6cda594cd550a4921513238a2dd40eb5a" },
  read(git) {
    // Folder name -> ISO 639-1. Bengali (bn) ships only as .xlsx and is not read.
    const langs: Record<string, string> = {
      ar: "ar",
      de: "de",
      en: "en",
      fr: "fr",
      hi: "hi",
      ja: "ja",
      ru: "ru",
      sp: "es",
      zh: "zh",
    };
    const out: Candidate[] = [];
    for (const path of git.list()) {
      const m = /^([a-z]+)\/Goal_Hijacking(_n)?\.csv$/.exec(path);
      const lang = m?.[1] ? langs[m[1]] : undefined;
      if (!lang) continue;
      for (const row of parseCsv(git.text(path))) {
        out.push({ text: row[0] ?? "", label: "injection", vector: "direct", category: "goal_hijack", lang, path });
      }
    }
    return out;
  },
};

/** Hinglish prompt-injection detector: its own BLOCK/ALLOW column and category column. */
const hinglish: Source = {
  id: "hinglish-stealth",
  license: "MIT",
  origin: { repo: "kyahikaru/hinglish-prompt-injection-detector", commit: "fa3330987c943a37cade0151c38f0f12619ff527" },
  read(git) {
    const files = [
      "data/hinglish-stealth-250.csv",
      "data/hinglish-stealth-110-heldout.csv",
      "data/hinglish-clean-500.csv",
    ];
    const out: Candidate[] = [];
    for (const path of files) {
      for (const r of parseCsvObjects(git.text(path))) {
        const expected = (r.expected ?? "").trim();
        if (expected !== "BLOCK" && expected !== "ALLOW") continue;
        const category = (r.category ?? "").trim();
        out.push({
          text: r.hinglish ?? "",
          label: expected === "BLOCK" ? "injection" : "benign",
          vector: "direct",
          category,
          // The set is Hindi/Hinglish except the rows the source itself files as pure English.
          lang: category === "pure_english" ? "en" : "hi",
          path,
        });
      }
    }
    return out;
  },
};

/**
 * Email-agent red-team set: hand-written attack emails (attack_seeds.jsonl), the PAIR-refined attack
 * emails embedded in grpo_prompts.jsonl, and the clean mock inbox (inbox.json). All are rendered the
 * same way ("From/Subject/blank line/body") so the format does not give the label away.
 */
const emailAgent: Source = {
  id: "email-agent-redteam",
  license: "MIT",
  origin: {
    repo: "CatarinaSeigward/Email-Agent-Prompt-Injection-and-GRPO-Defense",
    commit: "2db1c29134b3cc756e3364ebf52f0c7be3b9bfc1",
  },
  read(git) {
    const render = (from: string, subject: string, body: string): string =>
      `From: ${from}\nSubject: ${subject}\n\n${body.trim()}`;
    const out: Candidate[] = [];
    const seeds = "data/attack_seeds.jsonl";
    for (const s of jsonLines(git.text(seeds))) {
      out.push({
        text: render(str(s.from), str(s.subject), str(s.body)),
        label: "injection",
        vector: "indirect",
        category: str(s.category),
        lang: "en",
        path: seeds,
      });
    }
    const grpo = "data/grpo_prompts.jsonl";
    const email = /The next email being processed:\nFrom: (.*)\nSubject: (.*)\nBody:\n([\s\S]*?)<\|im_end\|>/;
    for (const p of jsonLines(git.text(grpo))) {
      const m = email.exec(str(p.prompt));
      if (!m) continue;
      out.push({
        text: render(m[1] ?? "", m[2] ?? "", m[3] ?? ""),
        label: "injection",
        vector: "indirect",
        category: str(p.category),
        lang: "en",
        path: grpo,
      });
    }
    const inbox = "data/inbox.json";
    for (const e of JSON.parse(git.text(inbox)) as Record<string, unknown>[]) {
      out.push({
        text: render(str(e.from), str(e.subject), str(e.body)),
        label: "benign",
        vector: "indirect",
        category: "email",
        lang: "en",
        path: inbox,
      });
    }
    return out;
  },
};

/** Fabric's pattern library: each data/patterns/<name>/system.md is a benign system prompt. */
const fabric: Source = {
  id: "fabric-patterns",
  license: "MIT",
  origin: { repo: "danielmiessler/fabric", commit: "272f04dd3278f99bee49e94a7747b54708745a5d" },
  read(git) {
    const paths = git.list("data/patterns").filter((p) => /^data\/patterns\/[^/]+\/system\.md$/.test(p));
    const texts = git.texts(paths);
    return paths.map((path) => ({
      text: texts.get(path) ?? "",
      label: "benign" as const,
      vector: "direct" as const,
      category: "persona",
      lang: "en",
      path,
    }));
  },
};

/** TaskTracker (Abdelnabi et al.): GPT-4 generated injection triggers placed inside retrieved text. */
const taskTracker: Source = {
  id: "tasktracker-triggers",
  license: "MIT",
  origin: { repo: "microsoft/TaskTracker", commit: "b4fabe25504dc1d3f7c6fdf5e50d4bb209a152b0" },
  read(git) {
    const files = [
      "task_tracker/dataset_creation/datasets/saved_injections.txt",
      "task_tracker/dataset_creation/datasets/saved_injections_test.txt",
    ];
    const out: Candidate[] = [];
    for (const path of files) {
      for (const line of git.text(path).split("\n")) {
        out.push({ text: line, label: "injection", vector: "indirect", category: "trigger", lang: "en", path });
      }
    }
    return out;
  },
};

/** Self-Instruct's human-written tasks: 175 seed tasks and 252 user-oriented evaluation tasks. */
const selfInstruct: Source = {
  id: "self-instruct-human",
  license: "Apache-2.0",
  origin: { repo: "yizhongw/self-instruct", commit: "0b26ccaa415992100fa32df62d41b994cf928e23" },
  read(git) {
    const files = ["data/seed_tasks.jsonl", "human_eval/user_oriented_instructions.jsonl"];
    const out: Candidate[] = [];
    for (const path of files) {
      for (const t of jsonLines(git.text(path))) {
        const instances = Array.isArray(t.instances) ? (t.instances as Record<string, unknown>[]) : [];
        const input = str(instances[0]?.input).trim();
        const instruction = str(t.instruction).trim();
        out.push({
          text: input ? `${instruction}\n\n${input}` : instruction,
          label: "benign",
          vector: "direct",
          category: "instruction",
          lang: "en",
          path,
        });
      }
    }
    return out;
  },
};

/** tldr-pages: command documentation pages in many languages (benign documents an agent reads). */
const tldr: Source = {
  id: "tldr-pages-multilingual",
  license: "CC-BY-4.0",
  origin: { repo: "tldr-pages/tldr", commit: "08e345f42639f67d99282813247ac670dc6e87cb" },
  read(git) {
    // Folder -> ISO 639-1 (regional variants folded: pt_BR -> pt, zh_TW is skipped to avoid near-copies of zh).
    const langs: Record<string, string> = {
      pages: "en",
      "pages.ar": "ar",
      "pages.de": "de",
      "pages.es": "es",
      "pages.fr": "fr",
      "pages.hi": "hi",
      "pages.id": "id",
      "pages.it": "it",
      "pages.ja": "ja",
      "pages.ko": "ko",
      "pages.nl": "nl",
      "pages.pl": "pl",
      "pages.pt_BR": "pt",
      "pages.ru": "ru",
      "pages.tr": "tr",
      "pages.uk": "uk",
      "pages.zh": "zh",
      "pages.fa": "fa",
      "pages.bn": "bn",
      "pages.th": "th",
    };
    const perLang = 100; // pre-sample per language before reading, to keep the run fast
    const rng = prng(SEED ^ 0x7d1d);
    const out: Candidate[] = [];
    for (const [folder, lang] of Object.entries(langs)) {
      const paths = shuffle(
        git.list(folder).filter((p) => p.endsWith(".md")),
        rng,
      )
        .slice(0, perLang)
        .sort();
      const texts = git.texts(paths);
      for (const path of paths) {
        out.push({
          text: texts.get(path) ?? "",
          label: "benign",
          vector: "indirect",
          category: "document",
          lang,
          path,
        });
      }
    }
    return out;
  },
};

/**
 * Spikee (WithSecure): attack payloads built the way `spikee generate --match-languages` builds them,
 * i.e. every jailbreak template of a seed folder with its <INSTRUCTION> slot filled by every
 * instruction of the same folder and language. Spikee plants these payloads in documents; every
 * entry of a generated spikee dataset is an attack.
 */
const spikee: Source = {
  id: "spikee-seeds",
  license: "Apache-2.0",
  origin: { repo: "WithSecureLabs/spikee", commit: "f811bcc851b41bcf5e9c7de7ff314deea2ed94e5" },
  read(git) {
    const folders = [
      "seeds-cybersec-2025-04",
      "seeds-sysmsg-extraction-2025-04",
      "seeds-targeted-2024-12",
      "seeds-llm-mailbox",
    ];
    const out: Candidate[] = [];
    for (const folder of folders) {
      const dir = `spikee/data/workspace/datasets/${folder}`;
      const jailbreaks = jsonLines(git.text(`${dir}/jailbreaks.jsonl`));
      const instructions = jsonLines(git.text(`${dir}/instructions.jsonl`));
      for (const jb of jailbreaks) {
        const lang = str(jb.lang) || "en";
        for (const ins of instructions) {
          if ((str(ins.lang) || "en") !== lang) continue;
          out.push({
            text: str(jb.text).replaceAll("<INSTRUCTION>", str(ins.instruction)),
            label: "injection",
            vector: "indirect",
            category: `${str(jb.jailbreak_type)}+${str(ins.instruction_type)}`,
            lang,
            path: `${dir}/jailbreaks.jsonl+instructions.jsonl`,
          });
        }
      }
    }
    return out;
  },
};

/**
 * LLMail-Inject (Microsoft, SaTML 2025) challenge code: the clean inbox emails of levels 1-4 and the
 * false-positive test emails, which the challenge code loads as its benign set (load_benign_dataset).
 * Read from a fork that carries the upstream history unchanged (microsoft/llmail-inject-challenge).
 */
const llmail: Source = {
  id: "llmail-benign-emails",
  license: "MIT",
  origin: { repo: "priyaradhakrishnan0/llmail-inject-challenge-1", commit: "d62499fb947c463a38a26f3d75af3e50865bdb32" },
  read(git) {
    const files = ["level1", "level2", "level3", "level4", "fp_tests"].map((f) => `src/agent/data/${f}.json`);
    const out: Candidate[] = [];
    for (const path of files) {
      const emails = (JSON.parse(git.text(path)) as { emails: string[] }).emails;
      for (const e of emails) {
        // "Subject of the email: S.   Body: B" -> the same From/Subject/body layout as other email rows.
        const m = /^Subject of the email: ([\s\S]*?)\.?\s+Body: ([\s\S]*)$/.exec(e);
        const text = m ? `Subject: ${m[1] ?? ""}\n\n${(m[2] ?? "").trim()}` : e;
        out.push({ text, label: "benign", vector: "indirect", category: "email", lang: "en", path });
      }
    }
    return out;
  },
};

/**
 * XQuAD (Artetxe et al.): SQuAD v1.1 paragraphs and questions professionally translated into 11
 * languages. A reading-comprehension set, so every row is benign: questions are user messages,
 * paragraphs are documents an agent reads.
 */
const xquad: Source = {
  id: "xquad-multilingual",
  license: "CC-BY-SA-4.0",
  origin: { repo: "google-deepmind/xquad", commit: "7d30520c717524000f0d9d2f9c10a069acd9d285" },
  read(git) {
    const perLang = { questions: 60, paragraphs: 45 };
    const out: Candidate[] = [];
    for (const path of git.list().filter((p) => /^xquad\.[a-z]{2}\.json$/.test(p))) {
      const lang = path.split(".")[1] ?? null;
      const data = JSON.parse(git.text(path)) as {
        data: { paragraphs: { context: string; qas: { question: string }[] }[] }[];
      };
      const paragraphs = data.data.flatMap((article) => article.paragraphs);
      const rng = prng(hashSeed(path));
      for (const p of shuffle(paragraphs, rng).slice(0, perLang.paragraphs)) {
        out.push({ text: p.context, label: "benign", vector: "indirect", category: "document", lang, path });
      }
      const questions = paragraphs.flatMap((p) => p.qas.map((q) => q.question));
      for (const q of shuffle(questions, rng).slice(0, perLang.questions)) {
        out.push({ text: q, label: "benign", vector: "direct", category: "question", lang, path });
      }
    }
    return out;
  },
};

const SOURCES: Source[] = [
  xsafety,
  hinglish,
  emailAgent,
  spikee,
  taskTracker,
  llmail,
  fabric,
  selfInstruct,
  tldr,
  xquad,
];

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function shuffle<T>(items: T[], rng: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

const hashSeed = (s: string): number => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h ^ SEED) >>> 0;
};

// ---------------------------------------------------------------------------------------------
// Deduplication: exact match on normalised text, near match on 5-gram shingles (Jaccard >= 0.8)

/** Lowercase, strip punctuation and symbols, collapse whitespace. */
const normalise = (text: string): string =>
  text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();

// Scripts written without spaces between words: shingle by characters instead of words.
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}]/u;

function shingles(norm: string): Set<string> {
  const tokens = NO_SPACE_SCRIPT.test(norm) ? Array.from(norm.replace(/ /g, "")) : norm.split(" ");
  const out = new Set<string>();
  if (tokens.length < SHINGLE) {
    out.add(tokens.join(" "));
    return out;
  }
  for (let i = 0; i + SHINGLE <= tokens.length; i++) out.add(tokens.slice(i, i + SHINGLE).join(" "));
  return out;
}

class DedupIndex {
  private readonly exact = new Set<string>();
  private readonly sizes: number[] = [];
  private readonly postings = new Map<string, number[]>();

  /** Why `text` would be a duplicate of an indexed row, or null. */
  check(text: string): "exact" | "near" | null {
    const norm = normalise(text);
    if (this.exact.has(norm)) return "exact";
    const grams = shingles(norm);
    const shared = new Map<number, number>();
    for (const g of grams) {
      for (const doc of this.postings.get(g) ?? []) shared.set(doc, (shared.get(doc) ?? 0) + 1);
    }
    for (const [doc, n] of shared) {
      const union = grams.size + (this.sizes[doc] ?? 0) - n;
      if (union > 0 && n / union >= NEAR_DUP_JACCARD) return "near";
    }
    return null;
  }

  add(text: string): void {
    const norm = normalise(text);
    this.exact.add(norm);
    const doc = this.sizes.length;
    const grams = shingles(norm);
    this.sizes.push(grams.size);
    for (const g of grams) {
      const list = this.postings.get(g);
      if (list) list.push(doc);
      else this.postings.set(g, [doc]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Capping: seeded sample, balanced between labels where possible and spread evenly over languages

function sample(rows: Candidate[], cap: number, rng: () => number): Candidate[] {
  if (rows.length <= cap) return rows;
  const byLabel = new Map<Label, Candidate[]>();
  for (const r of rows) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
  const labels = [...byLabel.keys()].sort();
  // Quota per label: an even split, with what one label cannot fill handed to the other.
  const quota = new Map<Label, number>();
  let left = cap;
  const bySize = labels.slice().sort((a, b) => (byLabel.get(a)?.length ?? 0) - (byLabel.get(b)?.length ?? 0));
  bySize.forEach((label, i) => {
    const q = Math.min(byLabel.get(label)?.length ?? 0, Math.floor(left / (bySize.length - i)));
    quota.set(label, q);
    left -= q;
  });
  const picked: Candidate[] = [];
  for (const label of labels) {
    // Round-robin over languages (each language list shuffled), so small languages are kept whole.
    const byLang = new Map<string, Candidate[]>();
    for (const r of byLabel.get(label) ?? []) {
      const key = r.lang ?? "-";
      byLang.set(key, [...(byLang.get(key) ?? []), r]);
    }
    const queues = [...byLang.keys()].sort().map((k) => shuffle(byLang.get(k) ?? [], rng));
    let need = quota.get(label) ?? 0;
    for (let round = 0; need > 0; round++) {
      let took = false;
      for (const q of queues) {
        const r = q[round];
        if (r && need > 0) {
          picked.push(r);
          need--;
          took = true;
        }
      }
      if (!took) break;
    }
  }
  const order = new Map(rows.map((r, i) => [r, i]));
  return picked.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Main

const index = new DedupIndex();
const devRows = readFileSync(DEV_PATH, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as { text: string });
for (const r of devRows) index.add(r.text);

mkdirSync(OUT_DIR, { recursive: true });
const report: Record<string, unknown> = {};
for (const source of SOURCES) {
  const git = new Git(source.origin);
  const raw = source.read(git);
  const counts = { read: raw.length, length: 0, exact: 0, near: 0, kept: 0, capped: 0 };
  const local = new DedupIndex(); // within this source, so sampling never sees two copies
  const survivors: Candidate[] = [];
  for (const c of raw) {
    const text = c.text.trim();
    if (text.length < MIN_CHARS || text.length > MAX_CHARS) {
      counts.length++;
      continue;
    }
    const dup = index.check(text) ?? local.check(text);
    if (dup) {
      counts[dup]++;
      continue;
    }
    local.add(text);
    survivors.push({ ...c, text });
  }
  counts.kept = survivors.length;
  const chosen = sample(survivors, CAP, prng(hashSeed(source.id)));
  counts.capped = survivors.length - chosen.length;
  for (const c of chosen) index.add(c.text);

  const lines = chosen.map((c, n) =>
    JSON.stringify({
      id: `${source.id}:${n}`,
      source: source.id,
      text: c.text,
      label: c.label,
      vector: c.vector,
      category: c.category,
      lang: c.lang,
      license: source.license,
      origin: { repo: source.origin.repo, commit: source.origin.commit, path: c.path },
    }),
  );
  writeFileSync(join(OUT_DIR, `${source.id}.jsonl`), lines.length ? `${lines.join("\n")}\n` : "");

  const tally = (key: (c: Candidate) => string): Record<string, number> => {
    const t: Record<string, number> = {};
    for (const c of chosen) t[key(c)] = (t[key(c)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(t).sort());
  };
  report[source.id] = {
    ...counts,
    written: chosen.length,
    label: tally((c) => c.label),
    vector: tally((c) => c.vector),
    lang: tally((c) => c.lang ?? "null"),
    category: tally((c) => `${c.label}/${c.category}`),
  };
}
console.log(JSON.stringify(report, null, 2));
