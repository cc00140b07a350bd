/** `npm run model:pull -- <name>`: download a public model into models/<name>. */
import path from "node:path";
import { env } from "../lib/env";
import { installedHint } from "../lib/models/routing";
import { pullModel } from "../worker/model/pull";
import { publicModels } from "../worker/model/registry";

const name = process.argv[2];
const model = name ? publicModels[name] : undefined;
if (!name || !model) {
  console.error(`usage: npm run model:pull -- <name>\nknown models: ${Object.keys(publicModels).join(", ")}`);
  process.exit(2);
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
let lastPrint = 0;
try {
  const result = await pullModel({
    name,
    model,
    hubUrl: env().MODEL_HUB_URL,
    modelsDir: path.resolve(import.meta.dirname, "..", "models"),
    onProgress: ({ received, total }) => {
      if (Date.now() - lastPrint < 500) return;
      lastPrint = Date.now();
      process.stderr.write(`\r${name}: ${mib(received)}${total ? ` / ${mib(total)} MiB (${Math.floor((received / total) * 100)}%)` : " MiB"}   `);
    },
  });
  process.stderr.write("\n");
  console.log(`${name}: ${mib(result.bytes)} MiB, sha256 ${result.sha256} verified -> ${result.dir}`);
  console.log(installedHint(model.manifest.id, path.relative(process.cwd(), result.dir) || "."));
} catch (error) {
  process.stderr.write("\n");
  console.error(`model:pull ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
