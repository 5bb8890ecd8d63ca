# syntax=docker/dockerfile:1
# scimcheck in a small image: built with the Rust toolchain, run on distroless (glibc and
# libgcc only, no shell, a non-root user). The binary needs nothing else: TLS is rustls with
# built-in roots.
#
#   docker build -t scimcheck .
#   docker run --rm -e SCIMCHECK_TOKEN scimcheck connect https://atmos.example/scim/v2
#
# tests/install_files.rs checks this file's structure; no image is built in this repository's
# CI (there is no Docker engine there).

# The toolchain must be at least the newest `rust-version` among the locked dependencies.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The caches keep the registry and the build between image builds; the binary leaves the
# cached target folder in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release \
    && cp target/release/scimcheck /usr/local/bin/scimcheck

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/scimcheck /usr/local/bin/scimcheck
USER nonroot
ENTRYPOINT ["/usr/local/bin/scimcheck"]
CMD ["--help"]
