import { expect, test } from "@playwright/test";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { ADMIN_PASSWORD, uploadViaApi } from "./helpers";

test("the admin page refuses a wrong password, lists documents, and cancel / retry / delete work", async ({ page, request }) => {
  const keep = await uploadViaApi(request, buildDocument(40), `admin-long-${Date.now()}.pdf`);
  const gone = await uploadViaApi(request, buildDocument(1), `admin-delete-${Date.now()}.pdf`);

  await page.goto("/admin");
  await page.getByLabel("Admin password").fill("not the password");
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByTestId("login-error")).toContainText(/wrong password/i);
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByTestId("admin-table")).toBeVisible();

  const row = (id: string) => page.locator(`[data-testid=document-row][data-document-id="${id}"]`);
  await expect(row(keep)).toBeVisible();
  await expect(row(gone)).toBeVisible();

  // Cancel the long one while it runs.
  await row(keep).getByRole("button", { name: /^Cancel / }).click();
  await expect(row(keep)).toHaveAttribute("data-status", "cancelled");
  const cancelled = await (await request.get(`/api/documents/${keep}`)).json();
  expect(cancelled.document.status).toBe("cancelled");
  expect(cancelled.pages.some((p: { status: string }) => p.status === "cancelled")).toBe(true);

  // Retry it: it goes back to the queue and finishes.
  await row(keep).getByRole("button", { name: /^Retry / }).click();
  await expect
    .poll(async () => (await (await request.get(`/api/documents/${keep}`)).json()).document.status, { timeout: 120_000 })
    .toBe("done");

  // Delete the other.
  page.once("dialog", (d) => void d.accept());
  await row(gone).getByRole("button", { name: /^Delete / }).click();
  await expect(row(gone)).toHaveCount(0);
  expect((await request.get(`/api/documents/${gone}`)).status()).toBe(404);
});

test("the admin API needs a session", async ({ request }) => {
  const res = await request.get("/api/documents");
  expect(res.status()).toBe(401);
  expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
});

test("signed out, the admin page asks for the password and requests nothing it would be refused; sign in and out", async ({ page }) => {
  const refused: string[] = [];
  page.on("response", (res) => {
    if (res.status() === 401 || res.status() === 403) refused.push(`${res.status()} ${new URL(res.url()).pathname}`);
  });

  await page.goto("/admin");
  await expect(page.getByLabel("Admin password")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Installed models" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "API keys" })).toHaveCount(0);
  await page.waitForLoadState("networkidle");
  expect(refused).toEqual([]);

  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByTestId("admin-table")).toBeVisible();
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Webhook deliveries" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Admin password")).toBeVisible();
  await expect(page.getByRole("heading", { name: "API keys" })).toHaveCount(0);
  await page.waitForLoadState("networkidle");
  expect(refused).toEqual([]);
});
