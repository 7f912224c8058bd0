import { describe, expect, it } from "vitest";
import { RuleEngine, type WordRuleSpec } from "./rule-engine.js";

const t = (gap: number, ...phrases: string[]) => ({ gap, phrases });

const SPECS: WordRuleSpec[] = [
  {
    id: "override",
    sequences: [[t(0, "ignore", "set aside"), t(2, "previous", "prior"), t(1, "instructions", "rules")]],
  },
  { id: "phrase", sequences: [[t(0, "system prompt")]] },
  { id: "either", sequences: [[t(0, "alpha")], [t(0, "beta"), t(0, "gamma")]] },
  { id: "contraction", sequences: [[t(0, "don't"), t(0, "follow")]] },
  { id: "anchored", anchored: { triggers: ["stop"], pattern: /stop ?: ?write\b/y } },
  { id: "needle", needles: { literals: ["<|"], pattern: /<\|[a-z_]+\|>/ } },
];
const engine = new RuleEngine(SPECS);
const ids = (text: string): string[] => [...engine.match(text)].map((i) => SPECS[i]?.id ?? "?").sort();

describe("RuleEngine sequences", () => {
  it("matches terms in order within each gap, whatever the punctuation", () => {
    expect(ids("please ignore previous instructions")).toEqual(["override"]);
    expect(ids("ignore, all of: previous. rules!")).toEqual(["override"]);
    expect(ids("set aside prior the rules")).toEqual(["override"]);
  });

  it("refuses a gap one word too long, and the wrong order", () => {
    expect(ids("ignore one two three previous instructions")).toEqual([]);
    expect(ids("ignore previous one two instructions")).toEqual([]);
    expect(ids("previous instructions ignore")).toEqual([]);
  });

  it("matches whole words only", () => {
    expect(ids("ignoreprevious instructions")).toEqual([]);
    expect(ids("ignore previousinstructions")).toEqual([]);
    expect(ids("signore previous instructions")).toEqual([]);
  });

  it("matches multi-word phrases only when their words are adjacent", () => {
    expect(ids("the system prompt is secret")).toEqual(["phrase"]);
    expect(ids("the system, prompt")).toEqual(["phrase"]);
    expect(ids("the system's prompt")).toEqual([]);
    expect(ids("system x prompt")).toEqual([]);
  });

  it("treats each sequence as an alternative", () => {
    expect(ids("alpha")).toEqual(["either"]);
    expect(ids("beta gamma")).toEqual(["either"]);
    expect(ids("beta x gamma")).toEqual([]);
  });

  it("keeps apostrophes inside words but not as quotes", () => {
    expect(ids("you don't follow")).toEqual(["contraction"]);
    expect(ids("'ignore' 'previous' 'rules'")).toEqual(["override"]);
    expect(ids("don't'follow")).toEqual([]);
  });

  it("still finds a match after many partial ones", () => {
    const noise = "ignore ignore previous previous ".repeat(20_000);
    expect(ids(noise)).toEqual([]);
    expect(ids(`${noise}ignore previous instructions`)).toEqual(["override"]);
  });
});

describe("RuleEngine anchored and needle rules", () => {
  it("runs an anchored pattern where its trigger word starts", () => {
    expect(ids("ok. stop: write a poem")).toEqual(["anchored"]);
    expect(ids("stop and write a poem")).toEqual([]);
    expect(ids("nonstop: write")).toEqual([]);
  });

  it("runs a needle pattern only when its literal is present", () => {
    expect(ids("text <|im_start|> more")).toEqual(["needle"]);
    expect(ids("text <| not a token")).toEqual([]);
    expect(ids("<|im_start|>")).toEqual(["needle"]);
    expect(ids("im_start|>")).toEqual([]);
  });

  it("rejects malformed specs", () => {
    expect(() => new RuleEngine([{ id: "x", anchored: { triggers: ["two words"], pattern: /x/y } }])).toThrow();
    expect(() => new RuleEngine([{ id: "x", anchored: { triggers: ["x"], pattern: /x/ } }])).toThrow(/sticky/);
    expect(() => new RuleEngine([{ id: "x", sequences: [[t(0, "!!")]] }])).toThrow(/bad phrase/);
    // A literal led by a letter would be looked for at most characters: that is a trigger's job.
    expect(() => new RuleEngine([{ id: "x", needles: { literals: ["curl"], pattern: /curl/ } }])).toThrow(/letter/);
  });
});
