# syntax=docker/dockerfile:1
# The scim-operator image: one static binary (controllers + SCIM server) on distroless, non-root.
# Build with `make docker-build IMG=<registry>/scim-operator:<tag>` (needs a Docker engine; none runs on
# the development machines). The Go version matches the toolchain the project is built and tested with.
ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev

WORKDIR /workspace
# Module downloads first, so source changes reuse the cached layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/

# Static (CGO_ENABLED=0), reproducible (-trimpath, no VCS stamp), the version from ldflags.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/andmoney/scim-operator/internal/version.Version=${VERSION}" \
      -o manager ./cmd

# distroless/static: no shell, no package manager; "nonroot" is uid/gid 65532. The binary writes
# nothing to disk, so the pod runs with readOnlyRootFilesystem.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532
# 8080: SCIM (HTTP), 8081: /healthz and /readyz, 8443: metrics (HTTPS, when enabled).
EXPOSE 8080 8081 8443
ENTRYPOINT ["/manager"]
