import { createServer, type IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";

/** One request as the LangSmith client sent it, its body decompressed. */
export interface CapturedRequest {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

/** A run as the API would assemble it: its create, then its updates, merged field by field. */
export type CapturedRun = Record<string, unknown> & { id: string };

export interface LangSmithCapture {
  url: string;
  requests: CapturedRequest[];
  /** Every run sent, by id, from JSON and multipart bodies alike. */
  runs(): Map<string, CapturedRun>;
  /** The parts of every multipart body, in the order sent: "post.<id>", "patch.<id>.extra"… */
  parts(): { name: string; value: unknown }[];
  close(): Promise<void>;
}

/**
 * A stand-in for the LangSmith API on 127.0.0.1: answers 200 to everything and keeps every body.
 * With `answer: false` it keeps every request open instead, like an endpoint that never answers.
 */
export async function startLangSmithCapture(options: { answer?: boolean } = {}): Promise<LangSmithCapture> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"] ?? "",
        body: decode(req, Buffer.concat(chunks)),
      });
      if (options.answer === false) return;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    runs: () => assembleRuns(requests),
    parts: () =>
      requests.flatMap((r) => {
        const boundary = boundaryOf(r);
        return boundary
          ? multipartParts(r.body, boundary).map(({ name, value }) => ({ name, value: JSON.parse(value) as unknown }))
          : [];
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A gzipped body would hide a leaked secret from a plain text search, so decode it first.
function decode(req: IncomingMessage, raw: Buffer): string {
  const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
  return body.toString("utf8");
}

function assembleRuns(requests: readonly CapturedRequest[]): Map<string, CapturedRun> {
  const runs = new Map<string, CapturedRun>();
  const merge = (run: Record<string, unknown>, id = run.id) => {
    if (typeof id !== "string") return;
    runs.set(id, { ...runs.get(id), ...run, id });
  };
  for (const request of requests) {
    if (request.method === "GET") continue;
    const boundary = boundaryOf(request);
    if (boundary) {
      for (const { name, value } of multipartParts(request.body, boundary)) {
        // "post.<id>" is the run; "post.<id>.<field>" one of its large fields (inputs, outputs, extra…).
        const [, id, field] = /^(?:post|patch)\.([^.]+)(?:\.(.+))?$/.exec(name) ?? [];
        if (id)
          merge(field ? { [field]: JSON.parse(value) as unknown } : (JSON.parse(value) as Record<string, unknown>), id);
      }
    } else if (request.body) {
      const json = JSON.parse(request.body) as Record<string, unknown>;
      if (Array.isArray(json.post) || Array.isArray(json.patch)) {
        for (const run of [...((json.post as unknown[]) ?? []), ...((json.patch as unknown[]) ?? [])])
          merge(run as Record<string, unknown>);
      } else {
        merge(json, json.id ?? /\/runs\/([^/?]+)/.exec(request.url)?.[1]);
      }
    }
  }
  return runs;
}

const boundaryOf = (request: CapturedRequest): string | undefined =>
  /^multipart\/form-data; boundary=(.+)$/.exec(request.contentType)?.[1];

function multipartParts(body: string, boundary: string): { name: string; value: string }[] {
  return body.split(`--${boundary}`).flatMap((part) => {
    const match = /^\r\nContent-Disposition: form-data; name="([^"]+)"\r\n(?:[^\r\n]*\r\n)*\r\n([\s\S]*)\r\n$/.exec(
      part,
    );
    return match ? [{ name: match[1]!, value: match[2]! }] : [];
  });
}
