# syntax=docker/dockerfile:1
#
# One image for every CityAssist service; the command picks the service:
#   docker run <image> gateway/src/main.ts            (also subgraphs/{zones,reports,predictions}/src/main.ts,
#                                                      etl/worker.ts, etl/run.ts)
# Targets: `runtime` (default, the services) and `training` (runtime + Debian's Python for
# training/train.py, used by the retraining CronJobs). docs/deploy.md says why one image.
#
#   docker build -t cityassist .
#   docker build --target training -t cityassist-training .
#
# The services run their TypeScript sources with tsx as the loader, exactly as tested, so the build
# stage builds only the dashboard; the runtime keeps production dependencies + tsx
# (scripts/runtime-deps.sh, which test/deploy.e2e.ts reproduces in a temp folder).

# Pin by digest in CI (docker buildx imagetools inspect node:24-bookworm-slim). Bookworm: the Debian
# the training packages (xgboost 1.7.4, scikit-learn 1.2.1, onnx 1.12, torch 1.13) were validated on.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node's install script would download CUDA libraries; the CPU binary ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false
COPY package.json package-lock.json .npmrc ./
COPY gateway/package.json gateway/
COPY subgraphs/zones/package.json subgraphs/zones/
COPY subgraphs/reports/package.json subgraphs/reports/
COPY subgraphs/predictions/package.json subgraphs/predictions/
COPY etl/package.json etl/
COPY packages/client/package.json packages/client/
COPY packages/db/package.json packages/db/
COPY packages/events/package.json packages/events/
COPY packages/feature-store/package.json packages/feature-store/
COPY packages/geo/package.json packages/geo/
COPY packages/inference/package.json packages/inference/
COPY packages/redis/package.json packages/redis/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/treeshap/package.json packages/treeshap/
COPY dashboard/package.json dashboard/
# --ignore-scripts: the root `prepare` (the dashboard build) needs the sources, copied below.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build:dashboard

FROM deps AS prod-deps
COPY scripts/runtime-deps.sh scripts/
RUN sh scripts/runtime-deps.sh

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node (which drains, see the README's Shutdown) and reaps
# zombies; node itself as PID 1 would ignore signals it has no handler for.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    npm_config_update_notifier=false
WORKDIR /app
# Everything is owned by root and read-only for the service's user: the root filesystem can be
# mounted read-only. Writable: /tmp (tsx's cache) and, with models pulled from S3, /models.
# prod-deps holds the root and workspace node_modules (production + tsx) and the package.json files.
COPY --from=prod-deps /app ./
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY packages ./packages
COPY --from=build /app/dashboard/dist ./dashboard/dist
COPY schema ./schema
COPY data ./data
COPY etl ./etl
COPY training/experiments ./training/experiments
# Models baked in by version (models.source=image); with models.source=s3, MODELS_DIR=/models instead.
COPY models ./models
# What tsx needs to run the sources (the repository's tsconfig.json extends devDependencies).
COPY scripts/tsconfig.runtime.json ./tsconfig.json
# A numeric user, so Kubernetes can check runAsNonRoot.
USER 10001:10001
EXPOSE 4000 4001 4002 4003
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--import", "tsx"]
CMD ["gateway/src/main.ts"]

# The training image: the runtime plus Debian's Python packages (PyPI is not used), for
# `/usr/bin/python3 training/train.py <model> --config …` and publishing the result to S3.
FROM runtime AS training
USER root
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       python3 python3-xgboost python3-sklearn python3-onnx python3-torch python3-pandas python3-pil \
    && rm -rf /var/lib/apt/lists/*
COPY training ./training
ENV PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/usr/bin/python3", "training/train.py", "--help"]
