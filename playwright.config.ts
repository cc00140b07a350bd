import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const PORT = Number(process.env.E2E_PORT ?? 3100);
/** Debian's Chromium where Playwright's own browser cannot be downloaded (this machine, CI). */
const systemChromium = "/usr/bin/chromium";
/** A second installed model (scripts/test/e2e-models.ts) beside models/baseline; the worker serves both. */
const modelFolders = process.env.E2E_MODEL_FOLDERS ?? path.join(os.tmpdir(), "pagewise-e2e-models");

export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  forbidOnly: true,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: `http://localhost:${PORT}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: existsSync(systemChromium)
      ? {
          executablePath: systemChromium,
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        }
      : {},
  },
  webServer: {
    // The whole product, production build, on its own ports and a fresh data folder.
    command: `node --import tsx scripts/test/e2e-models.ts ${JSON.stringify(modelFolders)} && node --import tsx scripts/dev.ts --production`,
    url: `http://localhost:${PORT}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: {
      PORT: String(PORT),
      EMBEDDED_PG_PORT: process.env.E2E_PG_PORT ?? "54339",
      EMBEDDED_S3_PORT: process.env.E2E_S3_PORT ?? "54340",
      DATA_DIR: process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), `pagewise-e2e-${Date.now()}`),
      ADMIN_PASSWORD: "e2e-admin-password",
      LOG_LEVEL: "warn",
      MODEL_FOLDERS: `models,${modelFolders}`,
      WORKER_MODELS: "baseline-heuristic,e2e-contract",
    },
  },
});
