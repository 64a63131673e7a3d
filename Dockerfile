# Clawback runs its TypeScript through tsx at runtime, so the image is the sources plus the
# production dependencies: no build stage.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first so the layer is reused while only the sources change.
# --ignore-scripts: package.json denies install scripts (allowScripts), but the npm bundled with
# node:20 predates that block; the native binaries (esbuild, swc, the Temporal core bridge) come
# from prebuilt platform packages and need no script.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

COPY tsconfig.json ./
COPY bin/ ./bin/
COPY src/ ./src/
COPY workflows/ ./workflows/
COPY activities/ ./activities/

# The zero-config demo keeps its simulated tenant under ./.clawback; the rest of /app stays
# read-only to the runtime user.
RUN mkdir -p /app/.clawback && chown node:node /app/.clawback
USER node

ENV PORT=8080
EXPOSE 8080

ENTRYPOINT ["node", "bin/clawback.js"]
CMD ["api"]
