/**
 * Installs the second model the browser tests choose on upload (the contract test model: one box over each page's
 * upper left quarter, untrained) in the folder named by the first argument.
 */
import path from "node:path";
import { buildContractModel, writeModelFolder } from "../../worker/model/test-models";
import { E2E_MODEL } from "./e2e-model";


const dir = process.argv[2];
if (dir) {
  await writeModelFolder(path.join(dir, E2E_MODEL.id), buildContractModel({ classes: 5 }), { ...E2E_MODEL, kind: "untrained" });
}
