/**
 * Text figures for issue 17, apart from scripts/bench.ts: `npx tsx scripts/bench-text.ts [--mode text|ocr] [--pages N]`.
 * text: born-digital pages rendered and detected (heuristic baseline) as page__detect does; textMsPerPage is
 * reading the text layer plus assignment and reading order, set against render + encode + inference.
 * ocr: the same pages as 150-dpi scans in an image-only PDF, rendered at OCR resolution, regions detected,
 * then read by tesseract.js; ocrMsPerPage and per region. Each mode reports its process's peak RSS (VmHWM):
 * run the modes as separate processes to compare the layouts (model + OCR in one process vs apart).
 */
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { BASELINE_DIR, ensureBaselineModel } from "../worker/model/baseline";
import { readModelFolder } from "../worker/model/manifest";
import { renderPolicy } from "../worker/model/policy";
import { loadModel } from "../worker/model/session";
import { createRecognizer } from "../worker/ocr/recognizer";
import { ocrRenderRequest } from "../worker/ocr/render";
import { createRenderer } from "../worker/render/renderer";
import { pageContent } from "../worker/text/page-content";
import { scanPage } from "./fixtures/scan";
import { buildPdf, documentPages, imageOnlyPdf, paperPage, type ScannedPage } from "./fixtures/test-pdf";

const { values } = parseArgs({ options: { mode: { type: "string", default: "text" }, pages: { type: "string", default: "20" } } });
const pageCount = Number(values.pages);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
async function peakMiB() {
  const status = await readFile("/proc/self/status", "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-bench-text-"));
const renderer = createRenderer({ timeoutMs: 120_000, maxPixels: 8_000_000 });
await ensureBaselineModel();
const model = await loadModel(await readModelFolder(BASELINE_DIR));
const specs = [paperPage(), ...documentPages(pageCount - 1)];
const born = path.join(dir, "born.pdf");
await writeFile(born, buildPdf(specs));

try {
  if (values.mode === "text") {
    const text: number[] = [];
    const rest: number[] = [];
    for (let n = 1; n <= specs.length; n++) {
      const page = await renderer.render({ pdfPath: born, pageNumber: n, resize: renderPolicy(model), inputFormat: model.manifest.inputFormat, imageFormat: "webp" });
      const { detections, inferMs } = await model.run(page.modelInput, page.modelWidth, page.modelHeight, { width: page.imageWidth, height: page.imageHeight });
      const w = page.imageWidth;
      const h = page.imageHeight;
      const content = pageContent(page.text, detections.map((d) => ({ label: d.label, box: [d.box[0] / w, d.box[1] / h, d.box[2] / w, d.box[3] / h] as [number, number, number, number] })), { widthPt: page.widthPt, heightPt: page.heightPt });
      text.push(content.textMs);
      rest.push(page.renderMs + page.encodeMs + inferMs);
    }
    const textMsPerPage = median(text);
    console.log(JSON.stringify({ mode: "text", pages: specs.length, textMsPerPage: Math.round(textMsPerPage * 10) / 10, renderEncodeInferMsPerPage: Math.round(median(rest)), textShare: Math.round((textMsPerPage / median(rest)) * 1000) / 1000, peakRssMiB: await peakMiB() }));
  } else {
    const scans: ScannedPage[] = [];
    for (let n = 1; n <= specs.length; n++) {
      const one = path.join(dir, `p${n}.pdf`);
      await writeFile(one, buildPdf([specs[n - 1]!]));
      scans.push(await scanPage(renderer, one, false));
    }
    const scanned = path.join(dir, "scanned.pdf");
    await writeFile(scanned, imageOnlyPdf(scans));
    const before = await peakMiB();
    const recognizer = createRecognizer({ lang: "eng" });
    const perPage: number[] = [];
    const perRegion: number[] = [];
    for (let n = 1; n <= specs.length; n++) {
      const page = await renderer.render({ pdfPath: scanned, pageNumber: n, resize: renderPolicy(model), inputFormat: model.manifest.inputFormat, imageFormat: "webp" });
      const { detections } = await model.run(page.modelInput, page.modelWidth, page.modelHeight, { width: page.imageWidth, height: page.imageHeight });
      const regions = detections.filter((d) => d.label !== "Figure").map((d) => ({ box: [d.box[0] / page.imageWidth, d.box[1] / page.imageHeight, d.box[2] / page.imageWidth, d.box[3] / page.imageHeight] as [number, number, number, number] }));
      const started = performance.now();
      const hi = await renderer.render(ocrRenderRequest(scanned, n, { widthPt: page.widthPt, heightPt: page.heightPt }));
      await recognizer.readRegions(hi.image, regions);
      const ms = performance.now() - started;
      perPage.push(ms);
      if (regions.length) perRegion.push(ms / regions.length);
    }
    await recognizer.close();
    console.log(JSON.stringify({ mode: "ocr", pages: specs.length, ocrMsPerPage: Math.round(median(perPage)), ocrMsPerRegion: Math.round(mean(perRegion)), peakRssMiBBeforeOcr: before, peakRssMiB: await peakMiB(), firstPageMs: Math.round(perPage[0] ?? 0) }));
  }
} finally {
  await renderer.close();
  await model.release();
  await rm(dir, { recursive: true, force: true });
}
