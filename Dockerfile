# The runner as an image, for RunnerImage.fromImage(). Build it from this package's folder after `npm ci`
# (which builds dist/ac-export.mjs):
#   docker build -t contoso.azurecr.io/ac-export:$(node -p 'require("./package.json").version') .
# The base is pinned by digest (a tag can move under you); refresh it deliberately with
#   docker buildx imagetools inspect node:24-slim --format '{{json .Manifest.Digest}}'
FROM docker.io/library/node:24-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df

ENV NODE_ENV=production
WORKDIR /opt/ac-export
# One self-contained ESM file: the runner bundles its own dependencies, so there is nothing to npm install.
COPY dist/ac-export.mjs ./ac-export.mjs
USER node
# See runner/v8-regexp-workaround.ts for --regexp-interpret-all. The job passes `run` as the arguments.
ENTRYPOINT ["node", "--regexp-interpret-all", "/opt/ac-export/ac-export.mjs"]
CMD ["--help"]
