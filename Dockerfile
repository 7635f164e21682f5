# tracewalk on Node 24 (the production runtime): a multi-stage build whose runtime image holds only the
# production dependencies, the compiled dist/ and the example configs, and runs as the non-root `node`.
# test/deploy/dockerfile.test.ts builds the same tree (the `deps` stage's command, dist/, config/)
# outside a container and runs it, so what this image copies is proven to start.

# Production dependencies only. --ignore-scripts: the package's own `prepare` (a build) needs the dev
# tools, and no production dependency has an install script. vendor/ holds two packages that
# package.json's `overrides` point at.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The compiler and the build.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY vendor ./vendor
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
# tsc, then @platformatic/kafka bundled into dist/kafka/platformatic-lib.js (one file, loads ~3x faster).
COPY scripts/bundle-kafka.mjs ./scripts/
RUN npm run build

FROM node:24-slim
# tini as PID 1 passes SIGTERM on to node (the daemon drains and flushes within drain_timeout, 8 s by
# default, inside `docker stop`'s 10 s) and gives commands without their own handlers (generate) the
# default action, which node as PID 1 would ignore. The base image's tag pins the distribution.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /app/out && chown 1000:1000 /app/out
WORKDIR /app
ENV NODE_ENV=production
# The engine and the Kafka client allocate per event; a larger young generation cuts GC time.
ENV NODE_OPTIONS=--max-semi-space-size=64
# Metrics listen on all interfaces inside the container; publish the port to expose them.
ENV TRACEWALK_METRICS__HOST=0.0.0.0
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The `node` user of the base image (uid 1000), which owns only /app/out (the default file sink writes
# out/events.jsonl there; mount a volume on it to keep the events). Mount a config file and pass
# `--config FILE`; `TRACEWALK_*` variables override it and `${VAR}` in it reads the environment.
USER 1000:1000
EXPOSE 9464
# No curl in the slim image: node's fetch asks /healthz on the metrics port (TRACEWALK_METRICS__PORT).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.TRACEWALK_METRICS__PORT||9464}/healthz`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/main.js"]
CMD ["run"]
