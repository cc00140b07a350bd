/**
 * Whether a page, once drawn, can be replayed at another scale without losing sharpness.
 *
 * @napi-rs/canvas records what pdf.js draws (an SkPicture) and rasterises it when the pixels are read, so the
 * model-size draw can be played back at the viewer's size (`drawCanvas`) instead of pdf.js walking the page's
 * operators a second time. That gives the same pixels for fills and glyphs; a stroke thinner than a pixel at the
 * model's size (which pdf.js widens to one pixel there) comes out two viewer pixels wide instead of one. Anything
 * pdf.js rasterises itself on a scratch canvas at the draw's scale (images, image masks, tiling patterns and mesh
 * shadings, transparency groups, soft masks, Type3 glyphs, which may hold image masks) would come back upscaled,
 * so such a page is drawn again.
 */
import { OPS, type PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";

const RASTERISED = new Set<number>([
  OPS.paintImageMaskXObject,
  OPS.paintImageMaskXObjectGroup,
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintInlineImageXObjectGroup,
  OPS.paintImageXObjectRepeat,
  OPS.paintImageMaskXObjectRepeat,
  OPS.paintSolidColorImageMask,
  OPS.shadingFill,
  // Pattern colours: a tiling pattern is drawn on a scratch canvas.
  OPS.setFillColorN,
  OPS.setStrokeColorN,
  OPS.beginGroup,
]);

type OperatorList = { fnArray: number[]; argsArray: unknown[] };

/**
 * Watches the operators as pdf.js executes them (render's public `operationsFilter`, which runs none fewer):
 * `vector` stays true while nothing the page drew was rasterised at the draw's scale.
 */
export function watchVectorOnly(page: PDFPageProxy): { vector: boolean; filter: (index: number, list: OperatorList) => boolean } {
  const watch = {
    vector: true,
    filter: (index: number, list: OperatorList) => {
      if (watch.vector && rasterises(page, list.fnArray[index]!, list.argsArray[index])) watch.vector = false;
      return true;
    },
  };
  return watch;
}

function rasterises(page: PDFPageProxy, fn: number, args: unknown): boolean {
  if (RASTERISED.has(fn)) return true;
  if (fn === OPS.setGState) {
    // [[key, value], ...]: a soft mask draws what follows on scratch canvases.
    const entries = (Array.isArray(args) ? args[0] : null) as unknown;
    return Array.isArray(entries) && entries.some((e) => Array.isArray(e) && e[0] === "SMask" && Boolean(e[1]));
  }
  if (fn === OPS.setFont) {
    const name = Array.isArray(args) ? args[0] : null;
    if (typeof name !== "string" || !page.commonObjs.has(name)) return false;
    return (page.commonObjs.get(name) as { isType3Font?: boolean } | null)?.isType3Font === true;
  }
  return false;
}
