# Conveyor: the producer CLI (conveyor) and the worker (conveyor-worker).
#
#   docker build -t conveyor .
#   docker run --rm -e REDIS_URL=redis://host:6379/0 conveyor conveyor-worker --queue default
#
# SWIFT_VERSION should match the toolchain the project is developed and tested
# with (Swift 6.3); override with --build-arg SWIFT_VERSION=... if needed.
ARG SWIFT_VERSION=6.3

# ---- build ------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-bookworm AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libhiredis-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, so editing sources does not fetch them again.
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY . .

# One `swift build` per product: with several --product flags, swift build
# builds only the last one. Static Swift stdlib (and Foundation): the runtime
# image needs only libc, libstdc++, hiredis and OpenSSL (rediss://).
RUN set -eu; \
    for product in conveyor conveyor-worker; do \
        swift build -c release --static-swift-stdlib --product "$product"; \
    done; \
    bin="$(swift build -c release --show-bin-path)"; \
    mkdir -p /out; \
    install -m 0755 "$bin/conveyor" "$bin/conveyor-worker" /out/

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        libhiredis0.14 \
        libssl3 \
        libstdc++6 \
        ca-certificates \
        tzdata \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 conveyor \
    && useradd --system --uid 10001 --gid conveyor --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin conveyor

COPY --from=build /out/conveyor /out/conveyor-worker /usr/local/bin/

# Fail the image build, not the first deploy, if a shared library is missing.
RUN conveyor --help >/dev/null && conveyor-worker --help >/dev/null

USER conveyor:conveyor
WORKDIR /tmp

ENV REDIS_URL=redis://redis:6379/0

# The worker handles SIGTERM itself (stop fetching, finish or requeue in-flight
# jobs, exit 0), so it can run as PID 1 without an init.
STOPSIGNAL SIGTERM
CMD ["conveyor-worker", "--queue", "default"]
