import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, uploadViaApi } from "./helpers";

/** Starts like a PDF, so the upload is accepted; the worker fails it as not a valid PDF (permanent). */
const BROKEN = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthe rest went missing\n");

test("the admin offers no Retry for a failure a retry cannot change, says why, and the API refuses it with 409", async ({ page, request }) => {
  const broken = await uploadViaApi(request, BROKEN, `admin-broken-${Date.now()}.pdf`);
  await expect
    .poll(async () => (await (await request.get(`/api/documents/${broken}?pages=none`)).json()).document.error?.code, { timeout: 90_000 })
    .toBe("pdf_invalid");

  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  const row = page.locator(`[data-testid=document-row][data-document-id="${broken}"]`);
  await expect(row).toHaveAttribute("data-status", "failed");
  await expect(row.getByTestId("no-retry")).toHaveText(/^No retry: The file is not a valid PDF, and a retry would read the same bytes\./);
  await expect(row.getByRole("button", { name: /^Retry / })).toHaveCount(0);
  await expect(row.getByRole("button", { name: /^Delete / })).toBeVisible();

  const refused = await page.request.post(`/api/documents/${broken}/retry`);
  expect(refused.status()).toBe(409);
  expect((await refused.json()).error).toMatchObject({ code: "not_retryable", message: expect.stringMatching(/not a valid PDF/) });
});
