# syntax=docker/dockerfile:1
# ps-gateway: build with dev dependencies, run with production dependencies and dist/ only.
#   docker build -t ps-gateway .
#   docker run -p 4000:4000 -v psgw-data:/app/data -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=... ps-gateway
# Without DATABASE_URL it runs on the embedded database in the /app/data volume (one replica only);
# with DATABASE_URL=postgresql://... it uses that server and can run as many replicas as needed.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY console ./console
# The same build as `npm run build`: src/ (bench/ and examples/ are not part of the image), the
# migrated embedded database template that a new DATA_DIR starts from, and the console (vite).
RUN node scripts/build.js

FROM node:20-bookworm-slim AS runtime
# One malloc arena: see the README (Run it) for the memory it saves after password hashing.
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.arena_max=1 \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/console ./dist/console
COPY --from=build /app/dist/embedded-template ./dist/embedded-template
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Start-up applies pending migrations before it serves, so no separate step is needed. Exec form
# keeps node as PID 1, so SIGTERM reaches it and in-flight requests finish. To migrate once
# before rolling out several replicas: docker run --rm -e DATABASE_URL=... ps-gateway node dist/src/cli/main.js migrate
# Operator commands (see --help): with DATABASE_URL, docker exec <container> node dist/src/cli/main.js ...;
# on the embedded database the server holds the folder, so stop it and use docker run --rm -v psgw-data:/app/data.
CMD ["node", "dist/src/main.js"]
