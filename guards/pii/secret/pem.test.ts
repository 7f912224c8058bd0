import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";
import { isPrivateKeyLabel } from "./pem.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PK = token("PRIVATE", " KEY");

describe("PEM private-key armour labels", () => {
  it.each([
    PK,
    `RSA ${PK}`,
    `OPENSSH ${PK}`,
    `ED25519 ${PK}`,
    `X25519 ${PK}`,
    `SSH2 ENCRYPTED ${PK}`,
    `PGP ${PK} BLOCK`,
  ])("accepts %s", (label) => expect(isPrivateKeyLabel(label)).toBe(true));

  it.each([
    "PUBLIC KEY",
    "CERTIFICATE",
    `PGP ${PK}`, // PGP armour always ends in BLOCK
    `RSA ${PK} BLOCK`,
    `OPENSSH FAKE ${PK}`,
    `EXAMPLE ${PK}`,
    `OPENSSH EMPTY ${PK}`,
    `rsa ${PK}`,
  ])("rejects %s", (label) => expect(isPrivateKeyLabel(label)).toBe(false));

  it("takes a block with an algorithm label as one span, and a lone footer", () => {
    const block = token(
      "-----BEGIN ED25519 ",
      PK,
      "-----\n",
      randomish(64, 121, B64),
      "\n-----END ED25519 ",
      PK,
      "-----",
    );
    expect(secrets(`key:\n${block}\n`)).toEqual([block]);
    expect(secrets(token("-----END X25519 ", PK, "-----"))).toEqual([token("-----END X25519 ", PK, "-----")]);
  });
});
