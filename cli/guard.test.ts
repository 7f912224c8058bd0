import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseGuardArgs, runGuard, UsageError } from "./guard.js";

const dir = mkdtempSync(join(tmpdir(), "keel-guard-"));
const file = join(dir, "rows.jsonl");
writeFileSync(file, `${JSON.stringify({ id: "r1", text: "mail jane@corp.example" })}\n\n`);

async function run(argv: string[], stdinText = "") {
  const stdin = new PassThrough();
  stdin.end(stdinText);
  let out = "";
  let err = "";
  const stdout = new PassThrough().on("data", (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough().on("data", (d: Buffer) => (err += d.toString()));
  const code = await runGuard(argv, { stdin, stdout, stderr });
  return { code, out, err };
}

describe("parseGuardArgs", () => {
  it("reads --jsonl <file>, --jsonl=<file>, a positional file and stdin", () => {
    expect(parseGuardArgs(["scan", "--jsonl", "f.jsonl"])).toEqual({ command: "scan", file: "f.jsonl" });
    expect(parseGuardArgs(["redact", "--jsonl=f.jsonl"])).toEqual({ command: "redact", file: "f.jsonl" });
    expect(parseGuardArgs(["redact", "f.jsonl"])).toEqual({ command: "redact", file: "f.jsonl" });
    expect(parseGuardArgs(["scan"])).toEqual({ command: "scan", file: undefined });
    expect(parseGuardArgs(["scan", "--jsonl", "-"])).toEqual({ command: "scan", file: undefined });
    expect(parseGuardArgs(["--help"])).toBe("help");
  });

  it.each([
    [["scan", "--bogus"], /Unknown option --bogus/],
    [["scan", "--json", "f"], /Unknown option --json/],
    [["scan", "-x"], /Unknown option -x/],
    [["scan", "--jsonl"], /--jsonl needs a value/],
    [["scan", "--jsonl", "--bogus"], /--jsonl needs a value/],
    [["scan", "--jsonl", "a", "b"], /not both/],
    [["scan", "a", "b"], /Unexpected argument "b"/],
    [["lint", "f"], /Unknown command "lint"/],
    [[], /Missing command/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseGuardArgs(argv)).toThrow(UsageError);
    expect(() => parseGuardArgs(argv)).toThrow(message);
  });
});

describe("runGuard", () => {
  it("redacts rows of a --jsonl file, one result per line", async () => {
    const { code, out } = await run(["redact", "--jsonl", file]);
    expect(code).toBe(0);
    expect(
      out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ id: "r1", spans: [{ start: 5, end: 22, type: "EMAIL" }] }]);
  });

  it("scans rows from stdin", async () => {
    const { code, out } = await run(["scan"], `${JSON.stringify({ text: "hello there" })}\n`);
    expect(code).toBe(0);
    expect(JSON.parse(out) as unknown).toMatchObject({ id: 1, label: "benign" });
  });

  it("exits 2 with the flag named and the usage text on an unknown flag, never reading a file", async () => {
    const { code, out, err } = await run(["scan", "--jsonlx", file]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("Unknown option --jsonlx");
    expect(err).toContain("Usage: npm run guard");
    expect(err).not.toContain("ENOENT");
  });

  it("reports an unreadable file with exit code 1 and bad rows without stopping", async () => {
    expect((await run(["redact", join(dir, "missing.jsonl")])).code).toBe(1);
    const bad = await run(["redact"], `not json\n{"id":2}\n${JSON.stringify({ id: 3, text: "x" })}\n`);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("line 1: not JSON");
    expect(bad.err).toContain('line 2: no "text" string');
    expect(bad.out).toContain('"id":3');
  });
});

describe("guard CLI process", () => {
  const cli = fileURLToPath(new URL("./guard.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

  it("`scan --jsonl f` reads f, and an unknown flag exits 2", () => {
    const ok = spawnSync(tsx, [cli, "redact", "--jsonl", file], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('"type":"EMAIL"');
    const bad = spawnSync(tsx, [cli, "scan", "--nope", file], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option --nope");
  });
});
