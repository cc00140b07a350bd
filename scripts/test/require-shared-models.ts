import { parseEnv } from "../../lib/env";
import { missingSharedFiles, SHARED_MODELS_DIR } from "../../worker/model/test-models";

/**
 * Vitest global setup: the real-Detectron2 tests skip where ../shared/models is absent (a laptop), so in CI,
 * where it is always provided, its absence fails the run instead of letting those tests vanish.
 */
export default function requireSharedModels() {
  const missing = missingSharedFiles();
  if (missing.length === 0) return;
  if (parseEnv(process.env).CI) {
    throw new Error(`CI: ${SHARED_MODELS_DIR} is incomplete (missing ${missing.join(", ")}); the real Detectron2 tests would be skipped`);
  }
  console.warn(`${SHARED_MODELS_DIR} is incomplete (missing ${missing.length} files): the real Detectron2 tests are skipped (CI=true makes this an error)`);
}
