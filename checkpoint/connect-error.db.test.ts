import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../test/db.js";
import { isConnectionError } from "./connect-error.js";

// A real PostgreSQL refusing a connection because the role is at its limit (SQLSTATE 53300, what a
// server at max_connections answers too) is an outage to retry, not a server error.
const role = `keel_limited_${randomBytes(4).toString("hex")}`;
const password = randomBytes(12).toString("hex");
const admin = new pg.Client({ connectionString: databaseUrl() });

afterAll(async () => {
  await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await admin.end();
});

describe("isConnectionError on a real server", () => {
  it("recognises too many connections (53300)", async () => {
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' CONNECTION LIMIT 1`);
    const url = new URL(databaseUrl());
    url.username = role;
    url.password = password;
    const first = new pg.Client({ connectionString: url.toString() });
    await first.connect();
    const second = new pg.Client({ connectionString: url.toString() });
    const error: unknown = await second.connect().then(
      () => undefined,
      (err: unknown) => err,
    );
    await first.end();
    await second.end().catch(() => undefined);
    expect((error as { code?: string } | undefined)?.code).toBe("53300");
    expect(isConnectionError(error)).toBe(true);
  });
});
