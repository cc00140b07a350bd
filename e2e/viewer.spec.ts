import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { buildDocument, buildPdf, standardLayoutPage } from "../scripts/fixtures/test-pdf";
import { encodeTiff } from "../scripts/test/tiff-fixture";
import { dropFiles } from "./helpers";

const SHORT = buildPdf([standardLayoutPage(), standardLayoutPage(), standardLayoutPage()]);
const LONG = buildDocument(24);
/** The figure on the standard page, in PDF points (top-left origin). */
const FIGURE = { x: 160, y: 220, width: 292, height: 170 };

test("drop two PDFs, watch them upload and the long one fill in page by page", async ({ page }) => {
  await page.goto("/");
  await dropFiles(page, "[data-testid=drop-zone]", [
    { name: "short.pdf", type: "application/pdf", bytes: SHORT },
    { name: "long.pdf", type: "application/pdf", bytes: LONG },
  ]);
  const rows = page.getByTestId("upload-row");
  await expect(rows).toHaveCount(2);
  for (const name of ["short.pdf", "long.pdf"]) {
    const row = rows.filter({ hasText: name });
    await expect(row.getByRole("progressbar")).toBeVisible();
    await expect(row.getByRole("link", { name: `Open ${name}` })).toBeVisible();
    // Once uploaded, the row follows the document's pages.
    await expect(row.getByRole("progressbar", { name: `Pages of ${name}` })).toBeVisible();
  }

  await rows.filter({ hasText: "long.pdf" }).getByRole("link", { name: "Open long.pdf" }).click();
  await expect(page.getByTestId("document-title")).toHaveText("long.pdf");
  await expect(page.getByTestId("model-name")).toContainText("Heuristic baseline");
  await expect(page.getByTestId("model-warning")).toBeVisible();

  // Sample the page while it works: pages must turn done one after another, before the document is done.
  const seen: { done: number; status: string | null }[] = [];
  const status = page.getByTestId("document-status");
  for (let i = 0; i < 600; i++) {
    const snapshot = {
      done: await page.locator('[data-testid^="page-"][data-status="done"]').count(),
      status: await status.getAttribute("data-status"),
    };
    seen.push(snapshot);
    if (snapshot.status === "done") break;
    await page.waitForTimeout(100);
  }
  expect(seen.at(-1)?.status).toBe("done");
  expect(seen.some((s) => s.status === "processing" && s.done > 0 && s.done < 24)).toBe(true);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
  await expect(page.locator('[data-testid^="page-"][data-status="done"]')).toHaveCount(24);
});

test("boxes sit on the content, classes toggle, the threshold filters, and JSON downloads", async ({ page, request }) => {
  const { uploadViaApi } = await import("./helpers");
  const id = await uploadViaApi(request, SHORT, "layout.pdf");
  await page.goto(`/documents/${id}`);
  await expect(page.getByTestId("document-status")).toHaveAttribute("data-status", "done");
  const first = page.getByTestId("page-1");
  const overlay = first.getByTestId("overlay");
  await expect(first.getByTestId("box")).toHaveCount(6);

  // The page image really loaded: through the app's 302 to a presigned URL of the store, allowed by the
  // page's own CSP, and decoded (an <img> with width/height has a box whether or not it loaded).
  const img = first.locator("img").first();
  await expect(img).toHaveAttribute("src", `/api/documents/${id}/pages/1/image`);
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  // The display image (DISPLAY_IMAGE_WIDTH 1600), not the model's 800 x 1035 input.
  expect(await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight])).toEqual([1600, 2070]);
  const redirect = await request.get(`/api/documents/${id}/pages/1/image`, { maxRedirects: 0 });
  expect(redirect.status()).toBe(302);
  const location = new URL(redirect.headers()["location"]!);
  expect(location.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  // The runtime CSP is the layout's <meta>; the image came from the store's origin under it.
  const csp = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content"))!;
  expect(csp.split("; ").find((d) => d.startsWith("img-src"))).toContain(location.origin);
  await page.screenshot({ path: "test-results/e2e/viewer-layout.png", fullPage: true });

  // The figure's box, on screen, must be where the figure is drawn on the page (within a few pixels).
  const svg = (await overlay.boundingBox())!;
  const image = (await first.locator("img").first().boundingBox())!;
  expect(Math.abs(svg.x - image.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(svg.width - image.width)).toBeLessThanOrEqual(1);
  const figure = (await first.locator('[data-testid=box][data-label="Figure"] rect').first().boundingBox())!;
  const expected = {
    x: svg.x + (FIGURE.x / 612) * svg.width,
    y: svg.y + (FIGURE.y / 792) * svg.height,
    width: (FIGURE.width / 612) * svg.width,
    height: (FIGURE.height / 792) * svg.height,
  };
  for (const k of ["x", "y", "width", "height"] as const) expect(Math.abs(figure[k] - expected[k]), k).toBeLessThanOrEqual(4);

  // Hover shows label and score.
  await first.locator('[data-testid=box][data-label="Figure"]').first().hover();
  await expect(first.getByTestId("box-tooltip")).toContainText("Figure");

  // Toggle a class off and on.
  const figureToggle = page.getByTestId("legend-toggle").and(page.locator('[data-label="Figure"]'));
  await figureToggle.click();
  await expect(figureToggle).toHaveAttribute("aria-pressed", "false");
  await expect(first.locator('[data-testid=box][data-label="Figure"]')).toHaveCount(0);
  await figureToggle.click();
  await expect(first.locator('[data-testid=box][data-label="Figure"]')).toHaveCount(1);

  // The baseline scores text blocks below 0.95 and its title above: a high threshold keeps the title.
  await page.getByTestId("score-threshold").fill("0.95");
  await expect(first.locator('[data-testid=box][data-label="Text"]')).toHaveCount(0);
  await expect(first.locator('[data-testid=box][data-label="Title"]')).toHaveCount(1);
  await page.getByTestId("score-threshold").fill("0");
  await expect(first.getByTestId("box")).toHaveCount(6);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-json").click()]);
  const json = JSON.parse(await readFile((await download.path())!, "utf8"));
  expect(json.schema).toBe("pagewise.detections/v2");
  expect(json.model).toMatchObject({ id: "baseline-heuristic", kind: "heuristic" });
  expect(json.pages).toHaveLength(3);
  const fig = json.pages[0].detections.find((d: { label: string }) => d.label === "Figure");
  expect(fig.boxPt.x1).toBeCloseTo(FIGURE.x, -0.5);
  expect(fig.boxPt.y2).toBeCloseTo(FIGURE.y + FIGURE.height, -0.5);
});

test("a file that is not a PDF gets a clear message and is not uploaded", async ({ page }) => {
  const sent: { method: string; url: string; body: string | null }[] = [];
  page.on("request", (r) => {
    if (r.method() !== "GET") sent.push({ method: r.method(), url: r.url(), body: r.postData() });
  });
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByTestId("upload-row").filter({ hasText: "notes.txt" })).toContainText(/not a PDF/i);
  // A PDF chosen afterwards goes all the way: by the time it is uploaded, anything sent for notes.txt was sent too.
  await page.getByTestId("file-input").setInputFiles({ name: "after.pdf", mimeType: "application/pdf", buffer: Buffer.from(SHORT) });
  await expect(page.getByTestId("upload-row").filter({ hasText: "after.pdf" }).getByRole("link", { name: "Open after.pdf" })).toBeVisible();
  const creates = sent.filter((r) => r.method === "POST" && new URL(r.url).pathname === "/api/uploads");
  expect(creates.map((r) => JSON.parse(r.body!).filename)).toEqual(["after.pdf"]);
  const puts = sent.filter((r) => r.method === "PUT");
  expect(puts).toHaveLength(1);
  expect(sent.some((r) => r.body?.includes("hello") || r.url.includes("notes.txt"))).toBe(false);
});

test("a two-frame TIFF chosen in the picker becomes a two-page document, each page with its frame's image", async ({ page }) => {
  const frame = (block: number) => {
    const [width, height] = [600, 800];
    const samples = new Uint8Array(width * height).fill(255);
    for (let y = 100 + block * 200; y < 250 + block * 200; y++) samples.fill(0, y * width + 80, y * width + 520);
    return { width, height, samples, compression: "deflate" as const };
  };
  await page.goto("/");
  const input = page.getByTestId("file-input");
  expect((await input.getAttribute("accept"))!.split(",")).toEqual(expect.arrayContaining(["application/pdf", "image/png", "image/jpeg", "image/webp", "image/tiff", ".tif"]));
  await input.setInputFiles({ name: "scan.tif", mimeType: "image/tiff", buffer: Buffer.from(encodeTiff([frame(0), frame(1)])) });
  await page.getByTestId("upload-row").filter({ hasText: "scan.tif" }).getByRole("link", { name: "Open scan.tif" }).click();
  await expect(page.getByTestId("document-title")).toHaveText("scan.tif");
  await expect(page.getByTestId("document-status")).toHaveAttribute("data-status", "done");
  await expect(page.locator('[data-testid^="page-"][data-status="done"]')).toHaveCount(2);
  for (const n of [1, 2]) {
    const img = page.getByTestId(`page-${n}`).locator("img").first();
    await expect(img).toHaveAttribute("src", new RegExp(`/pages/${n}/image$`));
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  }
});
