/**
 * Keel's own tables — the one place for application DDL. Each entry runs once per database, in order,
 * inside a transaction, and its index is its version in `keel_migrations`. To change the schema,
 * append a new entry; never edit or reorder one that may already have run somewhere.
 */
export const APP_MIGRATIONS: readonly string[] = [
  // Messages queued by the outbox_send tool (after approval); a fork hands them to a mailer.
  `CREATE TABLE IF NOT EXISTS keel_outbox (
    id bigserial PRIMARY KEY,
    thread_id text NOT NULL,
    user_id text NOT NULL,
    to_address text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
];
