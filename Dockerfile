# Airbyte source image for cio-sync (Airbyte's conventions: AIRBYTE_ENTRYPOINT, io.airbyte.* labels;
# the platform appends `spec`, `check --config ...`, `discover ...` or `read ...` to the entrypoint).
# Build: docker build -t airbyte/source-cio-sync:0.1.0 .

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# Installing builds nothing (the package's build runs only when asked, or before `npm pack`): build
# dist/ here, then keep only the runtime dependencies.
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /airbyte/integration_code
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
USER node
# `cio-sync serve` (README, Delivery events) runs from this image too, with --entrypoint node.
EXPOSE 8080

ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/dist/bin/main.js airbyte"
ENTRYPOINT ["node", "/airbyte/integration_code/dist/bin/main.js", "airbyte"]

LABEL io.airbyte.name=airbyte/source-cio-sync
LABEL io.airbyte.version=0.1.0
