import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));

describe("SECRET: values of secret-named fields", () => {
  const key = randomish(32, 31);

  it.each([
    ['password = "hunter2!x"', "hunter2!x"],
    ["DB_PASSWORD=Tr0ub4dor&3", "Tr0ub4dor&3"],
    [`api_key: ${key}`, key],
    [`SECRET_TOKEN=${key}`, key],
    [`{"client_secret": "${key}"}`, key],
    [`config["access_token"] = '${key}'`, key],
    ["mysql -u root --password Sne3sd8AZjq", "Sne3sd8AZjq"],
    [`curl -H "Authorization: Bearer ${key}" https://api.example.com`, key],
    ["CREATE USER app IDENTIFIED BY 'SqLpa5sW0rD';", "SqLpa5sW0rD"],
    ["ALTER ROLE app WITH LOGIN PASSWORD 'SqLpa5sW0rD';", "SqLpa5sW0rD"],
    ['curl -u "admin:dG9rZW4g" https://127.0.0.1', "dG9rZW4g"],
    [`https://api.example.com/v1?token=${key}&page=2`, key],
    ['val password: String = "exord13Paw64"', "exord13Paw64"],
    ['setopt(curl, CURLOPT_PASSWORD, "KiASRCRiGFLPDiIdZZLB");', "KiASRCRiGFLPDiIdZZLB"],
    // Misspelt and abbreviated names.
    ['if pasword == "Wq7xLp2m": login()', "Wq7xLp2m"],
    ["db_passwrod: Wq7xLp2m", "Wq7xLp2m"],
    ["PSSWRD:=Wq7xLp2m", "Wq7xLp2m"],
    // Escaped layouts: JSON holding code, JSON nested in JSON.
    ['"#define\\tpassword\\t\\"Wq7xLp2m\\""', "Wq7xLp2m"],
    [String.raw`log = "{\\\"api_secret\\\":\\\"Wq7xLp2mZ81k\\\"}"`, "Wq7xLp2mZ81k"],
    // Macros take their bare value; prose names the account.
    [`%define token ${key}`, key],
    ["The password for admin: Wq7xLp2m", "Wq7xLp2m"],
    // A field named like metadata still holds unmistakable key material.
    [`secret_path = "${key}"`, key],
  ])("finds the value in %j", (text, value) => {
    expect(secrets(text)).toEqual([value]);
  });

  it.each([
    ["placeholders", 'password: "${DB_PASSWORD}", token = <your token>, secret=****, pwd: ""'],
    ["booleans and filler", "password: true, require_password = false, token: null"],
    ["fields describing a secret", "max_tokens=4096, token_count: 12, password_min_length = 12345678"],
    ["prose mentioning a password", "Reset your password at the portal; the token expired."],
    ["a secret word before a noun", "Implement a login interface with password verification."],
    ["a sentence under a secret name", 'emoji ":key:". If the sentence is a question, end it with a mark'],
    ["a description under a password name", 'password: "must have at least twelve characters in total"'],
    ["identifiers and code", "password = self.password, token = os.environ.get('TOKEN')"],
    ["expressions in declarations", "const password = await readSecret(path);\nlet token = cachedToken;"],
    ["a name inside a string literal", 'cases.push(["password=" + value, 1]);'],
    ["word-like values under a secret name", 'api_secret = "my-client-password"'],
    ["short values under a bare key", 'key: "abc123", "key":"attached_file_0"'],
    ["numeric constants", 'password = "0x1f2e3d4c"'],
    ["metadata under a describing name", 'secret_path = "/etc/app/secrets/db.json", token_type = "Bearer"'],
    ["an id under a describing name", 'secret_id = "6f1c2a9e-4b7d-4e0a-9c1f-2d3b4a5c6d7e"'],
    ["macros without a secret value", "#define CURLOPT_PASSWORD 3\n#define PASSWORD 0x0dead1beef7cafe2"],
    ["the password for a group, then prose", "Reset the password for all users: see the wiki"],
  ])("ignores %s", (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });

  it("does not report a password pasted as the name of its own field", () => {
    expect(secrets(`${token("pass", "word")}-dipPr167Gg!`)).toEqual([]);
  });
});
