#!/usr/bin/env node
// `npx pagewise …` from the checkout: runs the TypeScript client through tsx (a dependency).
import { register } from "tsx/esm/api";

register();
const { main } = await import("./pagewise.ts");
process.exitCode = await main(process.argv.slice(2));
