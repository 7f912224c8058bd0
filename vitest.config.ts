import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    // The headless-browser tests need Chromium; they run with `npm run test:browser`.
    exclude: ["node_modules/**", ".keel/**", "**/*.browser.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Every test is bounded: a hang is a failure, never a stuck CI.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    pool: "forks",
    env: {
      LANGSMITH_TRACING: "false",
      LANGCHAIN_TRACING_V2: "false",
      LANGSMITH_TEST_TRACKING: "false",
    },
  },
});
