# One image for every careerfeed process; docker-compose.yml picks the process with `command`.
#   docker build -t careerfeed .
#   docker run --rm -p 3001:3001 careerfeed                                   # ingest (default)
#   docker run --rm -p 3002:3002 careerfeed node services/feed/dist/main.js   # feed
#   docker run --rm careerfeed node services/cli/dist/main.js --help          # the CLI
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: compile TypeScript with the full dev toolchain, then drop dev dependencies.
FROM ${NODE_IMAGE} AS build

# better-sqlite3 (and msgpackr-extract, via bullmq) are native addons: node-gyp needs these when
# no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Only the manifests first, so `npm ci` is cached until a dependency changes. Every workspace
# listed in the root package.json must be here, or `npm ci` rejects the lockfile
# (tests/compose.test.ts checks this).
COPY package.json package-lock.json ./
COPY packages/config/package.json packages/config/
COPY packages/core/package.json   packages/core/
COPY packages/db/package.json     packages/db/
COPY packages/jobs/package.json   packages/jobs/
COPY packages/http/package.json   packages/http/
COPY packages/posts/package.json  packages/posts/
COPY packages/digests/package.json packages/digests/
COPY packages/sharing/package.json packages/sharing/
COPY packages/feeds/package.json  packages/feeds/
COPY packages/wordpress/package.json packages/wordpress/
COPY packages/comments/package.json  packages/comments/
COPY packages/staff/package.json  packages/staff/
COPY services/ingest/package.json services/ingest/
COPY services/feed/package.json   services/feed/
COPY services/worker/package.json services/worker/
COPY services/cli/package.json    services/cli/
COPY bench/package.json           bench/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

COPY . .
RUN npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# runtime: production dependencies and compiled output only; no compilers, no sources.
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data

WORKDIR /app

# node_modules/@careerfeed/* are symlinks into packages/ and services/, so each workspace's
# package.json and dist/ are copied to the same place. Files stay root-owned: the app only
# writes to DATA_DIR.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/config/package.json packages/config/
COPY --from=build /app/packages/config/dist         packages/config/dist
COPY --from=build /app/packages/core/package.json   packages/core/
COPY --from=build /app/packages/core/dist           packages/core/dist
COPY --from=build /app/packages/db/package.json     packages/db/
COPY --from=build /app/packages/db/dist             packages/db/dist
COPY --from=build /app/packages/jobs/package.json   packages/jobs/
COPY --from=build /app/packages/jobs/dist           packages/jobs/dist
COPY --from=build /app/packages/http/package.json   packages/http/
COPY --from=build /app/packages/http/dist           packages/http/dist
COPY --from=build /app/packages/posts/package.json  packages/posts/
COPY --from=build /app/packages/posts/dist          packages/posts/dist
COPY --from=build /app/packages/digests/package.json packages/digests/
COPY --from=build /app/packages/digests/dist        packages/digests/dist
COPY --from=build /app/packages/sharing/package.json packages/sharing/
COPY --from=build /app/packages/sharing/dist        packages/sharing/dist
COPY --from=build /app/packages/feeds/package.json  packages/feeds/
COPY --from=build /app/packages/feeds/dist          packages/feeds/dist
COPY --from=build /app/packages/wordpress/package.json packages/wordpress/
COPY --from=build /app/packages/wordpress/dist      packages/wordpress/dist
COPY --from=build /app/packages/comments/package.json  packages/comments/
COPY --from=build /app/packages/comments/dist          packages/comments/dist
COPY --from=build /app/packages/staff/package.json  packages/staff/
COPY --from=build /app/packages/staff/dist          packages/staff/dist
COPY --from=build /app/services/ingest/package.json services/ingest/
COPY --from=build /app/services/ingest/dist         services/ingest/dist
COPY --from=build /app/services/ingest/console-assets services/ingest/console-assets
COPY --from=build /app/services/feed/package.json   services/feed/
COPY --from=build /app/services/feed/dist           services/feed/dist
COPY --from=build /app/services/worker/package.json services/worker/
COPY --from=build /app/services/worker/dist         services/worker/dist
COPY --from=build /app/services/cli/package.json    services/cli/
COPY --from=build /app/services/cli/dist            services/cli/dist
# The sample corpus the docs import: `docker compose run --rm cli import fixtures/sample-blog.json`.
COPY --from=build /app/fixtures                     fixtures

# SQLite file, mail outbox and the like when no external service is configured.
RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node

EXPOSE 3001 3002 3003

CMD ["node", "services/ingest/dist/main.js"]
