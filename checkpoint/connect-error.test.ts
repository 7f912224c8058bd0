import { describe, expect, it } from "vitest";
import { isConnectionError } from "./connect-error.js";

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("isConnectionError", () => {
  it("recognises a lost or refused connection, also inside an AggregateError", () => {
    expect(isConnectionError(withCode("ECONNREFUSED"))).toBe(true);
    expect(isConnectionError(withCode("57P01", "terminating connection due to administrator command"))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode("ECONNREFUSED")], "connect failed"))).toBe(true);
    expect(isConnectionError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionError(new Error("timeout exceeded when trying to connect"))).toBe(true);
  });

  it("leaves query errors and everything else alone", () => {
    expect(isConnectionError(withCode("42601", "syntax error at or near"))).toBe(false);
    expect(isConnectionError(withCode("23505", "duplicate key value"))).toBe(false);
    expect(isConnectionError(new Error("boom"))).toBe(false);
    expect(isConnectionError("ECONNREFUSED")).toBe(false);
  });
});
