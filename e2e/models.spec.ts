import { expect, test } from "@playwright/test";
import { buildPdf, standardLayoutPage } from "../scripts/fixtures/test-pdf";
import { dropFiles } from "./helpers";

const PDF = buildPdf([standardLayoutPage()]);
const CONTRACT = "E2E contract model (one box per page; untrained)";

test("the uploader chooses a model; the document is done by that model and the viewer names it", async ({ page, request }) => {
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
});
