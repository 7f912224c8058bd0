import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { randomish, token } from "../guards/pii/fake-secrets.js";
import { EncryptedSerializer, NoKeySerializer, parseEncryptionKey } from "./encrypted-serde.js";

const KEY = parseEncryptionKey(randomish(64, 41, "0123456789abcdef"));
// The saver's own default serializer, as EncryptedPostgresSaver wraps it (no pool is opened).
const plain = new PostgresSaver(new pg.Pool()).serde;
const SECRET = token("sk-live-", randomish(40, 43));

describe("EncryptedSerializer", () => {
  it("round-trips values with nothing readable in the stored bytes", async () => {
    const serde = new EncryptedSerializer(KEY, plain);
    const value = { messages: [{ content: `the key is ${SECRET}` }], n: 1 };
    const [type, bytes] = await serde.dumpsTyped(value);
    expect(type.startsWith("aes256gcm:")).toBe(true);
    expect(Buffer.from(bytes).toString("latin1")).not.toContain(SECRET);
    expect(await serde.loadsTyped(type, bytes)).toEqual(value);
  });

  it("still reads rows written before the key was set, and refuses tampered or foreign-key rows", async () => {
    const serde = new EncryptedSerializer(KEY, plain);
    const [plainType, plainBytes] = await plain.dumpsTyped({ a: 1 });
    expect(await serde.loadsTyped(plainType, plainBytes)).toEqual({ a: 1 });
    const [type, bytes] = await serde.dumpsTyped({ a: 1 });
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 1]! ^= 1;
    const unreadable = { name: "KeelError", code: "checkpoint_unreadable" };
    await expect(serde.loadsTyped(type, tampered)).rejects.toMatchObject(unreadable);
    const other = new EncryptedSerializer(parseEncryptionKey(Buffer.alloc(32, 7).toString("base64")), plain);
    await expect(other.loadsTyped(type, bytes)).rejects.toMatchObject(unreadable);
    // A saver without a key says the same of an encrypted row, and still reads plain ones.
    const noKey = new NoKeySerializer(plain);
    await expect(noKey.loadsTyped(type, bytes)).rejects.toMatchObject(unreadable);
    expect(await noKey.loadsTyped(plainType, plainBytes)).toEqual({ a: 1 });
  });

  it("takes 64 hex characters or base64 of 32 bytes, nothing else", () => {
    expect(parseEncryptionKey("ab".repeat(32))).toHaveLength(32);
    expect(parseEncryptionKey(Buffer.alloc(32, 1).toString("base64"))).toHaveLength(32);
    expect(() => parseEncryptionKey("short")).toThrow(/CHECKPOINT_ENCRYPTION_KEY/);
  });
});
