// Plain JavaScript on purpose: every `npm run` entry point runs this first (`node scripts/node-version.mjs &&
// ...`), so it must parse and run on the old Node it is there to refuse, before any TypeScript loads.
// `node scripts/node-version.mjs [version]`: exit 1 with one sentence when the version (default: this Node's)
// is below what Pagewise needs. Keep MINIMUM equal to package.json "engines" (a test checks).
import { fileURLToPath } from "node:url";

export const MINIMUM = "22.18.0";

function parse(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version).trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

export function isSupported(version) {
  const have = parse(version);
  const need = parse(MINIMUM);
  if (!have) return false;
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

/** How to get Node 24 without root: the official binary from the npm registry, as .ci/run does. */
export function installHint(platform, arch) {
  const pkg = "node-" + (platform === "win32" ? "win" : platform) + "-" + arch;
  return (
    "mkdir -p .tools && npm install --prefix .tools --no-save " + pkg + "@24 && " +
    'export PATH="$PWD/.tools/node_modules/' + pkg + '/bin:$PATH"'
  );
}

export function versionProblem(version, platform, arch) {
  if (isSupported(version)) return null;
  const major = MINIMUM.split(".").slice(0, 2).join(".");
  return "Pagewise needs Node >= " + major + ", you have " + String(version).replace(/^v/, "") +
    "; get Node 24 with: " + installHint(platform, arch);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problem = versionProblem(process.argv[2] || process.versions.node, process.platform, process.arch);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
