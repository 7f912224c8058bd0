import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { withBranchVersions } from "./branch-versions.js";
import { redactUrl } from "./connection-url.js";
import { EncryptedPostgresSaver, parseEncryptionKey, plainPostgresSaver } from "./encrypted-serde.js";

/** A ready database: connected, migrated, with the checkpointer on the same pool. */
export interface Database {
  pool: pg.Pool;
  /** LangGraph checkpointer sharing `pool`. Do not call `saver.end()`: it ends the shared pool; use `close()`. */
  saver: PostgresSaver;
  /** Where the data lives, password replaced by `***` — safe to print. */
  url: string;
  /** True when this is the embedded default (no DATABASE_URL). */
  embedded: boolean;
  /** Closes the pool once (later calls return the same promise) and stops an embedded server this process started. */
  close(): Promise<void>;
}

/** Wraps an open pool as a Database; `afterClose` runs once, after the pool has ended. */
export function databaseFromPool(
  pool: pg.Pool,
  opts: { url: string; embedded: boolean; afterClose?: () => Promise<void>; encryptionKey?: string | undefined },
): Database {
  let closing: Promise<void> | undefined;
  return {
    pool,
    // With a key, checkpoint payloads are encrypted at rest; without one they are stored as JSON.
    saver: withBranchVersions(
      opts.encryptionKey
        ? new EncryptedPostgresSaver(pool, parseEncryptionKey(opts.encryptionKey))
        : plainPostgresSaver(pool),
    ),
    url: redactUrl(opts.url),
    embedded: opts.embedded,
    close: () =>
      (closing ??= (async () => {
        try {
          await pool.end();
        } finally {
          await opts.afterClose?.();
        }
      })()),
  };
}
