import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LETTERS = B64.slice(0, 52);
const line = (seed: number, width = 64) => randomish(width, seed, B64);
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("SECRET: key-body lines without armour", () => {
  it.each([
    ["alone on its line", (l: string) => l],
    ["after a log prefix", (l: string) => `2026-04-26 12:36:01 ${l}`],
    ["after a build-step prefix", (l: string) => `#6 0.245 ${l}\nnext`],
    ["in a comment", (l: string) => `  *  ${l}`],
    ["in a block comment", (l: string) => `// # /*${l}*/`],
    ["as a concatenated string", (l: string) => `    + "${l}\\n"`],
    ["as a string followed by +", (l: string) => `    "${l}" +`],
    ["as a quoted value ending a line", (l: string) => `key = "${l}";`],
    ["after an escaped line break", (l: string) => `pk = "\\n${l}\\n"`],
    ["before a line continuation", (l: string) => `\t\t"${l}  \\\\`],
  ])("finds a 64-wide line %s", (_name, wrap) => {
    const l = line(3);
    expect(secrets(wrap(l))).toEqual([l]);
  });

  it.each([
    ["OpenSSH's 70", 70],
    ["the shortest, 40", 40],
    ["a re-wrapped 100", 100],
    ["the longest, 128", 128],
  ])("finds a line of %s characters", (_name, width) => {
    const l = line(5, width);
    expect(secrets(`  ${l}`)).toEqual([l]);
  });

  it("finds a full-width line without digits (biased key material) and each line of a block", () => {
    const letters = randomish(64, 22, LETTERS);
    expect(secrets(letters)).toEqual([letters]);
    const block = [line(6), line(7), line(8)];
    expect(secrets(block.join("\n"))).toEqual(block);
  });

  it("takes a key written in one string, short pieces included, as one span", () => {
    const oneLine = `${line(23)}\\n${line(24)}\\n${randomish(12, 25, B64)}==`;
    expect(secrets(`const k = "${oneLine}\\n";`)).toEqual([oneLine]);
  });

  it("keeps one span for a block with its armour", () => {
    const pem = token("-----BEGIN ", "PRIVATE KEY-----\n", line(9), "\n", line(10), "\n-----END ", "PRIVATE KEY-----");
    expect(secrets(pem)).toEqual([pem]);
  });

  it("ignores the lines of certificates and public keys, and finds key lines after them", () => {
    const cert = ["-----BEGIN CERTIFICATE-----", line(18), line(19), "-----END CERTIFICATE-----"].join("\n");
    const pub = ["-----BEGIN PUBLIC KEY-----", line(20)].join("\n");
    expect(secrets(`${cert}\n${pub}`)).toEqual([]);
    expect(secrets(`${cert}\n${line(21)}`)).toEqual([line(21)]);
  });

  it.each([
    ["a SHA-256 hex digest", "a3f1c9e07b5d2468a3f1c9e07b5d2468b4e2d0f18c6e3579b4e2d0f18c6e3579"],
    ["an upper-case hex digest", "77397566A117A00428B0FD9BDA65F051C88593B4D0DE27E1CCB073E378440DC4"],
    ["a UUID list", "0f8fad5b-d9cb-469f-a165-70867728950e 7c9e6679-7425-40de-944b-e07fc1f90ae7"],
    ["base64 of text", b64("Quarterly figures are attached; reply by Friday.")],
    ["a line that is too short", line(11, 39)],
    ["a run too long for a line", line(12, 129)],
    ["a MIME-width (76) line", line(13, 76)],
    ["a short run of letters only", randomish(48, 14, LETTERS)],
    ["a run glued to a prefix", `sha384-${line(15)}`],
    ["an inline data URI", `![x](data:image/png;base64,${line(16)})`],
    ["a line that goes on with text", `${line(17)} is the value`],
    ["a low-entropy identifier", "AbstractSingletonProxyFactoryBeanConfigurationHandler2RegistryXY"],
    ["a Java package path", "    com/example/project/service/impl/UserServiceImpl2Test"],
  ])("ignores %s", (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });

  it("does not stretch a key line over the prose before it in the same string", () => {
    const l = line(26);
    expect(secrets(`msg = "see the attached key\\n${l}"`)).toEqual([l]);
  });
});
