import type { Db } from "../db/client";
import type { Env } from "../lib/env";
import type { Logger } from "../lib/logger";
import type { Storage } from "../lib/s3";
import type { LoadedModel } from "./model/session";
import type { PdfCache } from "./pdf-cache";
import type { Renderer } from "./render/renderer";

/** Everything a task needs, passed in rather than imported, so tests can build their own. */
export type WorkerDeps = {
  db: Db;
  storage: Storage;
  renderer: Renderer;
  model: LoadedModel;
  pdfCache: PdfCache;
  env: Env;
  logger: Logger;
};
