import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanPage } from "../../scripts/fixtures/scan";
import { blockTexts, buildPdf, displayedInkBoxes, imageOnlyPdf, paperPage } from "../../scripts/fixtures/test-pdf";
import { createRenderer } from "../render/renderer";
import { judgeTextLayer } from "../text/runs";
import { ocrRegionText } from "./ocr-text";
import { createRecognizer } from "./recognizer";
import { ocrRenderRequest } from "./render";

/**
 * Real tesseract.js, offline (the network is blocked here: a CDN fetch would fail the test), on a generated
 * page rendered to a 150-dpi image and wrapped as an image-only PDF; regions are where the blocks were drawn.
 */
const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 8_000_000 });
const recognizer = createRecognizer({ lang: "eng" });
const LETTER = { widthPt: 612, heightPt: 792 };
const SPEC = paperPage();
const LABELS = { title: "Title", text: "Text", list: "List", figure: "Figure" } as const;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-ocr-"));
});
afterAll(async () => {
  await recognizer.close();
  await renderer.close();
  await rm(dir, { recursive: true, force: true });
});

async function save(bytes: Uint8Array) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, bytes);
  return file;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** OCR of the scanned page's text blocks; character error rate over all of them. */
async function cer(degraded: boolean) {
  const pdf = await save(imageOnlyPdf([await scanPage(renderer, await save(buildPdf([SPEC])), degraded)]));
  const page = await renderer.render(ocrRenderRequest(pdf, 1, LETTER));
  expect(judgeTextLayer(page.text!.stats).state).toBe("none");
  const pad = 4;
  const blocks = SPEC.blocks!.map((b, i) => ({ block: b, ink: displayedInkBoxes(SPEC)[i]!, want: blockTexts(SPEC)[i]! })).filter((b) => b.block.kind !== "figure");
  const regions = blocks.map(({ ink }) => ({ box: [(ink.x1 - pad) / 612, (ink.y1 - pad) / 792, (ink.x2 + pad) / 612, (ink.y2 + pad) / 792] as [number, number, number, number] }));
  const started = performance.now();
  const results = await recognizer.readRegions(page.image, regions);
  const msPerRegion = (performance.now() - started) / regions.length;
  let errors = 0;
  let chars = 0;
  blocks.forEach(({ block, want }, i) => {
    const got = ocrRegionText(results[i]!.text, LABELS[block.kind]) ?? "";
    errors += levenshtein(want, got);
    chars += want.length;
  });
  const confidence = results.reduce((s, r) => s + r.confidence, 0) / results.length;
  return { cer: errors / chars, chars, msPerRegion, confidence };
}

describe("OCR of an image-only PDF", () => {
  it("clean 150-dpi scan: character error rate <= 1 %", async () => {
    const r = await cer(false);
    console.log(`OCR clean 150 dpi: CER ${(r.cer * 100).toFixed(2)} % over ${r.chars} chars, ${Math.round(r.msPerRegion)} ms/region, mean confidence ${r.confidence.toFixed(2)}`);
    expect(r.cer).toBeLessThanOrEqual(0.01);
  }, 300_000);

  it("degraded scan (blur + JPEG 40): character error rate <= 3 %", async () => {
    const r = await cer(true);
    console.log(`OCR degraded: CER ${(r.cer * 100).toFixed(2)} % over ${r.chars} chars, ${Math.round(r.msPerRegion)} ms/region, mean confidence ${r.confidence.toFixed(2)}`);
    expect(r.cer).toBeLessThanOrEqual(0.03);
  }, 300_000);
});
