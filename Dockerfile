# The confighash KRM function image: the static binary and the user database,
# nothing else (no shell, no package manager, no base image to pull).
#
# The binary is built on the host, not in a builder stage, so that building
# the image needs no golang image. The build context is bin/image-context,
# not the repository: `make image` (through `make image-binaries`)
# cross-compiles bin/linux_<arch>/confighash and stages there this file,
# image/passwd, image/group and linux_<arch>/confighash, and nothing else.
# Such a context needs no .dockerignore, so docker with BuildKit, the docker
# CLI's legacy builder, podman, and the docker CLI talking to podman's API
# service all read it the same way. TARGETARCH is set by docker buildx and
# podman for each --platform, so a multi-platform build picks the right one:
#   make image-binaries && docker buildx build --platform linux/amd64,linux/arm64 bin/image-context
FROM scratch
ARG TARGETARCH
COPY passwd group /etc/
COPY linux_${TARGETARCH}/confighash /usr/local/bin/confighash
# nonroot (65532); kustomize and kpt run functions as nobody (65534), which
# /etc/passwd also names. Numeric, so Kubernetes can check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/confighash"]
