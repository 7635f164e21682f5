# tracewalk on Node 24 (the production runtime). The daemon runs as `node` directly, PID 1 behind tini,
# so SIGTERM reaches it (npm and npx would not pass it on) and it drains and flushes before exit.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY vendor ./vendor
COPY src ./src
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# The engine and the Kafka client allocate per event; a larger young generation cuts GC time.
ENV NODE_OPTIONS=--max-semi-space-size=64
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
USER node
# Metrics listen on all interfaces inside the container; publish the port to expose them.
ENV TRACEWALK_METRICS__HOST=0.0.0.0
EXPOSE 9464
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/main.js"]
CMD ["run"]
