import { describe, expect, it } from "vitest";
import { normalizeText } from "../normalize.js";
import { combineOutcomes, decideAction, runChecks } from "./combine.js";
import type { CheckOutcome, CheckResult, GuardCheck } from "./types.js";

const detects = (score?: number, refuse = false): CheckResult => ({
  verdict: "injection",
  ...(score === undefined ? {} : { score }),
  evidence: [{ check: "x", reason: "x:hit" }],
  refuse,
});
const clean = (score = 0.1): CheckResult => ({ verdict: "benign", score, evidence: [], refuse: false });

/** A check that records its calls, so tests see order and short-circuits. */
function spy(name: string, result: CheckResult | (() => never), extra: Partial<GuardCheck> = {}, calls: string[] = []) {
  return {
    calls,
    check: {
      name,
      ...extra,
      check: () => {
        calls.push(name);
        return typeof result === "function"
          ? result()
          : { ...result, evidence: [{ check: name, reason: `${name}:r` }] };
      },
    } satisfies GuardCheck,
  };
}

const outcome = (check: string, result: CheckResult, error?: true): CheckOutcome => ({
  check,
  result,
  ...(error ? { error } : {}),
});

describe("runChecks", () => {
  it("runs applicable checks in list order and collects every check's evidence", async () => {
    const calls: string[] = [];
    const a = spy("a", clean(0.2), {}, calls);
    const b = spy("b", detects(0.7), {}, calls);
    const c = spy("c", clean(0.3), {}, calls);
    const found = await runChecks([a.check, b.check, c.check], "text", "user");
    expect(calls).toEqual(["a", "b", "c"]);
    expect(found.map((o) => o.check)).toEqual(["a", "b", "c"]);
    expect(combineOutcomes(found).reasons).toEqual(["a:r", "b:r", "c:r"]);
  });

  it("skips an if-clean check once an earlier one detected, and runs it when all were clean", async () => {
    const calls: string[] = [];
    const costly = spy("costly", detects(0.9, true), { when: "if-clean" }, calls).check;
    await runChecks([spy("rules", detects(0.8), {}, calls).check, costly], "t", "user");
    expect(calls).toEqual(["rules"]);
    await runChecks([spy("rules", clean(), {}, calls).check, costly], "t", "user");
    expect(calls).toEqual(["rules", "rules", "costly"]);
  });

  it("skips checks declared for another surface", async () => {
    const calls: string[] = [];
    const userOnly = spy("user-only", detects(), { surfaces: ["user"] }, calls).check;
    expect(await runChecks([userOnly], "t", "untrusted")).toEqual([]);
    expect(await runChecks([userOnly], "t", "user")).toHaveLength(1);
  });

  it("hands every check the same normalized text", async () => {
    const seen: unknown[] = [];
    const look: GuardCheck = {
      name: "look",
      check: (input) => {
        seen.push(input.normalized);
        return clean();
      },
    };
    const normalized = normalizeText("hel\u200blo");
    await runChecks([look, look], "hel\u200blo", "user", normalized);
    expect(seen).toEqual([normalized, normalized]);
    expect(seen[0]).toBe(seen[1]);
  });

  it("a throwing check does not crash the run: closed (the default) flags, open abstains, both report it", async () => {
    const boom = (): never => {
      throw new Error("boom");
    };
    const [closed] = await runChecks([spy("c", boom).check], "t", "user");
    expect(closed).toMatchObject({ check: "c", error: true, result: { verdict: "injection", refuse: false } });
    expect(closed!.result.evidence).toEqual([{ check: "c", reason: "c:error (fail-closed)", detail: "boom" }]);
    expect(decideAction([closed!], 0)).toBe("flag");

    const async: GuardCheck = { name: "o", failMode: "open", check: async () => Promise.reject(new Error("down")) };
    const [open] = await runChecks([async], "t", "user");
    expect(open!.result).toMatchObject({
      verdict: "abstain",
      evidence: [{ reason: "o:error (fail-open)", detail: "down" }],
    });
    expect(decideAction([open!], 0)).toBe("allow");
  });

  it("an error that counts as a detection stops later if-clean checks, like any detection", async () => {
    const calls: string[] = [];
    const broken: GuardCheck = {
      name: "broken",
      check: () => {
        throw new Error("x");
      },
    };
    await runChecks([broken, spy("later", clean(), { when: "if-clean" }, calls).check], "t", "user");
    expect(calls).toEqual([]);
  });
});

describe("combineOutcomes", () => {
  it("is benign with the highest opinion's score when nothing detected; abstentions carry no score", () => {
    const verdict = combineOutcomes([
      outcome("a", clean(0.2)),
      outcome("b", clean(0.4)),
      outcome("c", { verdict: "abstain", score: 0.9, evidence: [], refuse: false }),
    ]);
    expect(verdict).toEqual({ label: "benign", score: 0.4, reasons: [], evidence: [] });
    expect(combineOutcomes([])).toEqual({ label: "benign", score: 0, reasons: [], evidence: [] });
  });

  it("is an injection scored by the detecting checks only (1 for a detection without a score)", () => {
    expect(combineOutcomes([outcome("a", clean(0.9)), outcome("b", detects(0.6))]).score).toBe(0.6);
    expect(combineOutcomes([outcome("a", clean(0.2)), outcome("b", detects())]).score).toBe(1);
  });

  it("lists all evidence, structured and as reasons, in check order", () => {
    const verdict = combineOutcomes([
      outcome("a", { verdict: "benign", score: 0.1, evidence: [{ check: "a", reason: "model:0.10" }], refuse: false }),
      outcome("b", {
        verdict: "injection",
        score: 0.9,
        evidence: [{ check: "b", reason: "b:hit", detail: "d" }],
        refuse: true,
      }),
    ]);
    expect(verdict.reasons).toEqual(["model:0.10", "b:hit"]);
    expect(verdict.evidence).toEqual([
      { check: "a", reason: "model:0.10" },
      { check: "b", reason: "b:hit", detail: "d" },
    ]);
  });
});

describe("decideAction", () => {
  it("allows when nothing detected", () => {
    expect(decideAction([outcome("a", clean(0.99))], 0.5)).toBe("allow");
  });

  it("blocks when a detecting check may refuse, and only flags otherwise", () => {
    expect(decideAction([outcome("rules", detects(0.5, true))], undefined)).toBe("block");
    expect(decideAction([outcome("model", detects(0.999))], undefined)).toBe("flag");
    expect(decideAction([outcome("model", detects(0.6)), outcome("rules", detects(0.5, true))], undefined)).toBe(
      "block",
    );
  });

  it("a reported score at blockScore refuses; a missing score or an error never does", () => {
    expect(decideAction([outcome("model", detects(0.8))], 0.8)).toBe("block");
    expect(decideAction([outcome("model", detects(0.79))], 0.8)).toBe("flag");
    expect(decideAction([outcome("phrase", detects())], 0)).toBe("flag");
    expect(decideAction([outcome("broken", { ...detects(1, true) }, true)], 0)).toBe("flag");
  });
});
