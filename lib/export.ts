import type { DetectionRow, Document, Page } from "../db/schema";
import type { CocoExport, DetectionsJson } from "./export-schema";

/**
 * The documented JSON export (see README, "Detections JSON"). Boxes are given twice: in PDF points
 * (origin top-left of the page as displayed) and normalised to 0..1. Version 2 adds each region's text,
 * its source and reading order, and each page's text layer state and unassigned text; it is v1 plus fields.
 * Detections come in reading order (as the database returns them).
 */
export function toDetectionsJson(doc: Document, pages: Page[], detections: DetectionRow[], run = 1): DetectionsJson {
  const byPage = groupBy(detections, (d) => d.pageId);
  return {
    schema: "pagewise.detections/v2",
    document: { id: doc.id, filename: doc.filename, status: doc.status, pageCount: doc.pageCount },
    model: { id: doc.modelId, name: doc.modelName, version: doc.modelVersion, kind: doc.modelKind },
    run,
    pages: pages.map((p) => ({
      pageNumber: p.pageNumber,
      status: p.status,
      widthPt: p.widthPt,
      heightPt: p.heightPt,
      note: p.note,
      textLayer: p.textLayer,
      unassignedText: p.unassignedText,
      detections: (byPage.get(p.id) ?? []).map((d) => ({
        label: d.label,
        classIndex: d.classIndex,
        score: round(d.score, 4),
        box: { x1: round(d.x1, 6), y1: round(d.y1, 6), x2: round(d.x2, 6), y2: round(d.y2, 6) },
        boxPt: p.widthPt && p.heightPt
          ? { x1: round(d.x1 * p.widthPt, 2), y1: round(d.y1 * p.heightPt, 2), x2: round(d.x2 * p.widthPt, 2), y2: round(d.y2 * p.heightPt, 2) }
          : null,
        polygon: d.polygon,
        order: d.readingOrder,
        text: d.text,
        textSource: d.textSource,
        ocrConfidence: d.ocrConfidence === null ? null : round(d.ocrConfidence, 4),
      })),
    })),
  };
}

/**
 * COCO detection results plus images/categories, in the pixels of the stored page images. Categories are
 * the model's label map (category id = class index + 1), or, for a document processed before label maps
 * were stored, the classes its detections have.
 */
export function toCoco(doc: Document, pages: Page[], detections: DetectionRow[], run = 1): CocoExport {
  const byPage = groupBy(detections, (d) => d.pageId);
  const categoryIds = new Map<string, number>();
  doc.modelLabels?.forEach((label, i) => categoryIds.has(label) || categoryIds.set(label, i + 1));
  for (const d of detections) if (!categoryIds.has(d.label)) categoryIds.set(d.label, d.classIndex + 1);
  let annotationId = 0;
  const done = pages.filter((p) => p.status === "done" && p.imageWidth && p.imageHeight);
  return {
    info: { description: `Pagewise detections for ${doc.filename} (run ${run})`, model: doc.modelId, version: doc.modelVersion, run },
    images: done.map((p) => ({ id: p.pageNumber, file_name: `page-${p.pageNumber}.${/\.(\w+)$/.exec(p.imageKey ?? "")?.[1] ?? "webp"}`, width: p.imageWidth, height: p.imageHeight })),
    categories: [...categoryIds].map(([name, id]) => ({ id, name })),
    annotations: done.flatMap((p) =>
      (byPage.get(p.id) ?? []).map((d) => {
        const w = p.imageWidth!;
        const h = p.imageHeight!;
        const bbox = [d.x1 * w, d.y1 * h, (d.x2 - d.x1) * w, (d.y2 - d.y1) * h].map((v) => round(v, 2));
        return {
          id: ++annotationId,
          image_id: p.pageNumber,
          category_id: categoryIds.get(d.label)!,
          bbox,
          area: round(bbox[2]! * bbox[3]!, 2),
          iscrowd: 0,
          score: round(d.score, 4),
          ...(d.polygon ? { segmentation: [d.polygon.flatMap(([x, y]) => [round(x * w, 2), round(y * h, 2)])] } : {}),
        };
      }),
    ),
  };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
