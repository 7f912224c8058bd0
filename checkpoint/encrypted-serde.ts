import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SerializerProtocol } from "@langchain/langgraph-checkpoint";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { BatchedPostgresSaver } from "./batched-saver.js";
import type pg from "pg";
import { KeelError } from "../runtime/errors.js";

/** Type tag prefix of an encrypted payload; the inner serializer's type follows it. */
const PREFIX = "aes256gcm:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * CHECKPOINT_ENCRYPTION_KEY: 32 bytes as 64 hex characters or base64. Throws a message naming the
 * variable (never the value) for anything else.
 */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new Error("CHECKPOINT_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or 44 base64 characters");
  }
  return key;
}

/**
 * Checkpoint payloads (channel values: messages, tool results, approvals; pending writes)
 * encrypted with AES-256-GCM before they reach the database. @langchain/langgraph-checkpoint 1.1.5
 * ships no encrypting serializer (nor exports its JsonPlusSerializer), so this wraps the saver's own
 * default serializer. Rows written before the key
 * was set (no prefix in their type) still load, in plain text, so the option can be turned on for
 * an existing database; rotating the key makes older encrypted rows unreadable.
 */
export class EncryptedSerializer implements SerializerProtocol {
  constructor(
    private readonly key: Buffer,
    private readonly inner: SerializerProtocol,
  ) {}

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    const [type, plain] = await this.inner.dumpsTyped(data);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    // The type is authenticated too: a row cannot be replayed under another type.
    cipher.setAAD(Buffer.from(type));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [`${PREFIX}${type}`, Buffer.concat([iv, cipher.getAuthTag(), body])];
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    if (!type.startsWith(PREFIX)) return this.inner.loadsTyped(type, data);
    const innerType = type.slice(PREFIX.length);
    const bytes = typeof data === "string" ? Buffer.from(data, "binary") : Buffer.from(data);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(innerType));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      // The code travels in the message too: the API engine passes on only an error's text.
      throw new KeelError(
        "checkpoint_unreadable",
        "checkpoint_unreadable: a checkpoint cannot be decrypted with this CHECKPOINT_ENCRYPTION_KEY (written under another key, or altered)",
        { cause: err },
      );
    }
    return this.inner.loadsTyped(innerType, new Uint8Array(plain));
  }
}

/**
 * The serializer of a saver without a key: a row written encrypted (the key since removed, or the
 * database shared with a replica that has one) is reported as unreadable, not as an unknown type.
 */
export class NoKeySerializer implements SerializerProtocol {
  constructor(private readonly inner: SerializerProtocol) {}

  dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    return this.inner.dumpsTyped(data);
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    if (type.startsWith(PREFIX)) {
      throw new KeelError(
        "checkpoint_unreadable",
        "checkpoint_unreadable: a checkpoint is encrypted and no CHECKPOINT_ENCRYPTION_KEY is set",
      );
    }
    return this.inner.loadsTyped(type, data);
  }
}

/** A PostgresSaver without encryption that still recognises encrypted rows (NoKeySerializer). */
export function plainPostgresSaver(pool: pg.Pool): PostgresSaver {
  const saver = new BatchedPostgresSaver(pool);
  saver.serde = new NoKeySerializer(saver.serde);
  return saver;
}

/**
 * A PostgresSaver whose payloads are encrypted. Checkpoint metadata stays plain JSONB: the saver
 * parses it as JSON and filters on it (it holds the step, source, parents and thread id, not
 * messages), so it goes through the plain serializer.
 */
export class EncryptedPostgresSaver extends BatchedPostgresSaver {
  private readonly plain: SerializerProtocol;

  constructor(pool: pg.Pool, key: Buffer) {
    super(pool);
    this.plain = this.serde;
    this.serde = new EncryptedSerializer(key, this.plain);
  }

  protected override async _loadMetadata(metadata: Record<string, unknown>): Promise<unknown> {
    const [type, dumped] = await this.plain.dumpsTyped(metadata);
    return this.plain.loadsTyped(type, dumped);
  }

  protected override async _dumpMetadata(metadata: Parameters<PostgresSaver["put"]>[2]): Promise<unknown> {
    const [, dumped] = await this.plain.dumpsTyped(metadata);
    return JSON.parse(new TextDecoder().decode(dumped).replace(/\0/g, "")) as unknown;
  }
}
