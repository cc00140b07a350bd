/**
 * Page rendering speed: our renderer (pdf.js + @napi-rs/canvas in a worker thread, PNG + model input)
 * against poppler's pdftoppm at the same size (800 px short edge, PNG), on generated pages.
 *
 *   tsx scripts/bench-render.ts [--pages 20] [--format png|webp|jpeg] [--display 1600]
 *
 * --display: the viewer's image drawn apart at that width (what the worker stores), the model input at 800.
 * Prints medians in ms/page, and the stored image's size per page. pdftoppm is timed two ways: one process per page (what a per-page job
 * would pay, parse included) and one process for the whole document (divided by the page count).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createRenderer } from "../worker/render/renderer";
import { buildDocument } from "./fixtures/test-pdf";

const { values } = parseArgs({
  options: { pages: { type: "string", default: "20" }, format: { type: "string", default: "png" }, display: { type: "string", default: "0" } },
});
const pages = Number(values.pages);
const format = values.format === "webp" || values.format === "jpeg" ? values.format : "png";
const displayWidth = Number(values.display);
if (!Number.isInteger(displayWidth) || displayWidth < 0) throw new Error("--display must be a width in pixels (0: none)");
if (!Number.isInteger(pages) || pages < 1) throw new Error("--pages must be a positive integer");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-bench-render-"));
try {
  const pdfPath = path.join(dir, "doc.pdf");
  await writeFile(pdfPath, buildDocument(pages));
  // US letter is 612 pt wide: 800 px is 800 / 612 * 72 dpi.
  const dpi = (800 / 612) * 72;

  const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 4_000_000 });
  const bootStarted = performance.now();
  await renderer.open(pdfPath);
  const bootMs = performance.now() - bootStarted;
  const wall: number[] = [];
  const render: number[] = [];
  const encode: number[] = [];
  const display: number[] = [];
  const bytes: number[] = [];
  let shown = "";
  let replayed = 0;
  // The whole process's CPU (render thread, libuv's pool for the encoders, this thread waiting): what a page costs
  // the worker's cores besides inference, steadier than wall time on a shared host.
  const cpuBefore = process.cpuUsage();
  for (let n = 1; n <= pages; n++) {
    const started = performance.now();
    const page = await renderer.render({ pdfPath, pageNumber: n, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: format, ...(displayWidth ? { displayWidth } : {}) });
    wall.push(performance.now() - started);
    render.push(page.renderMs);
    encode.push(page.encodeMs);
    display.push(page.displayMs);
    bytes.push(page.image.byteLength);
    if (page.displayReplayed) replayed++;
    shown = `${page.imageWidth} x ${page.imageHeight}`;
    if (page.modelWidth !== 800 || page.modelHeight !== 1035) throw new Error(`unexpected size ${page.modelWidth}x${page.modelHeight}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerPage = (cpu.user + cpu.system) / 1000 / pages;
  await renderer.close();

  const poppler = spawnSync("pdftoppm", ["-v"]).status === 0;
  const perProcess: number[] = [];
  let wholeDoc = Number.NaN;
  if (poppler) {
    for (let n = 1; n <= pages; n++) {
      const started = performance.now();
      const r = spawnSync("pdftoppm", ["-f", String(n), "-l", String(n), "-r", dpi.toFixed(4), "-png", pdfPath, path.join(dir, `p${n}`)]);
      if (r.status !== 0) throw new Error(`pdftoppm failed: ${r.stderr}`);
      perProcess.push(performance.now() - started);
    }
    const started = performance.now();
    const r = spawnSync("pdftoppm", ["-r", dpi.toFixed(4), "-png", pdfPath, path.join(dir, "all")]);
    if (r.status !== 0) throw new Error(`pdftoppm failed: ${r.stderr}`);
    wholeDoc = (performance.now() - started) / pages;
  }

  const kib = bytes.reduce((a, b) => a + b, 0) / bytes.length / 1024;
  console.log(`${pages} generated letter pages, model input 800 x 1035, stored image ${shown} ${format.toUpperCase()}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}`);
  console.log(`ours: thread start + open ${ms(bootMs)}; per page median ${ms(median(wall))} (render ${ms(median(render))}, display image ${ms(median(display))}, encode + model input ${ms(median(encode))}); CPU ${ms(cpuMsPerPage)}/page; viewer image replayed from the model's drawing on ${replayed} of ${pages} pages; stored ${kib.toFixed(0)} KiB/page`);
  console.log(JSON.stringify({ pages, format, displayWidth, imageSize: shown, wallMsPerPage: +median(wall).toFixed(1), renderMsPerPage: +median(render).toFixed(1), displayMsPerPage: +median(display).toFixed(1), encodeMsPerPage: +median(encode).toFixed(1), cpuMsPerPage: +cpuMsPerPage.toFixed(1), replayedPages: replayed, storedKiBPerPage: +kib.toFixed(1) }));
  if (poppler) console.log(`pdftoppm -r ${dpi.toFixed(2)} -png: one process per page median ${ms(median(perProcess))}; whole document ${ms(wholeDoc)}/page`);
  else console.log("pdftoppm: not installed (apt-get install poppler-utils), no comparison");
} finally {
  await rm(dir, { recursive: true, force: true });
}
