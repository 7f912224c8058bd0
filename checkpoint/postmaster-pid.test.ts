import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isProcessAlive, parsePostmasterPid } from "./postmaster-pid.js";

describe("parsePostmasterPid", () => {
  it("reads pid, port and status from the lock file PostgreSQL writes", () => {
    const text = "3701\n/tmp/x/pg\n1795231681\n55001\n\n127.0.0.1\n  2146624         4\nready   \n";
    expect(parsePostmasterPid(text)).toEqual({ pid: 3701, port: 55001, status: "ready" });
  });
  it("treats a file without a status line as a server still starting", () => {
    expect(parsePostmasterPid("42\n/d\n1\n5432\n")?.status).toBe("starting");
  });
  it("rejects garbage rather than guessing", () => {
    expect(parsePostmasterPid("")).toBeUndefined();
    expect(parsePostmasterPid("abc\n/d\n1\nport\n")).toBeUndefined();
  });
});

describe("isProcessAlive", () => {
  it("is true for a running process and false once it has exited", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const exited = spawnSync(process.execPath, ["-e", "0"]);
    expect(exited.pid).toBeGreaterThan(0);
    expect(isProcessAlive(exited.pid)).toBe(false);
  });
});
