import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:browser`: the headless-Chromium tests under test/browser, with the same database
 * setup, bounds and environment as `npm test` (which leaves them out, so it needs no browser).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/browser/**/*.browser.test.ts"],
    exclude: ["node_modules/**", ".keel/**"],
  },
});
