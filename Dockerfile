# The confighash KRM function image: the static binary and the user database,
# nothing else (no shell, no package manager, no base image to pull).
#
# The binary is built on the host, not in a builder stage, so that building
# the image needs no golang image: `make image` cross-compiles it into
# bin/linux_<arch>/confighash first. TARGETARCH is set by docker buildx and
# podman for each --platform, so a multi-platform build picks the right one:
#   make image-binaries && docker buildx build --platform linux/amd64,linux/arm64 .
FROM scratch
ARG TARGETARCH
COPY image/passwd image/group /etc/
COPY bin/linux_${TARGETARCH}/confighash /usr/local/bin/confighash
# nonroot (65532); kustomize and kpt run functions as nobody (65534), which
# /etc/passwd also names. Numeric, so Kubernetes can check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/confighash"]
