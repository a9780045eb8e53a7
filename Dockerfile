# Builds the release bundle with the same steps as scripts/release.sh, then runs it from a
# slim image. Build: docker build -t cashflow .   Run: docker run -p 3000:3000 --env-file env cashflow
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm curl && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/release.sh

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/cashflow cashflow && mkdir -p /var/lib/cashflow && chown cashflow /var/lib/cashflow
COPY --from=build /src/dist/cashflow /opt/cashflow
WORKDIR /opt/cashflow
USER cashflow
ENV DATA_DIR=/var/lib/cashflow LISTEN_ADDR=0.0.0.0:3000 LOG_FORMAT=json
EXPOSE 3000
CMD ["/opt/cashflow/app"]
