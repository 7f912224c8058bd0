import type { IncomingMessage } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { TextDecoder } from "node:util";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ToolError } from "../errors.js";

/** Media types worth handing to a model as text. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type = "", subtype = ""] = (contentType.split(";")[0] ?? "").trim().toLowerCase().split("/");
  return type === "text" || /json|xml|javascript|ecmascript/.test(subtype);
}

function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "");
  return match?.[1] ?? "utf-8";
}

function decoderFor(contentType: string | undefined): TextDecoder {
  try {
    return new TextDecoder(charsetOf(contentType));
  } catch {
    return new TextDecoder("utf-8"); // unknown charset label: UTF-8 is the best guess
  }
}

/** The body with Content-Encoding undone, so the byte cap applies to what we decode (zip bombs). */
function decodedStream(res: IncomingMessage): Readable {
  const encoding = (res.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const decompress =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  if (decompress === undefined) {
    if (encoding !== "identity" && encoding !== "") {
      res.destroy();
      throw new ToolError(`The server sent the body with an unsupported encoding (${encoding}).`);
    }
    return res;
  }
  // Errors reach the reader through the last stream; pipeline destroys both on either side's end.
  return pipeline(res, decompress, () => {});
}

export interface CappedText {
  text: string;
  truncated: boolean;
  /** Decoded body bytes read, at most the cap. */
  bytes: number;
}

/**
 * Read at most `cap` bytes and stop: the rest is never downloaded, so a huge or endless body
 * costs no more than the cap. A character split by the cut is dropped rather than mangled.
 */
export async function readCappedText(res: IncomingMessage, cap: number): Promise<CappedText> {
  const stream = decodedStream(res);
  const decoder = decoderFor(res.headers["content-type"]);
  let text = "";
  let bytes = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const room = cap - bytes;
      if (chunk.length > room) {
        text += decoder.decode(chunk.subarray(0, room), { stream: true });
        bytes += room;
        truncated = true;
        break;
      }
      text += decoder.decode(chunk, { stream: true });
      bytes += chunk.length;
    }
  } finally {
    stream.destroy();
    res.destroy();
  }
  if (!truncated) text += decoder.decode();
  return { text, truncated, bytes };
}
