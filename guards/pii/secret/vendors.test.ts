import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";

// Credential families beyond the first-class provider formats (formats.test.ts): connection
// strings, cloud storage keys, and more vendor token prefixes. All values are built at run time.
const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX = "0123456789abcdef";
const DIGITS = "0123456789";

describe("SECRET: connection strings", () => {
  it.each([
    ["ADO.NET", (p: string) => `Server=tcp:db.corp.internal,1433;Database=app;User Id=sa;Password=${p};`],
    ["ADO.NET Pwd", (p: string) => `Data Source=db01;Initial Catalog=app;User ID=admin;Pwd=${p};Encrypt=true`],
    ["postgres URL", (p: string) => `postgres://app:${p}@db.internal:5432/app`],
    ["mongodb+srv URL", (p: string) => `mongodb+srv://root:${p}@cluster0.abcde.mongodb.net/test`],
    ["JDBC query", (p: string) => `jdbc:mysql://db:3306/app?user=root&password=${p}`],
    ["JDBC sqlserver", (p: string) => `jdbc:sqlserver://h:1433;databaseName=x;user=sa;password=${p};`],
    ["redis URL", (p: string) => `redis://:${p}@cache:6379/0`],
    ["amqp URL", (p: string) => `amqp://guest:${p}@rabbit:5672/`],
  ])("finds the password of a %s", (_name, build) => {
    const password = randomish(14, _name.length);
    expect(secrets(build(password))).toEqual([password]);
  });

  it.each([
    [
      "ODBC braced PWD",
      (p: string) => `Driver={ODBC Driver 17 for SQL Server};Server=srv;UID=sa;PWD={${p};x};`,
      (p: string) => `${p};x`,
    ],
    ["Oracle thin JDBC", (p: string) => `jdbc:oracle:thin:scott/${p}@//db:1521/ORCL`, (p: string) => p],
    ["mysql -p glued", (p: string) => `mysql -h db -u root -p${p} app`, (p: string) => p],
    ["sqlcmd -P", (p: string) => `sqlcmd -S srv -U sa -P ${p} -Q "select 1"`, (p: string) => p],
    ["redis-cli -a", (p: string) => `redis-cli -h cache -a '${p}' ping`, (p: string) => p],
    ["shell export", (p: string) => `export MYSQL_PWD=${p}`, (p: string) => p],
  ])("finds the password in a %s", (name, build, expected) => {
    const password = randomish(12, 100 + name.length);
    expect(secrets(build(password))).toEqual([expected(password)]);
  });

  it.each([
    "mysql -u root -p app_db < dump.sql",
    "mysql -P 3306 -h db",
    "sqlcmd -S srv -E",
    "redis-cli -a $REDIS_PASSWORD ping",
    "export DB_PASSWORD=$(vault read -field=pw secret/db)",
    "git commit -a -p",
  ])("ignores the command line %j", (text) => {
    expect(secrets(text)).toEqual([]);
  });

  it("finds Azure storage and Service Bus keys", () => {
    const key = token(randomish(86, 3, B64), "==");
    expect(
      secrets(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`),
    ).toEqual([key]);
    const sas = token(randomish(43, 4, B64), "=");
    expect(secrets(`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${sas}`)).toEqual(
      [sas],
    );
  });

  it.each([
    "postgres://user:${DB_PASSWORD}@localhost/db",
    "Server=x;Password=<password>;",
    "Password=;",
    "mongodb://localhost:27017/test",
  ])("ignores the placeholder connection string %j", (text) => {
    expect(secrets(text)).toEqual([]);
  });
});

describe("SECRET: more vendor token formats", () => {
  const cases: Array<[string, string]> = [
    ["Mapbox secret token", token("sk", ".eyJ1Ijoi", randomish(80, 1, B64URL), ".", randomish(22, 2, B64URL))],
    ["Notion integration secret", token("sec", "ret_", randomish(43, 3))],
    ["Airtable token", token("pa", "t", randomish(14, 4), ".", randomish(64, 5, HEX))],
    ["Pulumi token", token("pu", "l-", randomish(40, 6, HEX))],
    [
      "Plaid access token",
      token(
        "access-",
        "production-",
        randomish(8, 7, HEX),
        "-",
        randomish(4, 8, HEX),
        "-",
        randomish(4, 9, HEX),
        "-",
        randomish(4, 10, HEX),
        "-",
        randomish(12, 11, HEX),
      ),
    ],
    ["Shippo token", token("shippo", "_live_", randomish(40, 12, HEX))],
    ["Tailscale key", token("tskey", "-auth-", randomish(12, 13), "-", randomish(30, 14))],
    ["LangSmith key", token("lsv2", "_pt_", randomish(32, 15, HEX), "_", randomish(10, 16, HEX))],
    ["Replicate token", token("r8", "_", randomish(37, 17))],
    ["Neon key", token("na", "pi_", randomish(64, 18, "abcdefghijklmnopqrstuvwxyz0123456789"))],
    ["Contentful token", token("CFP", "AT-", randomish(43, 19, B64URL))],
    ["Fly.io token", token("fo", "1_", randomish(43, 20, B64URL))],
    ["DigitalOcean token", token("dop", "_v1_", randomish(64, 21, HEX))],
    ["Databricks token", token("da", "pi", randomish(32, 22, HEX))],
    ["Doppler token", token("dp", ".pt.", randomish(43, 23))],
    ["Postman key", token("PM", "AK-", randomish(24, 24, HEX), "-", randomish(34, 25, HEX))],
    ["Vault token", token("hv", "s.CAESI", randomish(90, 26))],
    ["Twilio API key", token("S", "K", randomish(32, 27, HEX))],
    ["SendGrid key", token("S", "G.", randomish(22, 28, B64URL), ".", randomish(43, 29, B64URL))],
    ["Mailgun key", token("ke", "y-", randomish(32, 30, HEX))],
    ["Shopify token", token("shp", "at_", randomish(32, 31, HEX))],
    ["PyPI token", token("pypi", "-AgEIcHlwaS5vcmc", randomish(60, 32, B64URL))],
    ["Atlassian API token", token("ATA", "TT3xFfGF0", randomish(180, 33, B64URL))],
  ];

  it.each(cases)("finds a %s", (_name, value) => {
    expect(secrets(`use ${value} here`)).toEqual([value]);
  });

  it("finds a Telegram bot token in a Bot API URL", () => {
    const bot = token(randomish(10, 40, DIGITS).replace(/^0/, "5"), ":AA", randomish(33, 41, B64URL));
    expect(secrets(`curl https://api.telegram.org/bot${bot}/getMe`)).toEqual([bot]);
  });

  it.each([
    ["placeholder", "api_key = your_api_key_here"],
    ["mask", "token: xxxxxxxxxxxxxxxx"],
    ["template", "Authorization: Bearer <token>"],
    ["UUID", "request 123e4567-e89b-12d3-a456-426614174000 done"],
    ["git SHA", "commit 3f786850e387550fdab836ed7e6dc881de23001b"],
    ["file digest", "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [
      "inline image",
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    ],
    ["prose after a prefix", "sk-learn is great and secret_sauce_recipe too"],
    ["masked token", token("gh", "p_", "x".repeat(36))],
    ["Notion-like identifier", "secret_value_of_the_configuration_for_staging"],
  ])("ignores a %s", (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });
});

describe("SECRET: markup and auth schemes", () => {
  it("finds values of XML elements and settings entries named like secrets", () => {
    const pw = randomish(12, 200);
    const key = randomish(32, 201);
    expect(secrets(`<config><user>app</user><password>${pw}</password></config>`)).toEqual([pw]);
    expect(secrets(`<ns:apiKey>${key}</ns:apiKey>`)).toEqual([key]);
    expect(secrets(`<add key="ApiKey" value="${key}" />`)).toEqual([key]);
    expect(secrets(`<entry key="db.password">${pw}</entry>`)).toEqual([pw]);
  });

  it.each([
    "<password></password>",
    "<password>${DB_PASSWORD}</password>",
    "<token>string</token>",
    "<passwordHint>your pet's name</passwordHint>",
    "<key>F1</key>",
    '<add key="PasswordLength" value="12" />',
  ])("ignores %j", (text) => {
    expect(secrets(text)).toEqual([]);
  });

  it("finds an Okta SSWS token after its scheme", () => {
    const okta = token("00", randomish(40, 202, B64URL));
    expect(secrets(`Authorization: SSWS ${okta}`)).toEqual([okta]);
  });
});
