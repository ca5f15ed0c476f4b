# vigil: multi-stage build. The builder compiles TypeScript and the native SQLite binding; the runtime image
# carries only production dependencies and the compiled output, and runs as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
COPY examples ./examples
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
RUN groupadd --system vigil && useradd --system --gid vigil --home-dir /app --shell /usr/sbin/nologin vigil \
  && mkdir -p /data && chown vigil:vigil /data
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY config ./config
USER vigil
VOLUME ["/data"]
EXPOSE 9190
# Exec form: node is PID 1 and receives SIGTERM and SIGHUP itself (npm would not forward them); vigil handles both.
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["run", "--config", "config/scrape.yaml", "--data-dir", "/data", "--listen", "0.0.0.0:9190"]
