import { expect, test } from "@playwright/test";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { E2E_MODEL } from "../scripts/test/e2e-model";
import { ADMIN_PASSWORD, uploadViaApi } from "./helpers";

/**
 * A document run a second time from the admin page with another installed model (the e2e worker serves the
 * heuristic baseline and the e2e contract model, one box over each page's upper-left quarter), through the real
 * API and workers, then opened in the viewer: both runs overlaid (solid and dashed), each toggled, and their
 * agreement per page and over the document, the same figures the compare API computes.
 */
test("a second run with another model from the admin page, overlaid and toggled in the viewer with its agreement figure", async ({ page, request }) => {
  const filename = `runs-${Date.now()}.pdf`;
  const id = await uploadViaApi(request, buildDocument(2), filename);
  await expect.poll(async () => (await (await request.get(`/api/documents/${id}?pages=none`)).json()).document.status, { timeout: 90_000 }).toBe("done");

  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  const row = page.locator(`[data-testid=document-row][data-document-id="${id}"]`);
  await expect(row).toHaveAttribute("data-status", "done");
  const choice = row.getByLabel(`Model for another run of ${filename}`);
  await expect(choice).toContainText("Heuristic baseline");
  await choice.selectOption(E2E_MODEL.id);
  await row.getByRole("button", { name: `Run ${filename} again` }).click();
  await expect(row.getByRole("status")).toHaveText(`Run 2 started (${E2E_MODEL.name})`);
  await expect
    .poll(async () => (await (await request.get(`/api/documents/${id}/runs`)).json()).runs.map((r: { status: string }) => r.status), { timeout: 90_000 })
    .toEqual(["done", "done"]);
  const compare = await (await request.get(`/api/documents/${id}/compare?a=1&b=2`)).json();
  const boxes = async (run: number, n: number) => (await (await request.get(`/api/documents/${id}/pages/${n}?run=${run}`)).json()).page.detections.length;
  const runOneBoxes = await boxes(1, 1);
  expect(runOneBoxes).toBeGreaterThan(1);
  expect(await boxes(2, 1)).toBe(1);
  expect(compare.f1At50).toBeLessThan(1);

  await page.goto(`/documents/${id}`);
  const panel = page.getByTestId("runs-panel");
  await expect(panel.getByTestId("run-legend-a")).toContainText("Run 1: Heuristic baseline (ink blocks; not a trained model) (heuristic)");
  await expect(panel.getByTestId("run-legend-b")).toContainText(`Run 2: ${E2E_MODEL.name} (untrained)`);
  await expect(panel.getByTestId("document-f1")).toHaveText(compare.f1At50.toFixed(2));
  await expect(panel.getByTestId("worst-page").first()).toHaveText(`page ${compare.worstPages[0].pageNumber} (F1 ${compare.worstPages[0].f1At50.toFixed(2)})`);

  const first = page.getByTestId("page-1");
  const pageOne = compare.pages.find((p: { pageNumber: number }) => p.pageNumber === 1);
  await expect(first.getByTestId("page-agreement")).toHaveText(`F1 ${pageOne.f1At50.toFixed(2)} · run 1 vs 2`);
  const solid = first.getByTestId("overlay").getByTestId("box");
  const dashed = first.getByTestId("overlay-compare").getByTestId("compare-box");
  await expect(solid).toHaveCount(runOneBoxes);
  await expect(dashed).toHaveCount(1);
  await expect(dashed.first()).toHaveAttribute("stroke-dasharray", "9 5");

  await panel.getByRole("checkbox", { name: /Show run 1/ }).uncheck();
  await expect(first.getByTestId("overlay")).toHaveCount(0);
  await expect(dashed).toHaveCount(1);
  await panel.getByRole("checkbox", { name: /Show run 2/ }).uncheck();
  await expect(first.getByTestId("overlay-compare")).toHaveCount(0);
  await panel.getByRole("checkbox", { name: /Show run 1/ }).check();
  await expect(solid).toHaveCount(runOneBoxes);

  // The export of run 2 says which run and model made it.
  const exported = await request.get(`/api/documents/${id}/export?format=json&run=2`);
  expect(await exported.json()).toMatchObject({ run: 2, model: { id: E2E_MODEL.id, kind: "untrained" } });
});
