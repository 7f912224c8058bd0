import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

// The fast inner loop: the co-located unit tests, without starting PostgreSQL. Tests that need the
// database live in test/ or are named `*.db.test.ts`; `npm test` runs everything.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ["node_modules/**", ".keel/**", "**/*.browser.test.ts", "test/**", "**/*.db.test.ts"],
      globalSetup: [],
    },
  }),
);
