# One image per service: docker build --build-arg SERVICE=schema-registry -t herald/schema-registry .
# The build stage bundles the service (and the workspace packages it uses) into one file;
# the runtime stage is Node alone, no node_modules, running as the unprivileged `node` user.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /src
COPY package.json package-lock.json ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY tools ./tools
COPY test/package.json ./test/package.json
COPY bench ./bench
RUN npm ci --no-audit --no-fund
RUN test -n "${SERVICE}" && npx turbo run build --filter="@herald/${SERVICE}"

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /src/services/${SERVICE}/dist/ ./
USER node
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "main.mjs"]
