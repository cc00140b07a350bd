import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{app,components,db,lib,worker,scripts,tools,training}/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // A stray `.only` would silently skip the rest of the suite, locally as in CI.
    allowOnly: false,
    // PAGEWISE_NO_SERVICES=1 runs pure unit tests without starting Postgres and storage.
    globalSetup: ["scripts/test/require-shared-models.ts", ...(process.env.PAGEWISE_NO_SERVICES ? [] : ["scripts/test/global-setup.ts"])],
  },
});
