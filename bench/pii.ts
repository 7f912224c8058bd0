// Throughput and scaling of the PII/secret guard (`tsx bench/pii.ts`; also run by `npm run bench`).
//
// For each workload: MB/s of findPii and of redact over 1 MB, and the time ratio of 1 MB to
// 0.25 MB (≈ 4 when time is linear in input size; a quadratic detector would show ≈ 16). Each
// figure is the best of five timing windows, after a warm-up of every workload.
// Adversarial inputs are built to make naive regexes backtrack: long runs with no terminator.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findPii, redact } from "../guards/pii/index.js";

const MB = 1 << 20;
const dataDir = fileURLToPath(new URL("../../shared/data/", import.meta.url));

/**
 * Ordinary text: a fixed pseudo-random sample of rows from the labelled data (prompts, e-mails,
 * code, logs, synthetic PII sentences) repeated to size, so every size has the same mix; generated
 * prose when the data is not there.
 */
function ordinary(size: number): string {
  const rows: string[] = [];
  for (const file of ["injection-dev.jsonl", "pii-dev.jsonl"]) {
    const path = dataDir + file;
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.trim()) rows.push((JSON.parse(line) as { text: string }).text);
    }
  }
  const unit: string[] = [];
  let length = 0;
  let seed = 7;
  while (rows.length > 0 && length < 256 * 1024) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const row = rows[seed % rows.length] ?? "";
    unit.push(row);
    length += row.length + 1;
  }
  if (unit.length === 0) {
    unit.push(
      "The quarterly report is attached; reach Dana at dana.lee@example.org or +44 20 7946 0958.",
      "Deploy finished in 42s on 10.0.3.7 (build 2024.06.1, version 3.4.1); see ticket 1234567.",
      "We met on 2024-03-05 at 14:30 and agreed on a 12,500 EUR budget for the second phase.",
    );
  }
  return repeatTo(unit.join("\n"), size);
}

function repeatTo(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function randomBase64(size: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let seed = 42;
  let out = "";
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += abc[seed % 64];
  }
  return out;
}

/** Builders take a size in characters and return input of exactly that size. */
const WORKLOADS: Array<[string, (n: number) => string]> = [
  ["ordinary text (data rows)", ordinary],
  ['"a"*n + "@"', (n) => "a".repeat(n - 1) + "@"],
  ['"a@"*n/2', (n) => repeatTo("a@", n)],
  ["digits only", (n) => "7".repeat(n)],
  ['"1-1-1-…"', (n) => repeatTo("1-", n)],
  ['"1.1.1.…"', (n) => repeatTo("1.", n)],
  ['"1 1 1 …"', (n) => repeatTo("1 ", n)],
  ['":::…" and "a:a:…"', (n) => repeatTo(":", n / 2) + repeatTo("a:", n / 2)],
  ['"password" + "="*n', (n) => "password" + "=".repeat(n - 8)],
  ['"password" + ":"*n', (n) => "password" + ":".repeat(n - 8)],
  ['"password=" repeated', (n) => repeatTo("password=", n)],
  ['"token: " + "x"*n (unterminated)', (n) => 'token: "' + "x".repeat(n - 8)],
  ["base64 run without end", randomBase64],
  ["64-wide base64 lines (key bodies)", (n) => randomBase64(n).replace(/(.{64})./g, "$1\n")],
  ['"sk-" + base64 run', (n) => "sk-" + randomBase64(n - 3)],
  ['"eyJ" repeated', (n) => repeatTo("eyJ.", n)],
  ["PEM headers without footer", (n) => repeatTo("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n", n)],
  ["certificate headers without footer", (n) => repeatTo("-----BEGIN CERTIFICATE-----\nAAAA\n", n)],
  ['"DE89 " + digit groups', (n) => "DE89 " + repeatTo("1234 ", n - 5)],
  ['"+(((1" / "((((" runs', (n) => repeatTo("+(((1", n)],
  ['"http://" + "a:"*n', (n) => "http://" + repeatTo("a:", n - 7)],
  ['"$1$" + crypt runs (password hashes)', (n) => repeatTo("$1$abcdefgh$" + randomBase64(80).replace(/\+/g, "."), n)],
  ['"$" repeated', (n) => repeatTo("$", n)],
  ['"mysql -p" command lines', (n) => repeatTo("mysql -h db -p app_db < dump.sql; mysql -pX ", n)],
  ['"{SSHA}" repeated', (n) => repeatTo("{SSHA}", n)],
  ["XML elements", (n) => repeatTo("<item><name>n</name><password>v</password><a><b>", n)],
  [
    "street addresses in prose",
    (n) =>
      repeatTo(
        "Please ship the order to 1600 Amphitheatre Parkway, Mountain View, CA 94043-1351 before Friday; " +
          "the invoice 2024 000123 lists 12 items and the office at 350 Fifth Avenue, New York, NY 10118 " +
          "can be reached at (212) 736-3100 during business hours.\n",
        n,
      ),
  ],
];

/**
 * Time of one call of `fn` in ms: the best of five windows of at least `windowMs` each. Taking the
 * best window filters out interference from other processes on a shared machine.
 */
function timeMs(fn: () => void, windowMs = 150): number {
  let best = Infinity;
  for (let w = 0; w < 5; w++) {
    let runs = 0;
    const start = performance.now();
    let elapsed: number;
    do {
      fn();
      runs++;
      elapsed = performance.now() - start;
    } while (elapsed < windowMs);
    best = Math.min(best, elapsed / runs);
  }
  return best;
}

/** Runs every function until the JIT has settled, so the first timed workload is not penalised. */
function warmUp(fns: Array<() => void>, ms = 1500): void {
  const until = performance.now() + ms;
  while (performance.now() < until) for (const fn of fns) fn();
}

function main(): void {
  // Warm every code path on small inputs first, so the first timed workload is not penalised.
  const smalls = WORKLOADS.map(([, build]) => build(MB / 4));
  warmUp(smalls.flatMap((small) => [() => findPii(small), () => redact(small)]));
  console.log(
    `${"workload".padEnd(36)} ${"find MB/s".padStart(10)} ${"redact MB/s".padStart(12)} ${"1MB/0.25MB".padStart(11)}`,
  );
  let worst = Infinity;
  let worstRedact = Infinity;
  let worstRatio = 0;
  WORKLOADS.forEach(([name, build], w) => {
    const big = build(MB);
    const small = smalls[w] ?? build(MB / 4);
    const tFind = timeMs(() => findPii(big));
    const tRedact = timeMs(() => redact(big));
    const tSmall = timeMs(() => findPii(small));
    const mbps = (ms: number) => 1000 / ms;
    worst = Math.min(worst, mbps(tFind));
    worstRedact = Math.min(worstRedact, mbps(tRedact));
    worstRatio = Math.max(worstRatio, tFind / tSmall);
    console.log(
      `${name.padEnd(36)} ${mbps(tFind).toFixed(1).padStart(10)} ${mbps(tRedact).toFixed(1).padStart(12)} ` +
        `${(tFind / tSmall).toFixed(2).padStart(11)}`,
    );
  });
  console.log(
    `\nslowest: findPii ${worst.toFixed(1)} MB/s, redact ${worstRedact.toFixed(1)} MB/s (target >= 20); ` +
      `largest 1MB/0.25MB time ratio ${worstRatio.toFixed(2)} (linear = 4)`,
  );
}

main();
