import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const pem = (label: string) =>
  token(
    "-----BEGIN ",
    label,
    "-----\n",
    randomish(64, 91, B64),
    "\n",
    randomish(40, 92, B64),
    "\n-----END ",
    label,
    "-----\n",
  );

describe("SECRET: private keys under one layer of base64", () => {
  it("finds an encoded PEM private key, whole or as its first wrapped line", () => {
    const encoded = b64(pem(token("RSA PRIV", "ATE KEY")));
    expect(secrets(`tls.key: ${encoded}`)).toEqual([encoded]);
    const firstLine = encoded.slice(0, 64);
    expect(secrets(`  "${firstLine}"`)).toEqual([firstLine]);
  });

  it("finds an encoded OpenSSH key by its magic", () => {
    const file = Buffer.concat([Buffer.from("openssh-key-v1\0"), Buffer.from(randomish(60, 93), "latin1")]);
    const encoded = b64(file);
    expect(secrets(`SSH_KEY=${encoded}`)).toEqual([encoded]);
  });

  it("finds a private key or JWK inside an encoded YAML or JSON document", () => {
    const yaml = b64(
      `identity:\n  name: edge\n  keyPEM: |\n    ${pem(token("EC PRIV", "ATE KEY")).replace(/\n/g, "\n    ")}`,
    );
    expect(secrets(yaml)).toEqual([yaml]);
    const jwk = b64(JSON.stringify([{ kty: "EC", d: randomish(43, 94) }], null, 2));
    expect(secrets(`JWKS=${jwk}`)).toEqual([jwk]);
  });

  it("ignores encoded certificates, public keys, text and random bytes", () => {
    const cert = b64(pem("CERTIFICATE"));
    const pub = b64(pem("PUBLIC KEY"));
    const prose = b64("The deployment finished; the private key rotation is scheduled for Monday.");
    const jwkPublic = b64(JSON.stringify({ kty: "EC", x: randomish(43, 95), y: randomish(43, 96) }));
    const random = randomish(200, 97, B64);
    expect(secrets([cert, pub, prose, jwkPublic, random].join(" "))).toEqual([]);
  });
});
