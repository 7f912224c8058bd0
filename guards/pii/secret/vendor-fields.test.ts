import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

// Vendor-named fields (vendor-fields.ts), the formats and placeholder rules added with them. All
// values are built at run time.
const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const HEX = "0123456789abcdef";
const UPPER36 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const uuid = (seed: number) => {
  const h = randomish(32, seed, HEX);
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
};

describe("SECRET: keys recognised by the vendor in their field name", () => {
  it.each([
    ["const SNYK_TOKEN = %s", true],
    ["SNYK_API_KEY ?= %s", true],
    ["SNYK_OAUTH_TOKEN ::= %s", true],
    ["const HEROKU_KEY = %s", true],
    ["const hubspotKey = %s", true],
    ['"postmark_server_token": %s', true],
  ])("finds the UUID in %j", (layout, quoted) => {
    const value = uuid(layout.length).toUpperCase();
    const text = layout.replace("%s", quoted ? `"${value}"` : value);
    expect(secrets(text)).toEqual([value]);
  });

  it("does not take UUIDs under ids or unrelated names", () => {
    for (const text of [`HEROKU_APP_ID = "${uuid(1)}"`, `snyk_org = "${uuid(2)}"`, `request_id = "${uuid(3)}"`])
      expect(secrets(text)).toEqual([]);
  });

  it("finds SonarQube tokens under sonar.login / SONAR_TOKEN", () => {
    const body = randomish(40, 5);
    expect(secrets(`SONAR.LOGIN ?= "${body}"`)).toEqual([body]);
    const prefixed = token("squ", "_", randomish(40, 6, HEX));
    expect(secrets(`const SONAR_TOKEN = "${prefixed}"`)).toEqual([prefixed]);
    expect(secrets("sonar.login=admin")).toEqual([]);
  });

  it("finds Sumo Logic access ids and Cloudflare global keys", () => {
    const id = token("su", randomish(12, 7));
    expect(secrets(`sumologic.accessId = "${id}"`)).toEqual([id]);
    expect(secrets(`export SUMO_ACCESS_ID=${id}`)).toEqual([id]);
    const global = randomish(37, 8, HEX);
    expect(secrets(`cloudflare: "${global}"`)).toEqual([global]);
    expect(secrets(`cloudflare: "${randomish(36, 8, HEX)}"`)).toEqual([]);
  });

  it("finds Bundler host credentials (BUNDLE_<HOST>=user:password)", () => {
    const cred = `${randomish(8, 9, HEX)}:${randomish(8, 10, HEX)}`;
    expect(secrets(`export BUNDLE_ENTERPRISE__CONTRIBSYS__COM=${cred}`)).toEqual([cred]);
    expect(secrets(`BUNDLE_GEMS__CONTRIBSYS__COM: "${cred}"`)).toEqual([cred]);
    expect(secrets("BUNDLE_PATH=vendor/bundle")).toEqual([]);
    expect(secrets("BUNDLE_GEMS__EXAMPLE__COM=${GEMS_USER}:${GEMS_PASSWORD}")).toEqual([]);
  });
});

describe("SECRET: more published formats", () => {
  it("finds Fly.io macaroon tokens after FlyV1", () => {
    const t = token("fm2", "_", randomish(120, 11, B64));
    expect(secrets(`FLY_API_TOKEN: FlyV1 ${t}`)).toEqual([t]);
  });

  it("finds 42 Intra secrets, 1Password secret keys, Vault s. tokens, sgp_local_ tokens", () => {
    const intra = token("s-s4t2ud", "-", randomish(64, 12, HEX));
    expect(secrets(intra)).toEqual([intra]);
    const r = randomish(32, 13, UPPER36);
    const onePassword =
      token("A3", "-", r.slice(0, 6), "-", r.slice(6, 12), "-", r.slice(12, 17), "-") +
      [r.slice(17, 22), r.slice(22, 27), r.slice(27, 32)].join("-");
    expect(secrets(`key: ${onePassword}`)).toEqual([onePassword]);
    const vault = token("s", ".", "Zq", randomish(21, 14), "9");
    expect(secrets(`token: ${vault}`)).toEqual([vault]);
    const sgp = token("sgp", "_local_", randomish(40, 15, HEX));
    expect(secrets(sgp)).toEqual([sgp]);
  });

  it("finds Slack workflow webhook secrets", () => {
    const secret = randomish(24, 16);
    const url = `https://hooks.slack.com/workflows/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${secret}`;
    expect(secrets(url)).toEqual([`T016M3G1GHZ/A04J3BAF7AA/442660231806210747/${secret}`]);
  });

  it("rejects Sourcegraph tokens of the wrong layout and Slack user tokens cut off", () => {
    expect(secrets(token("sgp", "_", randomish(20, 17, HEX), "_", randomish(40, 18, HEX)))).toEqual([]);
    expect(secrets(token("xox", "p-", "572370529330-573807301142-572331691188-####"))).toEqual([]);
  });
});

describe("SECRET: placeholders and look-alikes", () => {
  it("skips PEM blocks with no key body", () => {
    expect(secrets("-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----")).toEqual([]);
    expect(secrets("-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----")).toEqual([]);
  });

  it("skips redacted or truncated values", () => {
    expect(secrets(`token: ${token("ops", "_eyJzaWduSW5B..[Redacted]")}`)).toEqual([]);
    expect(secrets(`api_token = "${randomish(12, 19)}..."`)).toEqual([]);
  });

  it("skips versions, host names and camelCase names under key-like names", () => {
    expect(secrets("event-bus-message-api:rc0.15.0_20231217_1420-SNAPSHOT'")).toEqual([]);
    expect(secrets('"bucket_key": "SalesResults-1.2"')).toEqual([]);
    expect(secrets("Authentication-Results: 5h.ca.iphmx.com")).toEqual([]);
    expect(secrets('public static final String API_ORG_EXIST = "APIOrganizationExist";')).toEqual([]);
    expect(secrets(token("- (id)hf", "_requiredCharacteristicTypesForDisplayMetadata;"))).toEqual([]);
  });

  it("skips public keys and CSRF tokens", () => {
    const value = randomish(43, 20);
    expect(secrets(`public_key = "${value}"`)).toEqual([]);
    expect(secrets(`publicToken = "${value}"`)).toEqual([]);
    expect(secrets(`csrf-token=${randomish(86, 21, B64)}==`)).toEqual([]);
    expect(secrets(`private_key = "${value}"`)).toEqual([value]);
  });
});

describe("SECRET: curl user options", () => {
  it("reads passwords quoted apart from the user and API keys given as the user", () => {
    const pw = randomish(16, 22);
    expect(secrets(`curl --user kevin:'${pw}' -X PATCH`)).toEqual([pw]);
    const key = `${randomish(10, 23)}!t`;
    expect(secrets(`curl -u "${key}:" https://localhost:9200`)).toEqual([key]);
    const braced = randomish(14, 24);
    expect(secrets(`curl -X POST --user "{${uuid(25)}}":"{${braced}}" --header x`)).toEqual([braced]);
    expect(secrets("curl -u '{user}:{password}' https://x")).toEqual([]);
  });
});
