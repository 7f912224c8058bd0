import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./args.js";

describe("parseCliArgs", () => {
  it("defaults to an interactive chat", () => {
    expect(parseCliArgs([])).toEqual({
      threadId: undefined,
      message: undefined,
      json: false,
      decision: undefined,
      userId: undefined,
      role: undefined,
      help: false,
    });
  });

  it("reads a one-shot message with JSON output on a thread", () => {
    const options = parseCliArgs(["-m", "what is 12*7?", "--json", "--thread", "t1", "--role", "viewer"]);
    expect(options).toMatchObject({ message: "what is 12*7?", json: true, threadId: "t1", role: "viewer" });
  });

  it("reads each kind of decision for a paused thread", () => {
    expect(parseCliArgs(["-t", "t1", "--approve"]).decision).toEqual({ kind: "approve" });
    expect(parseCliArgs(["-t", "t1", "--reject", "too risky"]).decision).toEqual({
      kind: "reject",
      message: "too risky",
    });
    expect(parseCliArgs(["-t", "t1", "--resume", '{"decisions":[]}']).decision).toEqual({
      kind: "raw",
      json: '{"decisions":[]}',
    });
  });

  it.each([
    [["--approve"], "need --thread"],
    [["-t", "t1", "--approve", "--reject", "x"], "only one of"],
    [["-t", "t1", "--approve", "-m", "hi"], "cannot be combined"],
    [["--role", "root"], "--role must be one of"],
    [["--bogus"], "Unknown option"],
    [["stray"], "positional"],
  ])("refuses %o with a message", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
