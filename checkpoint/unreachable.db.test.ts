import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { isKeelError, type KeelError } from "../runtime/errors.js";
import { openDatabase } from "./open-database.js";
import { freePort } from "../test/process.js";

const SECRET = "Sup3r-Secret-pw";
const NO_EMBEDDED = { dataDir: ".keel", embeddedPort: 54329 };

async function openFails(url: string, connectTimeoutMs?: number): Promise<{ err: KeelError; ms: number }> {
  const started = performance.now();
  const err: unknown = await openDatabase({ ...NO_EMBEDDED, url }, connectTimeoutMs ? { connectTimeoutMs } : {}).then(
    () => new Error("openDatabase unexpectedly succeeded"),
    (e: unknown) => e,
  );
  if (!isKeelError(err, "database_unreachable")) throw err;
  return { err, ms: performance.now() - started };
}

function expectNoSecret(err: KeelError): void {
  expect(err.message).not.toContain(SECRET);
  expect(JSON.stringify(err.toJSON())).not.toContain(SECRET);
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
}

describe("an unreachable DATABASE_URL", () => {
  it("fails fast with database_unreachable naming the target, the reason and the fix", async () => {
    const port = await freePort();
    const { err, ms } = await openFails(`postgres://keel:${SECRET}@127.0.0.1:${port}/keel_app`);
    expect(ms).toBeLessThan(2_000);
    expect(err.message).toContain(`127.0.0.1:${port}/keel_app`);
    expect(err.message).toMatch(/connection refused/);
    expect(err.message).toMatch(/DATABASE_URL/);
    expect(err.message).toMatch(/unset DATABASE_URL to use the embedded PostgreSQL/);
    expectNoSecret(err);
  });

  it("leaves no socket open after failing", async () => {
    const before = openSockets();
    await openFails(`postgres://keel:${SECRET}@127.0.0.1:${await freePort()}/keel_app`);
    await expect.poll(openSockets, { timeout: 1_000 }).toBe(before);
  });

  describe("when the server accepts but never answers", () => {
    const sockets: Socket[] = [];
    const blackHole = createServer((socket) => sockets.push(socket));
    let port = 0;
    beforeAll(async () => {
      await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
      const address = blackHole.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    });

    it("gives up after connectTimeoutMs instead of hanging", async () => {
      const { err, ms } = await openFails(`postgres://keel:${SECRET}@127.0.0.1:${port}/keel_app`, 300);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2_000);
      expect(err.message).toContain(`127.0.0.1:${port}/keel_app`);
      expect(err.message).toMatch(/no answer within 300 ms/);
      expectNoSecret(err);
    });
  });

  it("reports a wrong password as an authentication failure without showing it", async (ctx) => {
    const url = new URL(inject("databaseUrl"));
    url.password = SECRET;
    const result = await openDatabase({ ...NO_EMBEDDED, url: url.toString() }, { connectTimeoutMs: 3_000 }).then(
      async (db) => {
        await db.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    // A TEST_DATABASE_URL server may trust every local connection; then there is nothing to check.
    if (result === undefined) return ctx.skip();
    expect(isKeelError(result, "database_unreachable")).toBe(true);
    const err = result as KeelError;
    expect(err.message).toMatch(/authentication failed/);
    expectNoSecret(err);
  });
});
