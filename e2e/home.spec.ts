import { expect, test } from "@playwright/test";

test("the home page renders its upload area", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle(/Pagewise/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText(/drop pdf/i).first()).toBeVisible();
});

test("health reports database and storage up, with security headers", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", database: { ok: true }, storage: { ok: true } });
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  expect(res.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
});
