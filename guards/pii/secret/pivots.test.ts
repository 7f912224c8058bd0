import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

describe("SECRET: formats recognised by an infix", () => {
  it("finds an Azure AI services key by its signature, padding included", () => {
    const key = token(randomish(52, 101), "JQQJ", "99", randomish(26, 102), "==");
    expect(secrets(`AZURE_OPENAI ${key}`)).toEqual([key]);
  });

  it("ignores the signature with a degenerate or short head", () => {
    const filler = token("o".repeat(52), "JQQJ", "99", randomish(26, 103));
    const short = token(randomish(40, 104), "JQQJ", "99", randomish(26, 105));
    expect(secrets(`${filler} and ${short} are not keys`)).toEqual([]);
  });

  it("finds a Google OAuth client id", () => {
    const id = token("194206074328-", randomish(32, 106, LOWER_ALNUM), ".apps.goog", "leusercontent.com");
    expect(secrets(`client_id=${id}&scope=email`)).toContain(id);
    expect(secrets(`"web": {"id": "${id}"}`)).toEqual([id]);
  });

  it("ignores other hosts under the same domain", () => {
    expect(secrets("see https://docs.apps.googleusercontent.com/x and 12-abc.apps.googleusercontent.com")).toEqual([]);
  });

  it("finds a Salesforce session id after its org id", () => {
    const session = token("00D", randomish(12, 107), "!", randomish(40, 108), ".", randomish(50, 109));
    expect(secrets(`sid=${session};`)).toContain(session);
    expect(secrets(`Bearer ${session}`)).toEqual([session]);
  });

  it("ignores org ids alone and a bang after a short id", () => {
    expect(secrets(`org ${token("00D", randomish(12, 110))} and ${token("00D", "x12!", randomish(30, 111))}`)).toEqual(
      [],
    );
  });
});
