import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { blockTexts, buildPdf, paperPage } from "../scripts/fixtures/test-pdf";
import { ADMIN_PASSWORD, uploadViaApi } from "./helpers";

/** Region text in the viewer: a paper-like page through the real worker (heuristic baseline regions). */
const PAPER = buildPdf([paperPage(), paperPage(8)]);
const TEXTS = blockTexts(paperPage());

test("click a box to read its text, find in the document, download Markdown; search finds the page", async ({ page, request }) => {
  const id = await uploadViaApi(request, PAPER, "paper.pdf");
  await page.goto(`/documents/${id}`);
  await expect(page.getByTestId("document-status")).toHaveAttribute("data-status", "done");
  const first = page.getByTestId("page-1");

  // Click the title's box: its text shows, selectable.
  await first.locator('[data-testid=box][data-label="Title"]').first().click();
  await expect(first.getByTestId("region-text-body")).toHaveText(TEXTS[0]!);

  // The per-page text panel lists the regions in reading order; hovering one lights its box.
  await first.getByTestId("page-text").locator("summary").click();
  const paragraphs = first.getByTestId("page-text-region");
  await expect(paragraphs.first()).toHaveText(TEXTS[0]!);
  await paragraphs.nth(2).hover();
  await expect(first.locator('[data-testid=box][data-active="true"]')).toHaveCount(1);

  // Find in document: matches are highlighted on the pages, next moves to the following one.
  const word = TEXTS[2]!.split(" ")[3]!;
  await page.getByTestId("find-input").fill(word);
  await expect(page.getByTestId("find-count")).toHaveText(/^1 of \d+$/);
  await expect(page.locator('[data-testid=find-match][data-current="true"]')).toHaveCount(1);
  const total = Number((await page.getByTestId("find-count").textContent())!.split(" of ")[1]);
  expect(await page.getByTestId("find-match").count()).toBe(total);
  if (total > 1) {
    await page.getByRole("button", { name: "Next match" }).click();
    await expect(page.getByTestId("find-count")).toHaveText(`2 of ${total}`);
  }
  await page.screenshot({ path: "test-results/e2e/viewer-text.png", fullPage: false });

  // Markdown download: the title as a heading, the list as items.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-markdown").click()]);
  const md = await readFile((await download.path())!, "utf8");
  expect(md).toContain(`# ${TEXTS[0]}\n`);
  expect(md).toContain(`\n- ${TEXTS[3]!.split("\n")[0]!.slice(2)}\n`);
  expect(md).toMatch(/regions by Heuristic baseline/i);

  // Search API: the right page of the right document; admin search across documents.
  const title2 = blockTexts(paperPage(8))[0]!;
  const hits = (await (await request.get(`/api/documents/${id}/search?q=${encodeURIComponent(`"${title2}"`)}`)).json()) as { hits: { pageNumber: number; label: string }[] };
  expect(hits.hits.some((h) => h.pageNumber === 2)).toBe(true);
  expect((await request.get(`/api/documents/${id}/search?q=`)).status()).toBe(400);
  expect((await request.get(`/api/admin/search?q=${encodeURIComponent(word)}`)).status()).toBe(401);
  expect((await request.post("/api/admin/login", { data: { password: ADMIN_PASSWORD } })).ok()).toBe(true);
  const all = (await (await request.get(`/api/admin/search?q=${encodeURIComponent(word)}`)).json()) as { documents: { documentId: string; pages: { pageNumber: number }[] }[] };
  expect(all.documents.find((d) => d.documentId === id)?.pages.length).toBeGreaterThan(0);

  // The admin page searches the text of every document: the document, its page and the match marked.
  await page.goto("/admin");
  await page.getByLabel("Admin password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByTestId("admin-text-search").fill(`"${title2}"`);
  const results = page.getByTestId("admin-search-results");
  // Other specs upload the same generated paper: this document's own page link.
  await expect(results.getByRole("link", { name: "paper.pdf" }).first()).toBeVisible();
  await expect(results.locator(`a[href="/documents/${id}#page-2"]`)).toHaveText("Page 2");
  await expect(results.locator("mark").first()).toBeVisible();
});
