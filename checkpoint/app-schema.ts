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
  // Per-user limits shared by every thread, process and replica (runtime/user-limits.ts). The bucket
  // may go negative: a call is never cut short, the next one waits. Spend is numeric so sums are exact.
  `CREATE TABLE IF NOT EXISTS keel_user_token_buckets (
    user_id text PRIMARY KEY,
    tokens double precision NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE TABLE IF NOT EXISTS keel_user_daily_spend (
    user_id text NOT NULL,
    day date NOT NULL,
    usd numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
  )`,
  // The graph API server (server/): who owns each thread, and every run with what it was asked to do,
  // so any replica can resume a run whose process died. At most one active run per thread: the
  // partial unique index makes a second concurrent run impossible even across replicas.
  `CREATE TABLE IF NOT EXISTS keel_threads (
    thread_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'idle',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS keel_threads_owner ON keel_threads (owner_id, created_at DESC);
  CREATE TABLE IF NOT EXISTS keel_runs (
    run_id uuid PRIMARY KEY,
    thread_id uuid NOT NULL REFERENCES keel_threads ON DELETE CASCADE,
    owner_id text NOT NULL,
    assistant_id text NOT NULL,
    status text NOT NULL,
    kwargs jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    start_checkpoint_id text,
    attempt integer NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false,
    error jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE UNIQUE INDEX IF NOT EXISTS keel_runs_one_active ON keel_runs (thread_id) WHERE status IN ('pending', 'running');
  CREATE INDEX IF NOT EXISTS keel_runs_thread ON keel_runs (thread_id, created_at DESC)`,
  // An approved send is queued at most once per tool call, however often its step re-runs (retry,
  // crash-resume, replay from a checkpoint): the tool's idempotency key is unique.
  `ALTER TABLE keel_outbox ADD COLUMN IF NOT EXISTS idempotency_key text;
  CREATE UNIQUE INDEX IF NOT EXISTS keel_outbox_idempotency_key ON keel_outbox (idempotency_key)`,
  // Assistants a user created (server/assistant-store.ts): named settings of a served graph, owned
  // like threads. The row is the current version; every version, the current one included, is kept
  // in keel_assistant_versions so an older one can be made current again. Built-in assistants (one
  // per graph) are not stored: they are derived from the graph ids at start.
  `CREATE TABLE IF NOT EXISTS keel_assistants (
    assistant_id uuid PRIMARY KEY,
    graph_id text NOT NULL,
    name text NOT NULL,
    description text,
    owner_id text NOT NULL,
    config jsonb NOT NULL DEFAULT '{}',
    context jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS keel_assistants_owner ON keel_assistants (owner_id, created_at DESC);
  CREATE TABLE IF NOT EXISTS keel_assistant_versions (
    assistant_id uuid NOT NULL REFERENCES keel_assistants ON DELETE CASCADE,
    version integer NOT NULL,
    graph_id text NOT NULL,
    name text NOT NULL,
    description text,
    config jsonb NOT NULL DEFAULT '{}',
    context jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, version)
  )`,
  // The run queue (server/run-queue.ts): queued runs are read by status, owner and age at every
  // claim, and owners take turns by when their last run started.
  `ALTER TABLE keel_runs ADD COLUMN IF NOT EXISTS started_at timestamptz;
  CREATE INDEX IF NOT EXISTS keel_runs_queued ON keel_runs (owner_id, created_at) WHERE status = 'pending';
  CREATE INDEX IF NOT EXISTS keel_runs_owner_started ON keel_runs (owner_id, started_at)`,
];
