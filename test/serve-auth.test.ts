import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { say, startFakeOpenAI, type FakeOpenAI } from "../fake-openai/index.js";
import { signJwt } from "./jwt.js";
import { createScratchDatabase } from "./db.js";
import { API_KEYS, call, KEYS, startServe, type ServeProcess } from "./serve-process.js";

/**
 * Start-up checks on credentials, JWTs (HS256 and an identity provider's JWKS), anonymous callers
 * and the per-user run cap, against a real `npm run serve`. Its own database: the runs it leaves
 * hanging must not be swept up by the servers of other test files.
 */
const SECRET = "serve-auth-test-secret-0123456789abcdef";
const ISS = "https://id.example";
const AUD = "keel-api";
const HANG = "please hang";

let database: { url: string; drop(): Promise<void> };
let fake: FakeOpenAI;
let jwks: Server;
let jwksUrl: string;
let idpKey: CryptoKey;
let serve: ServeProcess;

beforeAll(async () => {
  database = await createScratchDatabase("keel_auth");
  // A model that never answers a message asking it to hang (a slow run), and answers anything else.
  fake = await startFakeOpenAI({
    responder: (request) =>
      JSON.stringify(request.messages.at(-1)?.content).includes(HANG) ? { fault: "hang" } : say("ok"),
  });
  // The identity provider's key set, served locally: no test reaches the network.
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  idpKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "idp-1", alg: "ES256", use: "sig" };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  serve = await startServe({
    DATABASE_URL: database.url,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.baseUrl,
    MODEL_MAX_RETRIES: "0",
    MODEL_STALL_MS: "120000",
    MODEL_TIMEOUT_MS: "120000",
    AUTH_JWT_SECRET: SECRET,
    AUTH_JWKS_URL: jwksUrl,
    AUTH_JWT_ISSUER: ISS,
    AUTH_JWT_AUDIENCE: AUD,
    AUTH_ALLOW_ANONYMOUS: "true",
    SERVE_MAX_RUNS_PER_USER: "2",
    SERVE_MAX_QUEUED_PER_USER: "1",
    SERVE_QUEUE_POLL_MS: "100",
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop("SIGKILL");
  await new Promise<void>((r) => (jwks ? jwks.close(() => r()) : r()));
  await fake?.close();
  await database?.drop();
});

/** The output of a server that refused to start; a server that started anyway is stopped, and null. */
async function refusedStart(env: Record<string, string>): Promise<string | null> {
  try {
    const started = await startServe({ DATABASE_URL: database.url, ...env });
    await started.stop("SIGKILL");
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("start-up", () => {
  // A one-character secret and a key listed for two users were accepted.
  it(
    "refuses a weak JWT secret and a key listed twice, naming the variable and not the secret",
    { timeout: 60_000 },
    async () => {
      const [weak, duplicate] = await Promise.all([
        refusedStart({ AUTH_JWT_SECRET: "x" }),
        refusedStart({ AUTH_API_KEYS: `${API_KEYS},${KEYS.alice}:mallory:admin` }),
      ]);
      expect(weak).toContain("config_invalid: AUTH_JWT_SECRET must be at least 32 bytes");
      expect(duplicate).toContain("config_invalid: AUTH_API_KEYS entries 1 and 4 use the same key");
      expect(duplicate).not.toContain(KEYS.alice);
    },
  );

  it("warns when anonymous callers are allowed beside keys and JWTs", () => {
    const warning = serve.logLines().find((l) => l.event === "auth_config_warning");
    expect(String(warning?.warning)).toMatch(/AUTH_ALLOW_ANONYMOUS=true beside API keys or JWTs/);
  });
});

describe("JWTs", () => {
  const threadsWith = (token: string) =>
    call(serve, "/threads", { key: null, headers: { authorization: `Bearer ${token}` }, json: {} });
  const claims = { sub: "ivy", iss: ISS, aud: AUD };

  it("accepts ES256 tokens from the identity provider's JWKS, and HS256 ones", async () => {
    const es256 = await new SignJWT({ role: "viewer" })
      .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
      .setSubject("ivy")
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime("5m")
      .sign(idpKey);
    expect((await threadsWith(es256)).status).toBe(200);
    expect((await threadsWith(signJwt({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }, SECRET))).status).toBe(
      200,
    );
  });

  // Non-numeric exp/nbf were skipped, so these tokens never expired.
  it.each([[{ exp: "1" }], [{ exp: null }], [{ nbf: "future" }]])("answers 401 to %j", async (bad) => {
    const res = await threadsWith(signJwt({ ...claims, ...bad }, SECRET));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
  });
});

describe("anonymous callers", () => {
  // They were members, offered (and allowed) the side-effect tool.
  it("are viewers: the side-effect tool is not offered to them", async () => {
    const thread = (await (await call(serve, "/threads", { key: null, json: {} })).json()) as { thread_id: string };
    const before = fake.requests.length;
    const res = await call(serve, `/threads/${thread.thread_id}/runs/wait`, {
      key: null,
      json: { assistant_id: "agent", input: { messages: [{ role: "user", content: "hello" }] } },
    });
    expect(res.status).toBe(200);
    // The answer's status comes at once; its body once the run has ended.
    await res.json();
    const offered = fake.requests[before]?.tools?.map((t) => t.function?.name) ?? [];
    expect(offered).toContain("calculator");
    expect(offered).not.toContain("outbox_send");
  });
});

describe("per-user run cap and queue", () => {
  // One user holding every slot made every other user get 503 at_capacity; now their extra runs wait.
  it("queues a user's runs beyond SERVE_MAX_RUNS_PER_USER while another user's run starts; bounds their queue with 429", async () => {
    const thread = async (key: string) =>
      ((await (await call(serve, "/threads", { key, json: {} })).json()) as { thread_id: string }).thread_id;
    const start = (key: string, threadId: string, content: string) =>
      call(serve, `/threads/${threadId}/runs`, {
        key,
        json: { assistant_id: "agent", input: { messages: [{ role: "user", content }] } },
      });
    const [a1, a2, a3, a4] = await Promise.all([1, 2, 3, 4].map(() => thread(KEYS.alice)));
    const aliceThreads = [a1!, a2!, a3!, a4!] as const;
    const held: { threadId: string; runId: string }[] = [];
    try {
      for (const threadId of aliceThreads.slice(0, 2)) {
        const res = await start(KEYS.alice, threadId, HANG);
        expect(res.status).toBe(200);
        held.push({ threadId, runId: ((await res.json()) as { run_id: string }).run_id });
      }
      // Her third waits in the queue, and says so.
      const queued = await start(KEYS.alice, aliceThreads[2], "hi");
      expect(queued.status).toBe(200);
      const third = { threadId: aliceThreads[2], runId: ((await queued.json()) as { run_id: string }).run_id };
      held.push(third);
      const waiting = (await (await call(serve, `/threads/${third.threadId}/runs/${third.runId}`)).json()) as {
        status: string;
        queue: { ahead: number; waited_ms: number };
      };
      expect(waiting.status).toBe("pending");
      expect(waiting.queue.ahead).toBe(0);
      expect(waiting.queue.waited_ms).toBeGreaterThanOrEqual(0);
      // Her queue holds one run (SERVE_MAX_QUEUED_PER_USER): a fourth is refused, and told why.
      const refused = await start(KEYS.alice, aliceThreads[3], "hi");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(await refused.json()).toEqual({
        error: "user_queue_full",
        detail: expect.stringMatching(/You already have 1 runs waiting to start.*SERVE_MAX_QUEUED_PER_USER/) as string,
      });
      // Bob is served while Alice is at her cap, and his run completes.
      const bobThread = await thread(KEYS.bob);
      const bob = await start(KEYS.bob, bobThread, "hi");
      expect(bob.status).toBe(200);
      const bobRun = (await bob.json()) as { run_id: string };
      expect((await serve.client(KEYS.bob).runs.join(bobThread, bobRun.run_id)) as object).toBeTruthy();
      expect((await serve.client(KEYS.bob).runs.get(bobThread, bobRun.run_id)).status).toBe("success");
      expect((await serve.client(KEYS.alice).runs.get(third.threadId, third.runId)).status).toBe("pending");
      // Once one of her runs ends, her queued one starts and completes, with nothing more to do.
      const first = held.shift()!;
      await serve.client(KEYS.alice).runs.cancel(first.threadId, first.runId, true);
      await serve.client(KEYS.alice).runs.join(third.threadId, third.runId);
      expect((await serve.client(KEYS.alice).runs.get(third.threadId, third.runId)).status).toBe("success");
    } finally {
      await Promise.all(
        held.map((h) =>
          serve
            .client(KEYS.alice)
            .runs.cancel(h.threadId, h.runId, true)
            .catch(() => undefined),
        ),
      );
    }
  });
});
