import { describe, expect, it } from "vitest";
import { runTsChild } from "../test/process.js";

/** Each case runs in its own Node process: exit codes and signal handling are process-wide. */
describe("closeOnExit", () => {
  it("closes on SIGTERM, then exits with 128 + 15", async () => {
    const child = await runTsChild(
      `
      import { closeOnExit } from "{{repo}}/checkpoint/close-on-exit.ts";
      closeOnExit({ close: async () => { await new Promise((r) => setTimeout(r, 50)); console.log("closed"); } });
      setInterval(() => undefined, 1_000);
      console.log("ready");
    `,
      { onStdout: (out, proc) => out === "ready\n" && proc.kill("SIGTERM") },
    );
    expect(child.stdout).toBe("ready\nclosed\n");
    expect(child.code).toBe(143);
  });

  it("exits anyway when closing hangs, after timeoutMs", async () => {
    let signalledAt = 0;
    const child = await runTsChild(
      `
      import { closeOnExit } from "{{repo}}/checkpoint/close-on-exit.ts";
      closeOnExit({ close: () => new Promise(() => undefined) }, { timeoutMs: 300, log: (m) => console.log(m) });
      setInterval(() => undefined, 1_000);
      console.log("ready");
    `,
      {
        onStdout: (out, proc) => {
          if (out !== "ready\n") return;
          signalledAt = performance.now();
          proc.kill("SIGINT");
        },
      },
    );
    expect(child.code).toBe(130);
    expect(child.stdout).toMatch(/longer than 300 ms/);
    expect(performance.now() - signalledAt).toBeLessThan(3_000);
  });

  it("closes when the event loop drains and keeps the exit code the program set", async () => {
    const child = await runTsChild(`
      import { closeOnExit } from "{{repo}}/checkpoint/close-on-exit.ts";
      closeOnExit({ close: async () => console.log("closed") });
      process.exitCode = 4;
    `);
    expect(child.stdout).toBe("closed\n");
    expect(child.code).toBe(4);
  });
});
