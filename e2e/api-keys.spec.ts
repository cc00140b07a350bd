import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { ADMIN_PASSWORD } from "./helpers";

const runCli = (args: string[], cwd: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.resolve("tools/cli/bin.mjs"), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });

test("an API key is made in /admin (secret shown once), used by the CLI against the production server, and revoked", async ({ page, request, baseURL }) => {
  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  const name = `e2e key ${Date.now()}`;
  await page.getByLabel("Key name").fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toContainText("shown only this once");
  const secret = (await shown.locator("code").textContent())!.trim();
  expect(secret).toMatch(/^pw_[0-9a-f]{10}_/);

  const row = page.getByTestId("api-key-row").filter({ hasText: name });
  await expect(row).toContainText(secret.slice(0, 13));
  await expect(row).toContainText("active");
  await page.reload();
  await expect(page.getByTestId("api-key-row").filter({ hasText: name })).toBeVisible();
  expect(await page.content()).not.toContain(secret);

  const work = await mkdtemp(path.join(os.tmpdir(), "pagewise-e2e-cli-"));
  await writeFile(path.join(work, "cli.pdf"), buildDocument(2));
  const run = await runCli(["process", "cli.pdf", "--url", baseURL!, "--key", secret, "--out", "out"], work);
  expect(run.stderr).toContain("1 of 1 documents done.");
  expect(run.code).toBe(0);
  const mine = await (await request.get("/api/documents", { headers: { authorization: `Bearer ${secret}` } })).json();
  expect(mine.total).toBe(1);
  const exported = await request.get(`/api/documents/${mine.documents[0].id}/export?format=json`, { headers: { authorization: `Bearer ${secret}` } });
  expect(await readFile(path.join(work, "out", "cli.detections.json"), "utf8")).toBe(await exported.text());

  await page.getByTestId("api-key-row").filter({ hasText: name }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("api-key-row").filter({ hasText: name })).toContainText("revoked");
  const refused = await request.get("/api/documents", { headers: { authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);

  await page.goto("/api-docs");
  await expect(page.getByRole("heading", { name: /\/api\/uploads/ })).toBeVisible();
});
