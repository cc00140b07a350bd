#!/usr/bin/env bash
# Every test: type check, unit + integration (vitest: real Postgres, real S3 protocol, real onnxruntime),
# then the browser tests (Playwright against the production build with the real worker).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 # as in the Dockerfile and scripts/dev.ts
rm -rf .test-data
npx tsc --noEmit
npx vitest run
npx next build
npx playwright test
