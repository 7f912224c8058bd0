import { describe, expect, it } from "vitest";
import { classifyName, isPasswordTypo, nameTier } from "./names.js";

describe("secret field names", () => {
  it.each(["pasword", "passwrod", "passowrd", "passworsd", "pssword", "passwor"])(
    "reads %s as a password typo",
    (w) => {
      expect(isPasswordTypo(w)).toBe(true);
    },
  );

  it.each(["password", "passport", "passwd", "xpassword", "pass", "spreadsheet"])("does not read %s as one", (w) => {
    expect(isPasswordTypo(w)).toBe(false);
  });

  it("classifies abbreviations and typos as passwords", () => {
    for (const name of ["PSSWD", "PSSWRD", "PSSWORD", "db_pasword", "if_passworsd"]) {
      expect(classifyName(name)).toBe("password");
    }
  });

  it("marks names that describe a secret instead of holding it", () => {
    expect(nameTier("secret_path")).toEqual({ tier: "secret", described: true });
    expect(classifyName("secret_path")).toBeUndefined();
    expect(nameTier("api_secret")).toEqual({ tier: "secret", described: false });
    expect(nameTier("hostname")).toBeUndefined();
  });
});
