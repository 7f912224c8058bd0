import { describe, expect, it } from "vitest";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));

describe("SECRET: secret values written as code", () => {
  it.each([
    [
      "a C macro byte array",
      "#define HMAC_KEY {0x3a, 0x91, 0x0c, 0xe4, 0x57, 0xb2, 0x6d, 0x18}",
      "0x3a, 0x91, 0x0c, 0xe4, 0x57, 0xb2, 0x6d, 0x18",
    ],
    [
      "a Go byte slice",
      "\tSecret: []byte{12, 201, 77, 3, 154, 90, 33, 248, 61},",
      "12, 201, 77, 3, 154, 90, 33, 248, 61",
    ],
    ["a Python bytes call", "api_secret = bytes([91, 4, 230, 17, 88, 162, 9, 45])", "91, 4, 230, 17, 88, 162, 9, 45"],
    [
      "a Java byte array",
      "byte[] aesKey = new byte[] {-12, 7, 99, -128, 64, 3, 21, -77};",
      "-12, 7, 99, -128, 64, 3, 21, -77",
    ],
  ])("finds %s", (_name, text, value) => {
    expect(secrets(text)).toEqual([value]);
  });

  it.each([
    ["getenv's default", 'if token := getenv("API_TOKEN", "Qm8xZz4rT1vK"):', "Qm8xZz4rT1vK"],
    ["os.environ.get(…) or …", 'DB_PASSWORD = os.environ.get("DB_PASSWORD") or "w1nter-Sun!"', "w1nter-Sun!"],
    ["process.env || …", 'const apiSecret = process.env.API_SECRET || "Zr84kQp1xLw9";', "Zr84kQp1xLw9"],
    ["a shell default", "POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-S3cure9pass}", "S3cure9pass"],
  ])("finds %s", (_name, text, value) => {
    expect(secrets(text)).toEqual([value]);
  });

  it.each([
    ["a short byte array", "#define password {0x48, 0x65, 0x6C, 0x6C, 0x30}"],
    ["an array of one repeated byte", "secret_key = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"],
    ["a lookup without a default", 'password = os.environ.get("DB_PASSWORD")'],
    ["an empty default", "SECRET = getenv(\"SIGNING_SECRET\", '')"],
    ["a default read from elsewhere", "token = os.getenv('TOKEN', config.token)"],
    ["a placeholder default", "DB_PASSWORD=${DB_PASSWORD:-changeme}"],
    ["a describing name's default", 'password_hint = os.environ.get("HINT", "Xk29mQ7tLp")'],
  ])("ignores %s", (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });
});
