/** `npm run model:baseline`: (re)generates the heuristic baseline graph in models/baseline. */
import { stat } from "node:fs/promises";
import { ensureBaselineModel } from "../worker/model/baseline";

const file = await ensureBaselineModel();
console.log(`${file}: ${(await stat(file)).size} bytes (heuristic baseline, not a trained model)`);
