import { expect, test } from "@playwright/test";
import { buildPdf, standardLayoutPage } from "../scripts/fixtures/test-pdf";
import { dropFiles } from "./helpers";

const GOOD = buildPdf([standardLayoutPage(), standardLayoutPage()]);
/** Starts like a PDF (so the upload is accepted) and is not one: the worker fails it with a reason. */
const BROKEN = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is where the rest went missing\n");

test("the home page follows each dropped file to done or failed, and lists them again after a reload", async ({ page }) => {
  await page.goto("/");
  await dropFiles(page, "[data-testid=drop-zone]", [
    { name: "good.pdf", type: "application/pdf", bytes: GOOD },
    { name: "broken.pdf", type: "application/pdf", bytes: BROKEN },
  ]);
  const list = page.getByRole("list", { name: "Uploads" });
  const good = list.getByRole("listitem").filter({ hasText: "good.pdf" });
  const broken = list.getByRole("listitem").filter({ hasText: "broken.pdf" });

  // Without opening either document: the rows turn done and failed by themselves.
  await expect(good).toHaveAttribute("data-status", "done", { timeout: 90_000 });
  // The sentence names the model that produced the result.
  await expect(good.getByRole("status")).toHaveText(/^Done: 2 of 2 pages \(Heuristic baseline .*not a trained model\)\)\.$/);
  await expect(good.getByRole("progressbar", { name: "Pages of good.pdf" })).toHaveAttribute("aria-valuenow", "2");
  await expect(broken).toHaveAttribute("data-status", "failed", { timeout: 90_000 });
  await expect(broken.getByRole("alert")).toHaveText(/^Failed: The file is not a valid PDF \(.+\)\.$/);
  expect(new URL(page.url()).pathname).toBe("/");

  await page.reload();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await expect(good).toHaveAttribute("data-status", "done");
  await expect(good.getByRole("status")).toHaveText(/^Done: 2 of 2 pages/);
  await expect(broken.getByRole("alert")).toHaveText(/^Failed: The file is not a valid PDF/);
  await expect(good.getByRole("link", { name: "Open good.pdf" })).toBeVisible();

  // "Clear finished" forgets them, for good.
  await page.getByRole("button", { name: "Clear finished" }).click();
  await expect(list).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("list", { name: "Uploads" })).toHaveCount(0);
});
