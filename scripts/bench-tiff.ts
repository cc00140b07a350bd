/**
 * TIFF pages: time and memory of rendering each frame of a multi-page scan (the render thread decodes one
 * frame per page request), on generated A4 frames in 8-bit grayscale.
 *
 *   tsx scripts/bench-tiff.ts [--frames 4] [--dpi 300] [--compression deflate|lzw|none]
 *
 * Prints the file size, the open time (frame directories read and checked), the median render time per
 * page (decode + draw at the model size + JPEG encode + model input), and the process's peak RSS while
 * rendering against its RSS after opening.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createRenderer } from "../worker/render/renderer";
import { readTiffLayout, tiffDecodeBytes } from "../lib/tiff-layout";
import { encodeTiff, type FixtureFrame } from "./test/tiff-fixture";

const { values } = parseArgs({ options: { frames: { type: "string", default: "4" }, dpi: { type: "string", default: "300" }, compression: { type: "string", default: "deflate" } } });
const frames = Number(values.frames);
const dpi = Number(values.dpi);
const compression = values.compression === "lzw" || values.compression === "none" ? values.compression : "deflate";
const [width, height] = [Math.round((210 / 25.4) * dpi), Math.round((297 / 25.4) * dpi)];

/** White paper with dark text lines, different on each frame. */
function frame(i: number): FixtureFrame {
  const samples = new Uint8Array(width * height).fill(250);
  const line = Math.round(dpi / 12);
  for (let y = Math.round(dpi); y < height - dpi; y += line * 2) {
    const end = Math.round(width - dpi - ((y * 7 + i * 131) % Math.round(dpi * 3)));
    for (let r = y; r < y + line; r++) samples.fill(20, r * width + Math.round(dpi), r * width + end);
  }
  return { width, height, samples, compression };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(b < 10 * 1024 * 1024 ? 2 : 0)} MiB`;

const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-bench-tiff-"));
try {
  const file = path.join(dir, "scan.tif");
  const bytes = encodeTiff(Array.from({ length: frames }, (_, i) => frame(i)));
  await writeFile(file, bytes);
  const layout = readTiffLayout(bytes);
  const estimate = layout.ok ? tiffDecodeBytes(layout.frames[0]!) : Number.NaN;
  const renderer = createRenderer({ timeoutMs: 120_000, maxPixels: 4_000_000 });
  let openStarted = performance.now();
  await renderer.open(file); // the first open also boots the thread
  openStarted = performance.now();
  await writeFile(file, bytes); // a new mtime: opened again, directories read again
  await renderer.open(file);
  const openMs = performance.now() - openStarted;
  const baseRss = process.memoryUsage().rss;
  let peak = baseRss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const times: number[] = [];
  for (let n = 1; n <= frames; n++) {
    const page = await renderer.render({ pdfPath: file, pageNumber: n, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: "jpeg" });
    times.push(page.renderMs + page.encodeMs);
  }
  clearInterval(sampler);
  await renderer.close();
  console.log(`cpu: ${os.cpus()[0]?.model} x ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`${frames} frames of ${width} x ${height} (${dpi} dpi A4, 8-bit gray, ${compression}): file ${mib(bytes.length)}`);
  console.log(`open (directories read and checked): ${openMs.toFixed(1)} ms`);
  console.log(`render per page, median: ${median(times).toFixed(0)} ms (all: ${times.map((t) => t.toFixed(0)).join(", ")})`);
  console.log(`RSS after open ${mib(baseRss)}, peak while rendering ${mib(peak)} (+${mib(peak - baseRss)}; the decode cap's estimate for one frame: ${mib(estimate)})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
