import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvSchema } from "../runtime/config.js";
import { parseApiKeys } from "../server/auth.js";
import { REPO_ROOT } from "./process.js";

/**
 * The deploy files (Dockerfile, compose.yaml, the CI workflow) are not run by the test suite, so
 * this checks what would break them: a folder the running code needs but the image leaves out, a
 * devDependency the server imports (the image installs with --omit=dev), an env name the app never
 * reads, a grace period shorter than the server's drain. No docker, no network.
 */

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), "utf8");
const ENTRY = "server/main.ts";
/** What the image runs: the API server, and the graph langgraph.json exports. */
const ENTRIES = [ENTRY, "graphs/deploy.ts"];
/** Folders whose code runs in the server; every folder their imports reach must be in the image. */
const RUNTIME_FOLDERS = ["app", "graphs", "nodes", "tools", "guards", "runtime", "checkpoint", "fake-openai", "server"];

// --- Dockerfile ----------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped. */
function dockerInstructions(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op = "", ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

const dockerfile = dockerInstructions(read("Dockerfile"));
const argDefaults = new Map(
  dockerfile
    .filter((i) => i.op === "ARG" && i.args.includes("="))
    .map((i) => [i.args.slice(0, i.args.indexOf("=")), i.args.slice(i.args.indexOf("=") + 1)] as const),
);
const stages = dockerfile.reduce<Instruction[][]>((acc, i) => {
  if (i.op === "FROM") acc.push([]);
  acc.at(-1)?.push(i);
  return acc;
}, []);
const finalStage = stages.at(-1) ?? [];

/** Sources of COPY instructions that read the build context (not another stage). */
function contextSources(stage: Instruction[]): string[] {
  return stage
    .filter((i) => i.op === "COPY" && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      return words.slice(0, -1);
    });
}

function matchesGlob(name: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
  return re.test(name);
}

/** Top-level folders the final image gets from the build context. */
const copiedFolders = new Set(
  contextSources(finalStage)
    .map((src) => src.replace(/^\.\//, "").replace(/\/$/, ""))
    .filter((src) => existsSync(join(REPO_ROOT, src)) && statSync(join(REPO_ROOT, src)).isDirectory())
    .map((src) => src.split("/")[0] ?? src),
);
const copiedFiles = new Set(contextSources(finalStage).filter((src) => !copiedFolders.has(src.replace(/\/$/, ""))));

function cmdOf(stage: Instruction[]): unknown {
  const cmd = stage.filter((i) => i.op === "CMD").at(-1);
  return cmd ? JSON.parse(cmd.args) : undefined;
}

// --- Imports -------------------------------------------------------------------------------------

const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Module specifiers a file loads at run time (type-only imports are erased, so they are left out). */
function runtimeSpecifiers(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(STATIC_IMPORT)) if (!m[1] && m[2]) specs.push(m[2]);
  for (const m of source.matchAll(DYNAMIC_IMPORT)) if (m[1]) specs.push(m[1]);
  return specs;
}

/** `./x.js` → the `./x.ts` beside it (NodeNext style), else the file itself (JSON), else undefined. */
function resolveRelative(from: string, spec: string): string | undefined {
  const target = resolve(dirname(from), spec);
  const candidates = spec.endsWith(".js") ? [target.replace(/\.js$/, ".ts"), target] : [target, `${target}.ts`];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const topFolder = (file: string): string => relative(REPO_ROOT, file).split(sep)[0] ?? "";
const packageName = (spec: string): string =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

function sourceFiles(folder: string): string[] {
  const dir = join(REPO_ROOT, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.split(sep).includes("node_modules"))
    .map((f) => join(dir, f));
}

/** Walks the relative imports from the entry points: files reached, packages loaded, imports that resolve nowhere. */
function walk(entries: string[]): { files: Set<string>; packages: Set<string>; unresolved: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const unresolved: string[] = [];
  const queue = entries.map((e) => join(REPO_ROOT, e)).filter((e) => existsSync(e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith(".ts")) continue;
    for (const spec of runtimeSpecifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolveRelative(file, spec);
        if (target) queue.push(target);
        else unresolved.push(`${relative(REPO_ROOT, file)} → ${spec}`);
      } else if (!isBuiltin(spec)) {
        packages.add(packageName(spec));
      }
    }
  }
  return { files, packages, unresolved };
}

// --- compose.yaml (only the shapes this file uses: block mappings and lists) --------------------

const composeLines = read("compose.yaml").split("\n");
const indentOf = (line: string): number => line.length - line.trimStart().length;
const isContent = (line: string): boolean => line.trim() !== "" && !line.trimStart().startsWith("#");

/** The lines nested under the first `key:` found (at any depth) within `lines`. */
function block(lines: string[], key: string): string[] {
  const start = lines.findIndex((l) => isContent(l) && new RegExp(`^\\s*${key}:\\s*$`).test(l));
  if (start < 0) return [];
  const base = indentOf(lines[start]!);
  const end = lines.findIndex((l, i) => i > start && isContent(l) && indentOf(l) <= base);
  return lines.slice(start + 1, end < 0 ? undefined : end).filter(isContent);
}

/** `KEY: value` entries or `- KEY=value` items directly under a block, by name. */
function entries(lines: string[]): Map<string, string> {
  const depth = Math.min(...lines.map(indentOf));
  const out = new Map<string, string>();
  for (const line of lines.filter((l) => indentOf(l) === depth)) {
    const m = /^\s*(?:-\s*)?([A-Za-z_][\w.-]*)\s*[:=]\s*(.*)$/.exec(line);
    if (m?.[1]) out.set(m[1], (m[2] ?? "").replace(/^"(.*)"$/, "$1"));
  }
  return out;
}

const services = block(composeLines, "services");
const app = block(services, "app");
const appEnv = entries(block(app, "environment"));
/** `${NAME:-default}` → default; a literal stays as it is. */
const composeDefault = (value: string | undefined): string | undefined =>
  value?.replace(/\$\{\w+:?-([^}]*)\}/g, "$1").replace(/\$\{\w+\}/g, "");

const envExampleNames = read(".env.example")
  .split("\n")
  .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
  .map((line) => line.slice(0, line.indexOf("=")));

// --- The tests -----------------------------------------------------------------------------------

describe("Dockerfile", () => {
  it("copies only paths that exist and that .dockerignore does not exclude", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"));
    const rootNames = readdirSync(REPO_ROOT);
    const sources = stages.flatMap(contextSources).map((s) => s.replace(/^\.\//, "").replace(/\/$/, ""));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      const found = src.includes("*") ? rootNames.some((n) => matchesGlob(n, src)) : existsSync(join(REPO_ROOT, src));
      expect(found, `COPY ${src}: not in the repository`).toBe(true);
      expect(
        ignored.filter((pattern) => matchesGlob(src, pattern.replace(/^\//, "").replace(/\/$/, ""))),
        `COPY ${src}: excluded by .dockerignore`,
      ).toEqual([]);
    }
  });

  it("builds on a bookworm-slim Node image that satisfies package.json engines", () => {
    const min = /(\d+)\.(\d+)/.exec((JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node);
    const froms = stages.map((s) => s[0]!.args.split(/\s+/));
    const stageNames = new Set(froms.map((words) => (words[1]?.toUpperCase() === "AS" ? words[2] : undefined)));
    const external = froms
      .map((words) => words[0]!.replace(/\$\{(\w+)\}/g, (_, name: string) => argDefaults.get(name) ?? ""))
      .filter((image) => !stageNames.has(image));
    expect(external.length).toBeGreaterThanOrEqual(1);
    for (const image of external) {
      const m = /^node:(\d+)\.(\d+)(?:\.\d+)?-bookworm-slim$/.exec(image);
      expect(m, `FROM ${image}: expected node:<major>.<minor>[.<patch>]-bookworm-slim`).not.toBeNull();
      const version = [Number(m![1]), Number(m![2])];
      const required = [Number(min![1]), Number(min![2])];
      expect(
        version[0]! * 1000 + version[1]!,
        `FROM ${image}: engines ask for >= ${required.join(".")}`,
      ).toBeGreaterThanOrEqual(required[0]! * 1000 + required[1]!);
    }
  });

  it("installs the lockfile without devDependencies and with install scripts on", () => {
    const installs = dockerfile.filter((i) => i.op === "RUN" && /\bnpm\s+(ci|install|i)\b/.test(i.args));
    expect(installs.map((i) => i.args)).toEqual([expect.stringMatching(/\bnpm ci\b.*--omit=dev/)]);
    expect(installs[0]!.args).not.toMatch(/--ignore-scripts/);
  });

  it("runs server/main.ts through tsx as the unprivileged node user, listening beyond loopback", () => {
    expect(cmdOf(finalStage)).toEqual(["node", "--import", "tsx", ENTRY]);
    expect((JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies).toHaveProperty(
      "tsx",
    );
    const users = finalStage.filter((i) => i.op === "USER");
    expect(users.at(-1)?.args).toBe("node");
    const env = finalStage
      .filter((i) => i.op === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/\bSERVE_HOST=0\.0\.0\.0\b/);
    const port = /\bSERVE_PORT=(\d+)/.exec(env)?.[1] ?? String(EnvSchema.parse({}).SERVE_PORT);
    expect(finalStage.filter((i) => i.op === "EXPOSE").map((i) => i.args)).toContain(port);
    expect(finalStage.find((i) => i.op === "HEALTHCHECK")?.args).toMatch(/\/ok\b/);
  });

  it("has the server's entry file", () => {
    expect(existsSync(join(REPO_ROOT, ENTRY)), `${ENTRY} is missing`).toBe(true);
  });

  it("copies every folder the server's code imports from, and the knowledge folder", () => {
    const needed = new Set<string>(RUNTIME_FOLDERS);
    for (const folder of RUNTIME_FOLDERS) {
      for (const file of sourceFiles(folder)) {
        for (const spec of runtimeSpecifiers(readFileSync(file, "utf8")).filter((s) => s.startsWith("."))) {
          const target = resolveRelative(file, spec);
          if (target) needed.add(topFolder(target));
        }
      }
    }
    for (const file of walk(ENTRIES).files) needed.add(topFolder(file));
    needed.add(EnvSchema.parse({}).KNOWLEDGE_DIR);
    expect([...needed].filter((folder) => !copiedFolders.has(folder)).sort()).toEqual([]);
  });

  it("copies the manifests tsx and langgraph.json need", () => {
    for (const file of ["package.json", "tsconfig.json", "langgraph.json"]) {
      expect(
        [...copiedFiles].some((src) => matchesGlob(file, src.replace(/^\.\//, ""))),
        `${file} not copied`,
      ).toBe(true);
    }
    const graphs = (JSON.parse(read("langgraph.json")) as { graphs: Record<string, string> }).graphs;
    for (const target of Object.values(graphs)) {
      const file = target.split(":")[0]!.replace(/^\.\//, "");
      expect(existsSync(join(REPO_ROOT, file)), `${file} (langgraph.json) is missing`).toBe(true);
      expect(copiedFolders.has(file.split("/")[0]!), `${file} (langgraph.json) is not copied`).toBe(true);
    }
  });

  it("needs only production dependencies at run time (the image installs with --omit=dev)", () => {
    const { packages, unresolved } = walk(ENTRIES);
    const deps = Object.keys(
      (JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies,
    );
    expect(unresolved).toEqual([]);
    expect(packages.size).toBeGreaterThan(0);
    expect([...packages].filter((p) => !deps.includes(p)).sort()).toEqual([]);
  });
});

describe("compose.yaml", () => {
  it("gives the app only variables Keel reads", () => {
    const known = new Set([...Object.keys(EnvSchema.shape), ...envExampleNames]);
    expect(appEnv.size).toBeGreaterThan(0);
    expect([...appEnv.keys()].filter((name) => !known.has(name))).toEqual([]);
  });

  it("points the app at the compose PostgreSQL, once it is healthy", () => {
    const url = new URL(composeDefault(appEnv.get("DATABASE_URL")) ?? "");
    expect(block(services, url.hostname)).toEqual(
      expect.arrayContaining([expect.stringMatching(/image:\s*postgres:/)]),
    );
    expect(entries(block(block(app, "depends_on"), url.hostname)).get("condition")).toBe("service_healthy");
  });

  it("starts with its development API key (the server accepts its format)", () => {
    const keys = composeDefault(appEnv.get("AUTH_API_KEYS")) ?? "";
    expect(parseApiKeys(keys).length).toBeGreaterThan(0);
  });

  it("waits longer than the server's drain before it kills the app", () => {
    const grace = Number(
      composeDefault(appEnv.get("SERVE_SHUTDOWN_GRACE_MS")) || EnvSchema.parse({}).SERVE_SHUTDOWN_GRACE_MS,
    );
    const stop = /^(\d+)(ms|s|m)$/.exec(entries(app).get("stop_grace_period") ?? "");
    expect(stop, "app needs stop_grace_period such as 20s").not.toBeNull();
    const stopMs = Number(stop![1]) * { ms: 1, s: 1000, m: 60_000 }[stop![2] as "ms" | "s" | "m"];
    expect(stopMs).toBeGreaterThan(grace);
  });
});

describe("CI workflow", () => {
  const workflow = read(".github/workflows/ci.yml");

  it("runs .ci/run, the one CI script, which runs npm test", () => {
    expect(workflow).toMatch(/^\s*-?\s*run:\s*bash \.ci\/run\s*$/m);
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });

  it("builds the Docker image", () => {
    expect(workflow).toMatch(/^\s*-?\s*run:\s*docker build \.\s*$/m);
  });
});
