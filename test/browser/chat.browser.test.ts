/**
 * A real browser against `npm run serve`: the page in chat-page.ts, built on the official SDK's React
 * `useStream`, runs in headless Chromium (Debian's `chromium` package, driven by playwright-core) on
 * its own origin, so every API call is cross-origin and CORS is exercised as a deployed UI meets it.
 * It chats, approves a side effect, and reloads while an approval is pending to reject it.
 * Run with `npm run test:browser`; it is kept out of `npm test`, which needs no browser.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { outboxOf } from "../sdk-flow.js";
import { KEYS, startServe, type ServeProcess } from "../serve-process.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const HERE = dirname(fileURLToPath(import.meta.url));
/** How long the page may take to show what a step waits for (each step takes well under a second). */
const WAIT_MS = 10_000;
/** Per test: a few steps, bounded so the whole file stays under 90 s even when every test fails. */
const TEST_MS = 15_000;

const INDEX_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>Keel chat</title><link rel="icon" href="data:," /></head>
  <body><div id="root"></div><script type="module" src="/chat-page.js"></script></body>
</html>
`;

let workDir: string;
let site: { server: Server; origin: string } | undefined;
let serve: ServeProcess | undefined;
let browser: BrowserContext | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the browser test needs Debian's chromium package. ` +
        "Install it with `sudo apt-get install -y chromium` (.ci/run does this), then run `npm run test:browser` again.",
    );
  }
  workDir = await mkdtemp(join(tmpdir(), "keel-browser-"));
  const siteDir = join(workDir, "site");
  await bundlePage(siteDir);
  site = await serveStatic(siteDir);
  serve = await startServe({ SERVE_CORS_ORIGINS: site.origin });
  browser = await chromium.launchPersistentContext(join(workDir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 15_000,
  });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await new Promise((resolve) => (site ? site.server.close(resolve) : resolve(undefined)));
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 20_000);

/** The page and its dependencies as one ES module, beside an index.html that loads it. */
async function bundlePage(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, "chat-page.ts")],
    outfile: join(dir, "chat-page.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    // React's development build: its warnings reach the console, where the test fails on them.
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "silent",
  });
  expect(result.errors).toEqual([]);
  await writeFile(join(dir, "index.html"), INDEX_HTML);
}

/** index.html and the bundle from 127.0.0.1 on a free port: an origin other than the API's. */
async function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const files: Record<string, { body: Buffer; type: string }> = {
    "/": { body: await readFile(join(dir, "index.html")), type: "text/html; charset=utf-8" },
    "/chat-page.js": { body: await readFile(join(dir, "chat-page.js")), type: "text/javascript; charset=utf-8" },
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://page").pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("page server has no port");
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

interface ChatPage {
  page: Page;
  /** Console errors, page errors and failed requests seen so far: each one fails the test. */
  problems: string[];
  /** API responses the page got, with the CORS origin each allowed. */
  apiResponses: { method: string; url: string; status: number; allowOrigin: string | undefined }[];
}

/** A new tab on the chat page; if the test fails, a screenshot goes to the temp directory. */
async function openChat(ctx: TestContext): Promise<ChatPage> {
  const page = await browser!.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const chat: ChatPage = { page, problems: [], apiResponses: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") chat.problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => chat.problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) =>
    chat.problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`),
  );
  page.on("response", (res) => {
    if (!res.url().startsWith(serve!.url)) return;
    const allowOrigin = res.headers()["access-control-allow-origin"];
    chat.apiResponses.push({ method: res.request().method(), url: res.url(), status: res.status(), allowOrigin });
  });
  ctx.onTestFailed(async () => {
    // Outside workDir, which afterAll deletes.
    const path = join(tmpdir(), `keel-browser-${ctx.task.name.replace(/\W+/g, "-").slice(0, 60)}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    console.error(
      `screenshot: ${path}\nbrowser problems:\n${chat.problems.join("\n")}\nserve output:\n${serve?.output().slice(-4_000)}`,
    );
  });
  const query = new URLSearchParams({ apiUrl: serve!.url, apiKey: KEYS.alice });
  await page.goto(`${site!.origin}/?${query.toString()}`);
  await page.getByRole("button", { name: "Send" }).waitFor();
  return chat;
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

const messages = (page: Page, type?: string): Locator =>
  page.locator(type ? `[data-testid=message][data-type=${type}]` : "[data-testid=message]");

/** The rendered messages' types, in order. */
async function typesOf(page: Page): Promise<(string | null)[]> {
  return Promise.all((await messages(page).all()).map((m) => m.getAttribute("data-type")));
}

/** Waits until a run is over: the loading indicator gone and Send enabled again. */
async function settled(page: Page): Promise<void> {
  await page.getByTestId("loading").waitFor({ state: "detached" });
  await page.locator("form button[type=submit]:not([disabled])").waitFor();
}

async function threadIdOf(page: Page): Promise<string> {
  const id = (await page.getByTestId("thread-id").textContent()) ?? "";
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(new URL(page.url()).searchParams.get("threadId")).toBe(id);
  return id;
}

/**
 * Nothing went wrong in the browser, and the API calls on the thread were cross-origin: preflighted
 * (the server logged the OPTIONS requests, which the browser does not report as page requests) and
 * answered with this page's origin allowed.
 */
function expectCleanCrossOriginRun(chat: ChatPage, threadId: string): void {
  expect(chat.problems).toEqual([]);
  expect(chat.apiResponses.map((r) => r.method)).toContain("POST");
  expect(chat.apiResponses.filter((r) => r.allowOrigin !== site!.origin || r.status >= 400)).toEqual([]);
  const preflights = serve!
    .logLines()
    .filter((l) => l["event"] === "http_request" && l["method"] === "OPTIONS" && String(l["path"]).includes(threadId));
  expect(preflights.length).toBeGreaterThan(0);
  expect(preflights.filter((l) => l["status"] !== 204)).toEqual([]);
}

describe("a useStream page in headless Chromium against npm run serve", () => {
  it(
    "runs a chat turn: the typed message and the streamed answer render",
    async (ctx) => {
      const chat = await openChat(ctx);
      const { page } = chat;
      await send(page, "hello there");
      await messages(page, "ai").filter({ hasText: "offline demo model" }).waitFor();
      await settled(page);

      expect(await typesOf(page)).toEqual(["human", "ai"]);
      expect(await messages(page, "human").textContent()).toContain("hello there");
      expect(await messages(page, "ai").textContent()).toContain('Try "what is 12*7?"');
      const threadId = await threadIdOf(page);
      expect(await page.getByTestId("error").count()).toBe(0);
      expect(await page.getByTestId("approval").count()).toBe(0);
      expectCleanCrossOriginRun(chat, threadId);
      await page.close();
    },
    TEST_MS,
  );

  it(
    "shows an approval card; Approve runs the side effect once and the result renders",
    async (ctx) => {
      const chat = await openChat(ctx);
      const { page } = chat;
      await send(page, "send a note to dora@example.com saying hello");
      const card = page.getByTestId("approval");
      await card.waitFor();
      expect(await card.getByTestId("action-name").allTextContents()).toEqual([expect.stringContaining("outbox_send")]);
      expect(await card.getByTestId("action-name").textContent()).toContain("dora@example.com");
      const threadId = await threadIdOf(page);
      expect(await outboxOf(threadId)).toEqual([]);

      await card.getByRole("button", { name: "Approve" }).click();
      await messages(page, "ai").filter({ hasText: "queued in the outbox" }).waitFor();
      await settled(page);

      expect(await card.count()).toBe(0);
      expect(await typesOf(page)).toEqual(["human", "ai", "tool", "ai"]);
      const tool = messages(page, "tool");
      expect(await tool.getAttribute("data-name")).toBe("outbox_send");
      expect(await tool.textContent()).toContain('"ok":true');
      expect(await page.locator("main").textContent()).not.toContain("<tool_output");
      expect(await outboxOf(threadId)).toEqual(["dora@example.com"]);
      expect((await serve!.client().threads.get(threadId)).status).toBe("idle");
      expect(await page.getByTestId("error").count()).toBe(0);
      expectCleanCrossOriginRun(chat, threadId);
      await page.close();
    },
    TEST_MS,
  );

  it(
    "after a reload, shows the pending approval from the server again, and Reject skips the tool",
    async (ctx) => {
      const chat = await openChat(ctx);
      const { page } = chat;
      await send(page, "send a note to erin@example.com saying hi");
      await page.getByTestId("approval").waitFor();
      const threadId = await threadIdOf(page);

      await page.reload();
      // A fresh page knows only the threadId in its URL: the card comes from the server's thread state.
      const card = page.getByTestId("approval");
      await card.waitFor();
      await messages(page, "human").filter({ hasText: "erin@example.com" }).waitFor();
      expect(await threadIdOf(page)).toBe(threadId);
      expect(await card.getByTestId("action-name").allTextContents()).toEqual([expect.stringContaining("outbox_send")]);

      await card.getByRole("button", { name: "Reject" }).click();
      await messages(page, "ai").filter({ hasText: "The note was not sent" }).waitFor();
      await settled(page);

      expect(await card.count()).toBe(0);
      const tool = messages(page, "tool");
      expect(await tool.getAttribute("data-name")).toBe("outbox_send");
      expect(await tool.textContent()).toContain('"code":"rejected"');
      expect(await messages(page, "ai").last().textContent()).toContain("Rejected in the browser test.");
      expect(await outboxOf(threadId)).toEqual([]);
      expect((await serve!.client().threads.get(threadId)).status).toBe("idle");
      expect(await page.getByTestId("error").count()).toBe(0);
      expectCleanCrossOriginRun(chat, threadId);
      await page.close();
    },
    TEST_MS,
  );
});
