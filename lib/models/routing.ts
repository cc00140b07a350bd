/**
 * Which worker takes a model's jobs. Each model has its own task identifiers (`page__detect@<model id>`), and a
 * worker registers them only for the models it loaded (WORKER_MODELS). Graphile Worker fetches only jobs whose
 * task the worker registered, so a job for a model no worker serves stays queued, untouched (no attempt spent),
 * until a worker that serves it starts. Job flags cannot do this in Graphile Worker 0.18: a worker can only
 * forbid flags, so it would have to list every model it does not serve, including ones installed elsewhere.
 * Queue names serialise jobs; they do not route them.
 */
export const DOCUMENT_TASK = "document__process";
export const DETECT_TASK = "page__detect";

export type DetectJobRouting = {
  modelId: string;
  /** Task identifier of the document job (opens the PDF, adds the page jobs). */
  documentTask: `${typeof DOCUMENT_TASK}@${string}`;
  /** Task identifier of each page's detection job. */
  pageTask: `${typeof DETECT_TASK}@${string}`;
};

/** What addJob needs to send a model's work to a worker that serves it. Every page__detect and document__process job is added with it. */
export function detectJobRouting(modelId: string): DetectJobRouting {
  return { modelId, documentTask: `${DOCUMENT_TASK}@${modelId}`, pageTask: `${DETECT_TASK}@${modelId}` };
}

/** The model a routed task identifier is for; null for other tasks and for jobs queued before routing existed. */
export function modelOfTask(taskIdentifier: string): string | null {
  const at = taskIdentifier.indexOf("@");
  if (at < 0) return null;
  const task = taskIdentifier.slice(0, at);
  return task === DOCUMENT_TASK || task === DETECT_TASK ? taskIdentifier.slice(at + 1) : null;
}

/** The status text of a document whose model no live worker serves. */
export const waitingMessage = (modelId: string) => `waiting for a worker with model ${modelId}`;

/** What `model:add` / `model:pull` tell the user once a folder is in models/: it is listed; a worker must serve it. */
export const installedHint = (modelId: string, dir: string) =>
  `installed in ${dir}: uploads can choose "${modelId}"; a worker serves it with WORKER_MODELS=${modelId} (or make it the default with DEFAULT_MODEL=${modelId})`;
