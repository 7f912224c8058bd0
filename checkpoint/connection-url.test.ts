import { describe, expect, it } from "vitest";
import { describeTarget, redactUrl, withDatabase } from "./connection-url.js";

describe("redactUrl", () => {
  it("replaces the password and keeps everything else", () => {
    expect(redactUrl("postgres://app:s3cr%40t@db.internal:6543/keel?sslmode=require")).toBe(
      "postgres://app:***@db.internal:6543/keel?sslmode=require",
    );
  });
  it("also hides a password passed as a query parameter", () => {
    const out = redactUrl("postgres://app@db/keel?password=hunter2");
    expect(out).not.toContain("hunter2");
  });
  it("never echoes a URL it cannot parse (it may hold a password)", () => {
    expect(redactUrl("not a url :secret@")).toBe("<unparsable connection URL>");
  });
});

describe("describeTarget", () => {
  it("names host, port and database, without credentials", () => {
    expect(describeTarget("postgres://app:pw@db.internal:6543/keel")).toBe("db.internal:6543/keel");
  });
  it("fills in the defaults node-postgres uses", () => {
    expect(describeTarget("postgres://app:pw@db.internal")).toBe("db.internal:5432/app");
  });
  it("reports a Unix socket directory given as ?host=", () => {
    expect(describeTarget("postgres:///keel?host=/run/postgresql")).toBe("/run/postgresql:5432/keel");
  });
});

describe("withDatabase", () => {
  it("switches only the database", () => {
    expect(withDatabase("postgres://u:p@127.0.0.1:5/one?x=1", "two")).toBe("postgres://u:p@127.0.0.1:5/two?x=1");
  });
});
