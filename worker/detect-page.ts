import type { WorkerDeps } from "./deps";
import { ModelRunError } from "./model/session";
import type { RenderedPage } from "./render/protocol";

/**
 * Runs the model on a rendered page. A graph that raises on this page (ModelRunError) costs the page its boxes,
 * not the job: it comes back with none and a note saying why.
 */
export async function detectOnPage(model: WorkerDeps["model"], rendered: RenderedPage, log: WorkerDeps["logger"]) {
  try {
    const { detections, inferMs } = await model.run(rendered.modelInput, rendered.modelWidth, rendered.modelHeight, {
      width: rendered.imageWidth,
      height: rendered.imageHeight,
    });
    return { detections, inferMs, note: null };
  } catch (error) {
    if (!(error instanceof ModelRunError)) throw error;
    log.warn("model raised on page", { reason: error.message });
    return { detections: [], inferMs: 0, note: `The model raised an error on this page, so it has no detections (${error.message.slice(0, 200)}).` };
  }
}
