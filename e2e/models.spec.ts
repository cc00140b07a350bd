import { expect, test } from "@playwright/test";
import { buildPdf, standardLayoutPage } from "../scripts/fixtures/test-pdf";
import { ADMIN_PASSWORD, dropFiles } from "./helpers";

const PDF = buildPdf([standardLayoutPage()]);
const CONTRACT = "E2E contract model (one box per page; untrained)";

test("the uploader chooses a model; the document is done by that model and the viewer names it", async ({ page, request }) => {
  test.setTimeout(240_000);
  const listed = (await (await request.get("/api/models")).json()) as { models: { id: string; default: boolean }[] };
  expect(listed.models.map((m) => [m.id, m.default])).toEqual([["baseline-heuristic", true], ["e2e-contract", false]]);

  await page.goto("/");
  const picker = page.getByLabel("Model");
  await expect(picker).toHaveValue("baseline-heuristic");
  await picker.selectOption({ label: `${CONTRACT} (untrained weights: boxes are meaningless)` });
  await dropFiles(page, "[data-testid=drop-zone]", [{ name: "chosen.pdf", type: "application/pdf", bytes: PDF }]);

  const row = page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: "chosen.pdf" });
  await expect(row).toHaveAttribute("data-status", "done", { timeout: 90_000 });
  await expect(row.getByRole("status")).toHaveText(`Done: 1 of 1 page (${CONTRACT}).`);

  await row.getByRole("link", { name: "Open chosen.pdf" }).click();
  await expect(page.getByTestId("model-name")).toContainText(CONTRACT);
  await expect(page.getByTestId("model-warning")).toHaveText(/Untrained weights: boxes are meaningless/);

  // The admin lists both installed models and the worker serving them (one process serves both here).
  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByTestId("admin-table")).toBeVisible();
  const models = page.getByRole("region", { name: "Installed models" });
  for (const id of ["baseline-heuristic", "e2e-contract"]) {
    await expect(models.locator(`[data-testid=model-row][data-model-id="${id}"] [data-testid=model-workers]`)).toContainText(/ pid \d+, seen /);
  }
  await expect(models.locator(`[data-testid=model-row][data-model-id="baseline-heuristic"]`)).toContainText("heuristic baseline, not a trained model");
});
