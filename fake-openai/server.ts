/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1, scripted by a Responder. It drives the
 * test suite and the offline demo, and can fail on the wire exactly like a real endpoint does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import {
  isFault,
  type FakeChatRequest,
  type FakeFault,
  type FakeReply,
  type RecordedRequest,
  type Responder,
} from "./types.js";
import { completionBody, errorBody, newCompletionId, prepareAnswer, streamEvents } from "./wire.js";

export interface FakeOpenAIOptions {
  responder: Responder;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: "127.0.0.1";
  /** Pause between streamed chunks, so token streaming is visible in a terminal. */
  chunkDelayMs?: number;
}

export interface FakeOpenAI {
  /** e.g. `http://127.0.0.1:PORT/v1`, ready for `configuration.baseURL`. */
  baseUrl: string;
  /** Every chat-completions body received, parsed, in order. */
  requests: RecordedRequest[];
  setResponder(responder: Responder): void;
  /** Stops listening and destroys every open socket, including hung and stalled ones. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  let responder = options.responder;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  let calls = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpProblem ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy();
      else sendJson(res, status, errorBody(message, "invalid_request_error", null));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname.replace(/\/+$/, "");
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      sendJson(res, 200, modelsBody());
      return;
    }
    if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/chat/completions")) {
      throw new HttpProblem(404, `fake OpenAI server has no route ${req.method ?? "?"} ${path}`);
    }
    const request = parseChatRequest(await readBody(req));
    requests.push(request);
    const index = calls++;
    let reply: FakeReply;
    try {
      reply = await responder(request, { index });
    } catch (err) {
      // A broken responder is a bug in the test: answer with a non-retryable status so it fails loudly.
      throw new HttpProblem(400, `fake responder failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    await send(req, res, request, reply);
  }

  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    request: FakeChatRequest,
    reply: FakeReply,
  ): Promise<void> {
    if (isFault(reply)) {
      sendFault(req, res, request, reply);
      return;
    }
    const answer = prepareAnswer(request, reply);
    if (!request.stream) {
      sendJson(res, 200, completionBody(answer));
      return;
    }
    res.writeHead(200, sseHeaders());
    for (const event of streamEvents(answer, request.stream_options?.include_usage === true)) {
      if (res.destroyed) return;
      res.write(event);
      if (chunkDelayMs > 0) await delay(chunkDelayMs);
    }
    res.end();
  }

  function sendFault(req: IncomingMessage, res: ServerResponse, request: FakeChatRequest, fault: FakeFault): void {
    switch (fault.fault) {
      case "rate_limit": {
        const headers: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) };
        sendJson(res, 429, errorBody("Rate limit reached (fake server).", "requests", "rate_limit_exceeded"), headers);
        return;
      }
      case "server_error": {
        const status = fault.status ?? 500;
        sendJson(res, status, errorBody(`The fake server had an error (${status}).`, "server_error", null));
        return;
      }
      case "bad_request": {
        const status = fault.status ?? 400;
        const code = status === 401 ? "invalid_api_key" : status === 404 ? "model_not_found" : null;
        const message =
          fault.message ??
          (status === 401
            ? "Incorrect API key provided."
            : status === 404
              ? `The model ${request.model} does not exist.`
              : "Invalid request.");
        sendJson(res, status, errorBody(message, "invalid_request_error", code));
        return;
      }
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "hang":
        // Headers never come; close() destroys the socket.
        return;
      case "stall": {
        const answer = prepareAnswer(request, fault.reply);
        if (request.stream) {
          res.writeHead(200, sseHeaders());
          // The role chunk plus the first piece of the answer, then silence.
          for (const event of streamEvents(answer, request.stream_options?.include_usage === true).slice(0, 2))
            res.write(event);
        } else {
          const body = completionBody(answer);
          res.writeHead(200, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-request-id": requestId(),
          });
          res.write(body.slice(0, Math.floor(body.length / 2)));
        }
        return;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake OpenAI server has no TCP address");

  return {
    baseUrl: `http://${options.host ?? "127.0.0.1"}:${address.port}/v1`,
    requests,
    setResponder(next) {
      responder = next;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseChatRequest(text: string): FakeChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, "request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { messages?: unknown }).messages)) {
    throw new HttpProblem(400, "request body needs a `messages` array");
  }
  const request = body as FakeChatRequest;
  if (typeof request.model !== "string") throw new HttpProblem(400, "request body needs a `model` string");
  return request;
}

const requestId = (): string => `req_${newCompletionId().slice("chatcmpl-".length)}`;

function sseHeaders(): Record<string, string> {
  return {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": requestId(),
  };
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId(),
    ...headers,
  });
  res.end(body);
}

function modelsBody(): string {
  const created = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    object: "list",
    data: ["keel-offline-demo", "gpt-4o-mini"].map((id) => ({ id, object: "model", created, owned_by: "keel-fake" })),
  });
}
