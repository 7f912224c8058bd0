import { describe, expect, it } from "vitest";
import { createLogger } from "../runtime/logger.js";
import { StepLogger } from "../runtime/step-log.js";
import { runCallbacks } from "./turn.js";

describe("runCallbacks", () => {
  it("adds the step logger only when its info lines would be written", () => {
    const at = (level: "info" | "warn" | "debug") => runCallbacks(createLogger(level));
    expect(at("info").some((c) => c instanceof StepLogger)).toBe(true);
    expect(at("debug").some((c) => c instanceof StepLogger)).toBe(true);
    expect(at("warn")).toEqual([]);
  });
});
