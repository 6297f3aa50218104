# FacilityGateway container: the Native AOT build (one executable, no .NET runtime in the image) on Debian 12, as a
# non-root user.
#   docker buildx build --platform linux/amd64,linux/arm64 -t facility-gateway .
#   docker run -d --name gateway -v /etc/facility-gateway:/etc/facility-gateway:ro -v gateway-data:/var/lib/facility-gateway \
#     --device /dev/ttyUSB0 --group-add dialout -p 8080:8080 facility-gateway
# The test command builds and runs the runtime stage with Debian's podman from its own build output and a base made
# with debootstrap (packaging/container/build-image.sh: base images cannot be pulled there): `--build-context
# build=DIR` stands in for the build stage, and `--build-arg BASE=...` for debian:bookworm-slim.
ARG BASE=debian:bookworm-slim

# The build stage runs on the builder's own architecture and compiles for the target's (Native AOT: one native
# executable). The executable is linked against the C library of the system it is built on, so it is built on the
# runtime's own Debian 12 (glibc 2.36): built on a newer one (the sdk:10.0 image is Ubuntu 24.04) it could need
# symbols Debian 12 lacks. The .NET SDK comes from Microsoft's Debian 12 feed; clang compiles and links, and for arm64
# from another architecture Debian's aarch64 cross gcc and C library (the same as test.sh installs) are the sysroot.
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS build
ARG TARGETARCH
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget clang llvm \
    && if [ "$TARGETARCH" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then \
         apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross; fi \
    && wget -q -O /tmp/microsoft.deb https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb \
    && dpkg -i /tmp/microsoft.deb && rm /tmp/microsoft.deb \
    && apt-get update && apt-get install -y --no-install-recommends dotnet-sdk-10.0 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY gateway/ gateway/
COPY config/profiles/ config/profiles/
COPY config/example.yaml config/example.yaml
COPY config/example.d/ config/example.d/
RUN dotnet publish gateway/FacilityGateway/FacilityGateway.csproj -c Release -a "$TARGETARCH" -o /out/usr/lib/facility-gateway \
    && install -D -m 0644 config/example.yaml /out/etc/facility-gateway/gateway.yaml \
    && install -D -m 0644 -t /out/etc/facility-gateway/example.d config/example.d/*.yaml

FROM ${BASE} AS runtime
# libgpiod for GPIO (System.Device.Gpio's libgpiod driver), OpenSSL for TLS to brokers and InfluxDB, CA certificates.
RUN if ! dpkg-query -W libgpiod2 libssl3 ca-certificates >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends libgpiod2 libssl3 ca-certificates && rm -rf /var/lib/apt/lists/*; fi \
    && (getent group gpio || groupadd --system gpio) && (getent group i2c || groupadd --system i2c) \
    && useradd --system --uid 10001 --user-group --groups dialout,gpio,i2c --home-dir /var/lib/facility-gateway --no-create-home \
       --shell /usr/sbin/nologin facility-gateway \
    && install -d -o facility-gateway -g facility-gateway -m 0750 /var/lib/facility-gateway
COPY --from=build /out/ /
# Measured in docs/PERFORMANCE.md (the gateway applies them itself when missing; set here, it need not re-execute).
ENV DOTNET_EnableWriteXorExecute=0 \
    DOTNET_GCgen0size=200000 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
    MALLOC_ARENA_MAX=2
USER 10001:10001
WORKDIR /var/lib/facility-gateway
VOLUME ["/var/lib/facility-gateway"]
EXPOSE 8080 9464
# Healthy while the pipeline moves (/healthz when monitoring: is on; else while the gateway holds its data directory).
HEALTHCHECK --interval=30s --timeout=20s --start-period=30s --retries=3 \
    CMD ["/usr/lib/facility-gateway/facility-gateway", "health", "--config", "/etc/facility-gateway/gateway.yaml"]
ENTRYPOINT ["/usr/lib/facility-gateway/facility-gateway"]
CMD ["run", "--config", "/etc/facility-gateway/gateway.yaml"]
