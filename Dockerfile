# syntax=docker/dockerfile:1
# One image for every role: `serve` (the default), `worker`, `migrate up`, `users ...`.
# Build: docker build -t todo-api .   Run: see compose.yaml and README.md, "Deployment".

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The registry and the target directory live in BuildKit caches: a rebuild compiles only
# what changed, dependencies stay compiled between builds. The binary is copied out of the
# cache, which the next stage cannot see.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin todo-api \
    && cp target/release/todo-api /usr/local/bin/todo-api

FROM debian:bookworm-slim AS runtime
# CA certificates for TLS to S3, SMTP and PostgreSQL; nothing else is needed at run time.
# Not pinned: the distribution's current list of authorities is the one to trust.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 todo \
    && useradd --system --uid 10001 --gid todo --home-dir /app --shell /usr/sbin/nologin todo
WORKDIR /app
COPY --from=build /usr/local/bin/todo-api /usr/local/bin/todo-api
COPY config/ /app/config/
RUN mkdir -p /app/data /app/mail && chown todo:todo /app/data /app/mail
# Numeric, so that an orchestrator can tell it is not root without reading /etc/passwd.
USER 10001:10001
ENV APP_ENVIRONMENT=production \
    APP_SERVER__HOST=0.0.0.0 \
    APP_SERVER__PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 CMD ["todo-api", "health"]
ENTRYPOINT ["todo-api"]
CMD ["serve"]
