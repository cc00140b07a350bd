/** Pages for calibration and the fidelity check: PDFs rendered with the worker's own renderer and pre-processing. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildPdf, standardLayoutPage } from "../../../scripts/fixtures/test-pdf";
import { createRenderer } from "../../render/renderer";
import type { RenderedPage } from "../../render/protocol";
import { fileSha256 } from "../session";
import type { Adapter } from "./adapters";

export type PageSource = { pdfPath: string; sha256: string; pages: number[]; generated: boolean };

/** Up to `limit` pages from each file, in order. */
export async function pdfSources(files: string[], limit: number, open: (pdf: string) => Promise<number>): Promise<PageSource[]> {
  const out: PageSource[] = [];
  let left = limit;
  for (const pdfPath of files) {
    if (left <= 0) break;
    const count = await open(pdfPath);
    const pages = Array.from({ length: Math.min(count, left) }, (_, i) => i + 1);
    left -= pages.length;
    out.push({ pdfPath, sha256: await fileSha256(pdfPath), pages, generated: false });
  }
  return out;
}

/** Generated pages (scripts/fixtures/test-pdf.ts) with layouts and words `first..first+count-1`, so two sets never share a page. */
export async function generatedSource(dir: string, first: number, count: number): Promise<PageSource> {
  const pdfPath = path.join(dir, `generated-${first}-${count}.pdf`);
  await writeFile(pdfPath, buildPdf(Array.from({ length: count }, (_, i) => standardLayoutPage(first + i))));
  return { pdfPath, sha256: await fileSha256(pdfPath), pages: Array.from({ length: count }, (_, i) => i + 1), generated: true };
}

export type PageRenderer = {
  open(pdf: string): Promise<number>;
  pages(sources: PageSource[], adapter: Adapter): AsyncGenerator<{ page: RenderedPage; index: number; total: number; label: string }>;
  tempDir: string;
  close(): Promise<void>;
};

export async function pageRenderer(): Promise<PageRenderer> {
  const renderer = createRenderer({ timeoutMs: 120_000, maxPixels: 4_000_000 });
  const tempDir = await mkdtemp(path.join(tmpdir(), "pagewise-optimize-"));
  return {
    tempDir,
    open: async (pdf) => (await renderer.open(pdf)).pageCount,
    async *pages(sources, adapter) {
      const total = sources.reduce((n, s) => n + s.pages.length, 0);
      let index = 0;
      for (const source of sources) {
        await renderer.open(source.pdfPath);
        for (const pageNumber of source.pages) {
          const page = await renderer.render({ pdfPath: source.pdfPath, pageNumber, ...adapter.render, imageFormat: "png" });
          yield { page, index: index++, total, label: `${source.generated ? "generated" : path.basename(source.pdfPath)} p${pageNumber}` };
        }
      }
    },
    async close() {
      await renderer.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
