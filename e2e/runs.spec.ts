import { expect, test } from "@playwright/test";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { ADMIN_PASSWORD, uploadViaApi } from "./helpers";

/**
 * A document run a second time from the admin page (through the real API and worker), then opened in the
 * viewer: both runs overlaid (solid and dashed), each toggled, and their agreement shown per page and over
 * the document. The e2e worker serves one model (the heuristic baseline), so run 2 is made with the same
 * model: identical boxes, agreement 1.00 (tests/worker/runs-process.test.ts covers two different models).
 */
test("a second run from the admin page, overlaid and toggled in the viewer with its agreement figure", async ({ page, request }) => {
  const filename = `runs-${Date.now()}.pdf`;
  const id = await uploadViaApi(request, buildDocument(2), filename);
  await expect.poll(async () => (await (await request.get(`/api/documents/${id}?pages=none`)).json()).document.status, { timeout: 90_000 }).toBe("done");

  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  const row = page.locator(`[data-testid=document-row][data-document-id="${id}"]`);
  await expect(row).toHaveAttribute("data-status", "done");
  await expect(row.getByLabel(`Model for another run of ${filename}`)).toContainText("Heuristic baseline");
  await row.getByRole("button", { name: `Run ${filename} again` }).click();
  await expect(row.getByRole("status")).toHaveText(/Run 2 started \(Heuristic baseline/);
  await expect
    .poll(async () => (await (await request.get(`/api/documents/${id}/runs`)).json()).runs.map((r: { status: string }) => r.status), { timeout: 90_000 })
    .toEqual(["done", "done"]);

  await page.goto(`/documents/${id}`);
  const panel = page.getByTestId("runs-panel");
  await expect(panel.getByTestId("run-legend-a")).toContainText("Run 1: Heuristic baseline (ink blocks; not a trained model) (heuristic)");
  await expect(panel.getByTestId("run-legend-b")).toContainText("Run 2: Heuristic baseline (ink blocks; not a trained model) (heuristic)");
  await expect(panel.getByTestId("document-f1")).toHaveText("1.00");
  await expect(panel).toContainText("The runs agree on every page.");

  const first = page.getByTestId("page-1");
  await expect(first.getByTestId("page-agreement")).toHaveText("F1 1.00 · run 1 vs 2");
  const solid = first.getByTestId("overlay").getByTestId("box");
  const dashed = first.getByTestId("overlay-compare").getByTestId("compare-box");
  await expect(solid.first()).toBeVisible();
  const n = await solid.count();
  expect(n).toBeGreaterThan(0);
  await expect(dashed).toHaveCount(n);
  await expect(dashed.first()).toHaveAttribute("stroke-dasharray", "9 5");

  await panel.getByRole("checkbox", { name: /Show run 1/ }).uncheck();
  await expect(first.getByTestId("overlay")).toHaveCount(0);
  await expect(dashed).toHaveCount(n);
  await panel.getByRole("checkbox", { name: /Show run 2/ }).uncheck();
  await expect(first.getByTestId("overlay-compare")).toHaveCount(0);
  await panel.getByRole("checkbox", { name: /Show run 1/ }).check();
  await expect(solid).toHaveCount(n);

  // The export of run 2 says which run and model made it.
  const exported = await request.get(`/api/documents/${id}/export?format=json&run=2`);
  expect(await exported.json()).toMatchObject({ run: 2, model: { id: "baseline-heuristic", kind: "heuristic" } });
});
