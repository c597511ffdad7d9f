# Pinwheel Fates — multi-stage image.
#   build:   Debian slim with the compiler and the -dev packages of
#            vendor/packages.txt's build group (a test keeps them in step)
#   runtime: Debian slim with only the shared libraries, a non-root user,
#            the database on the /data volume
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      make gcc pkg-config \
      liblua5.4-dev libsqlite3-dev libuv1-dev libcjson-dev \
      libcurl4-openssl-dev libssl-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j"$(nproc)" build/pinwheel

FROM debian:bookworm-slim AS runtime
# Runtime equivalents of the -dev packages above (libcurl4 for the AI
# layer's and the Discord client's HTTPS calls, libssl3 for Discord's
# Ed25519, ca-certificates so they can trust the APIs' certificates; libpq5
# for the PostgreSQL store), and the curl command for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      liblua5.4-0 libsqlite3-0 libuv1 libcjson1 \
      libcurl4 libssl3 libpq5 ca-certificates \
      curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin pinwheel \
 && mkdir -p /data /app/static \
 && chown pinwheel:pinwheel /data
COPY --from=build /src/build/pinwheel /usr/local/bin/pinwheel
COPY --from=build /src/server/static /app/static
COPY --from=build /src/scripts/effects /app/scripts/effects
WORKDIR /app
ENV PINWHEEL_DB=/data/pinwheel.db \
    PINWHEEL_STATIC_DIR=/app/static \
    PINWHEEL_SCRIPTS_DIR=/app/scripts/effects \
    PINWHEEL_PORT=8080 \
    PINWHEEL_ENV=production \
    TZ=UTC
VOLUME ["/data"]
USER pinwheel
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
CMD ["pinwheel", "serve", "--host", "0.0.0.0"]
