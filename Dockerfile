# The convgate GitHub App (webhook server) as a container. See docs/app.md, "Deploy".
#   docker build -t convgate-app .
#   docker run -d --name convgate-app -p 3000:3000 --env-file .env \
#     -v "$PWD/convgate.pem:/app/convgate.pem:ro" -e PRIVATE_KEY_PATH=/app/convgate.pem convgate-app

FROM node:20-bookworm-slim AS build
WORKDIR /src
# onnxruntime-node's postinstall would download CUDA files; the app does not run models at all.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm ci builds build/ (prepare); then the dev tools go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/build ./build
COPY --from=build /src/bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM (docker stop) closes the server cleanly.
CMD ["node", "build/app/main.js", "serve"]
