# confighash: build, test and tools. Tools are installed into ./bin at pinned
# versions so that a fresh machine and CI run exactly what the tests expect.

SHELL := /bin/bash
export GOTOOLCHAIN ?= local

BIN := $(CURDIR)/bin
KUSTOMIZE_VERSION := v5.8.2
KUSTOMIZE := $(BIN)/kustomize
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X confighash.dev/confighash/cli.Version=$(VERSION)

.PHONY: all build test check unit golden example tools clean

all: build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/confighash .

# test is what README.md and .ci/run name: static checks, then every test.
test: tools check
	$(TEST_SETUP) $(TEST_ENV) KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./...

check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

# unit runs the tests that need no external tool.
unit:
	go test -count=1 ./...

# golden regenerates expected files from the current behaviour; review the diff.
golden: tools
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./cli -run 'Golden|Corpus' -update

example:
	go run . < examples/quickstart/resources.yaml

# Each tool the tests drive adds itself to TOOLS (and, where it needs one, a
# line to its own block below); make tools installs them all, once.
# The list is expanded when make runs the rule, so TOOLS += lines may come later.
TOOLS := $(KUSTOMIZE)

.SECONDEXPANSION:
tools: $$(TOOLS)

$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

clean:
	rm -rf $(BIN)

# --- Container image, Helm, podman and the end-to-end tests (e2e/) ---------
# The image is FROM scratch: the binary is cross-compiled here, into
# bin/linux_<arch>/confighash, and the Dockerfile copies the one for its
# TARGETARCH. docker when an engine answers, else podman; IMAGE= sets the tag.
#
# The build context is not the repository but IMAGE_CONTEXT, which
# image-binaries stages afresh: the Dockerfile, image/passwd and image/group,
# and linux_<arch>/confighash for each arch it built; nothing else, and no
# .dockerignore. Every builder reads such a context the same way. A context
# of the repository needs a .dockerignore with `*` and `!bin/linux_*/confighash`,
# and the docker CLI's own (legacy, non-BuildKit) builder drops that file: it
# skips bin/linux_amd64/ because no `!` pattern starts with it literally
# (issue 15: "copier: stat: /bin/linux_amd64/confighash" when the docker CLI
# talks to podman's API service).
IMAGE ?= localhost/confighash:dev
IMAGE_ARCH ?= $(shell go env GOARCH)
PLATFORMS ?= linux/amd64,linux/arm64
CONTAINER_TOOL ?= $(shell if docker info >/dev/null 2>&1; then echo docker; elif command -v podman >/dev/null 2>&1; then echo podman; else echo docker; fi)
IMAGE_CONTEXT := $(BIN)/image-context
# The docker CLI may talk to podman's API service (podman-docker, Podman
# Desktop, DOCKER_HOST=.../podman.sock). That service has no BuildKit API, so
# there docker build must use the CLI's own builder (DOCKER_BUILDKIT=0, as
# podman advises) even when buildx is installed, and docker buildx cannot
# build for several platforms. With a Docker engine nothing changes.
DOCKER_ON_PODMAN = $(if $(filter docker,$(CONTAINER_TOOL)),$(shell docker version --format '{{range .Server.Components}}{{.Name}};{{end}}' 2>/dev/null | grep -q 'Podman Engine' && echo yes))
HELM3_VERSION := v3.22.0
HELM4_VERSION := v4.3.1
HELM3 := $(BIN)/helm3
HELM4 := $(BIN)/helm4
TOOLS += $(HELM3) $(HELM4)
# After make podman, every podman command of this Makefile uses its settings.
ifneq ($(wildcard $(BIN)/podman/containers.conf),)
export CONTAINERS_CONF := $(BIN)/podman/containers.conf
export CONTAINERS_STORAGE_CONF := $(BIN)/podman/storage.conf
endif
# make test runs go test with these: the tools the e2e tests drive, and the
# podman settings (hack/podman.sh env; nothing when podman is absent).
TEST_SETUP = eval "$$(hack/podman.sh env)" &&
TEST_ENV = HELM3=$(HELM3) HELM4=$(HELM4) GOVULNCHECK=$(GOVULNCHECK)

.PHONY: image image-binaries image-multiarch podman e2e

# image-binaries builds bin/linux_<arch>/confighash for each arch of PLATFORMS
# and stages the build context, IMAGE_CONTEXT (bin/image-context).
image-binaries:
	@set -e; rm -rf '$(IMAGE_CONTEXT)'; mkdir -p '$(IMAGE_CONTEXT)'; \
	cp Dockerfile image/passwd image/group '$(IMAGE_CONTEXT)/'; \
	for platform in $$(echo '$(PLATFORMS)' | tr , ' '); do arch=$${platform#linux/}; \
		echo "CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -o bin/linux_$$arch/confighash"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux_$$arch/confighash .; \
		mkdir -p '$(IMAGE_CONTEXT)'/linux_$$arch; cp $(BIN)/linux_$$arch/confighash '$(IMAGE_CONTEXT)'/linux_$$arch/; \
	done; \
	echo "staged the build context $(IMAGE_CONTEXT): $$(cd '$(IMAGE_CONTEXT)' && find . -type f | sort | tr '\n' ' ')"

# podman keeps an image per Dockerfile step unless told not to.
IMAGE_BUILD_FLAGS = --label org.opencontainers.image.version=$(VERSION) $(if $(filter podman,$(CONTAINER_TOOL)),--layers=false)

image:
	$(MAKE) --no-print-directory image-binaries PLATFORMS=linux/$(IMAGE_ARCH)
	$(if $(DOCKER_ON_PODMAN),DOCKER_BUILDKIT=0 )$(CONTAINER_TOOL) build --build-arg TARGETARCH=$(IMAGE_ARCH) $(IMAGE_BUILD_FLAGS) -t $(IMAGE) $(IMAGE_CONTEXT)

# image-multiarch builds one image per platform: docker buildx (which pushes or
# loads as its builder allows: add --push) or a podman manifest list.
image-multiarch:
	@if [ -n "$(DOCKER_ON_PODMAN)" ]; then \
		echo "image-multiarch: docker talks to podman's API service, which has no BuildKit for docker buildx: run make image-multiarch CONTAINER_TOOL=podman" >&2; exit 1; \
	fi
	$(MAKE) --no-print-directory image-binaries
	if [ "$(CONTAINER_TOOL)" = podman ]; then \
		podman manifest rm $(IMAGE) >/dev/null 2>&1 || true; \
		podman build --platform $(PLATFORMS) $(IMAGE_BUILD_FLAGS) --manifest $(IMAGE) $(IMAGE_CONTEXT); \
	else \
		docker buildx build --platform $(PLATFORMS) $(IMAGE_BUILD_FLAGS) -t $(IMAGE) $(IMAGE_CONTEXT); \
	fi

# podman installs podman (apt-get, as root) when absent and writes its
# settings under bin/podman; .ci/run calls it before make test.
podman:
	hack/podman.sh install

# Both helms in one rule, built side by side: from a cold cache each is
# minutes of compiling, and the downloads and links of one overlap the other's.
# Both binaries are named helm, hence a GOBIN each.
$(HELM3) $(HELM4) &:
	@set -e; \
	echo "go install helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION) & go install helm.sh/helm/v4/cmd/helm@$(HELM4_VERSION)"; \
	GOBIN=$(BIN)/helm3.d go install helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION) & v3=$$!; \
	GOBIN=$(BIN)/helm4.d go install helm.sh/helm/v4/cmd/helm@$(HELM4_VERSION) & v4=$$!; \
	wait $$v3; wait $$v4; \
	mv $(BIN)/helm3.d/helm $(HELM3); mv $(BIN)/helm4.d/helm $(HELM4); rmdir $(BIN)/helm3.d $(BIN)/helm4.d

# e2e runs only the end-to-end tests: real kustomize, kpt, helm and podman.
# E2E_FLAGS=-update rewrites the examples' expected outputs; review the diff.
E2E_FLAGS ?=
e2e: tools
	$(TEST_SETUP) $(TEST_ENV) KUSTOMIZE=$(KUSTOMIZE) go test -count=1 -v ./e2e $(E2E_FLAGS)

# --- Benchmarks (bench/, BENCHMARKS.md); never part of make test or CI ------
# make bench builds bin/confighash and the kyaml fn/framework no-op, then
# measures both side by side (bench/run) and writes bin/bench-results.md.
# Override e.g. BENCH_N="1000 10000", BENCH_E2E_N= (no kustomize/kpt runs),
# BENCH_VERSIONED_N= (no versioned run),
# KPT= (no kpt), BENCH_CONFIGHASH=/path/to/another/confighash.
BENCH_N ?= 1000 10000 20000 50000 100000
BENCH_E2E_N ?= 300 1000
BENCH_VERSIONED_N ?= 10000
BENCH_MAX_RSS_GIB ?= 14
BENCH_CONFIGHASH ?= $(BIN)/confighash
BENCH_FLAGS ?=
KPT ?= $(shell command -v kpt)

.PHONY: bench bench-go

bench: build $(KUSTOMIZE)
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $(BIN)/bench-noop ./bench/noop
	go build -o $(BIN)/bench-run ./bench/run
	$(BIN)/bench-run -confighash '$(BENCH_CONFIGHASH)' -noop $(BIN)/bench-noop -kustomize $(KUSTOMIZE) -kpt '$(KPT)' \
		-n '$(BENCH_N)' -e2e-n '$(BENCH_E2E_N)' -versioned-n '$(BENCH_VERSIONED_N)' -max-rss-gib $(BENCH_MAX_RSS_GIB) -out $(BIN)/bench-results.md $(BENCH_FLAGS)

# bench-go runs the Go benchmarks of the command (cli), the function
# (fn) and the text layer (internal/yamltext) with allocation counts.
# BENCH_GO_FLAGS adds e.g. -cpuprofile bin/cpu.out, which takes one package:
#   make bench-go BENCH_GO_PKGS=./cli BENCH_GO_FLAGS='-bench Run/rl/10k -cpuprofile bin/cpu.out'
BENCH_GO_PKGS ?= ./cli ./fn ./internal/yamltext
BENCH_GO_FLAGS ?=
bench-go:
	go test -run '^$$' -bench . -benchmem -count 1 $(BENCH_GO_FLAGS) $(BENCH_GO_PKGS)

# --- explain, check and diff: graph and schema validators (issue 6) ---------
# The tests of confighash explain render its DOT output with Graphviz's dot
# and parse its mermaid output with mermaid's own parser (under node, with
# jsdom: no browser), and validate its JSON against docs/explain-schema.json
# with ajv. graphviz comes from Debian (apt-get, as root) when dot is absent;
# the node packages are pinned by tools/validators/package-lock.json and
# installed there with npm ci.
VALIDATORS := tools/validators/node_modules/.package-lock.json
TOOLS += graphviz $(VALIDATORS)

.PHONY: graphviz docs-graph

graphviz:
	@command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz; }

$(VALIDATORS): tools/validators/package.json tools/validators/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	cd tools/validators && npm ci --no-audit --no-fund

# docs-graph regenerates docs/graph.dot and docs/graph.svg (README's example
# graph) from examples/ci-check; TestDocsGraph fails when they drift.
docs-graph: tools
	go test -count=1 ./cli -run TestDocsGraph -update

# --- Reliability and security: fuzzing, race detector, govulncheck (issue 5) --
# fuzz runs every fuzz target of every package for FUZZTIME each (go test
# -fuzz takes one target at a time). An input that fails is written to
# <package>/testdata/fuzz/<Target>/ and from then on runs with every go test:
# commit it with the fix. CI runs a short pass: make fuzz FUZZTIME=20s.
# race runs the test that runs confighash concurrently under the race
# detector (cgo: needs gcc). vuln checks that go.mod and go.sum are tidy and
# match the downloaded modules, then runs govulncheck (pinned, in ./bin);
# make check runs it. govulncheck reads the Go vulnerability database
# (GOVULNDB, https://vuln.go.dev by default). Where that cannot be reached,
# vuln scans against the dated offline snapshot in third_party/govulndb (see
# its README.md; the newest govulndb-<date>.tar.gz there, checked against its
# .sha256 and extracted once into bin/govulndb-<date>/) and says of which
# date: it knows nothing published after it. A called vulnerability fails
# either scan (govulncheck's exit status 3). VULN_REQUIRED=1 also fails when
# the live database cannot be reached. VULN_DIR scans another module
# (e2e/vuln_test.go does).
FUZZTIME ?= 60s
GOVULNCHECK_VERSION := v1.9.0
GOVULNCHECK := $(BIN)/govulncheck
GOVULNDB ?= https://vuln.go.dev
VULN_REQUIRED ?=
VULN_DIR ?= .
GOVULNDB_SNAPSHOT := $(lastword $(sort $(wildcard third_party/govulndb/govulndb-*.tar.gz)))
GOVULNDB_OFFLINE := $(BIN)/$(notdir $(GOVULNDB_SNAPSHOT:.tar.gz=))
TOOLS += $(GOVULNCHECK)

.PHONY: fuzz race vuln

fuzz:
	@set -e; for pkg in $$(go list ./...); do \
		for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "go test $$pkg -run '^$$' -fuzz '^$$target\$$' -fuzztime $(FUZZTIME)"; \
			go test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) || { \
				for f in $$(git ls-files --others --exclude-standard -- '*testdata/fuzz/*'); do echo "== new failing input $$f:"; cat "$$f"; echo; done; \
				exit 1; }; \
		done; \
	done

race:
	go test -count=1 -race -run '^TestRunsShareNoState$$' ./cli

check: vuln

# govulncheck reports an unreachable vuln.go.dev as "fetching vulnerabilities",
# another unreachable http(s) database as "unrecognized vulndb format".
vuln: $(GOVULNCHECK) $(GOVULNDB_OFFLINE)/.verified
	go -C '$(VULN_DIR)' mod tidy -diff
	go -C '$(VULN_DIR)' mod verify
	@out=$$($(GOVULNCHECK) -C '$(VULN_DIR)' -db '$(GOVULNDB)' ./... 2>&1); rc=$$?; echo "$$out"; \
	if [ $$rc -ne 0 ] && [[ '$(GOVULNDB)' == http* ]] && grep -qE 'fetching vulnerabilities|creating client: unrecognized vulndb format' <<<"$$out"; then \
		date=$$(sed -n 's/.*"modified" *: *"\([0-9-]*\)T.*/\1/p' '$(GOVULNDB_OFFLINE)/index/db.json'); \
		echo "vuln: $(GOVULNDB) cannot be reached from this machine; scanning against the offline snapshot of $$date (third_party/govulndb)"; \
		echo "$(GOVULNCHECK) -C '$(VULN_DIR)' -db 'file://$(GOVULNDB_OFFLINE)' ./..."; \
		$(GOVULNCHECK) -C '$(VULN_DIR)' -db 'file://$(GOVULNDB_OFFLINE)' ./...; rc=$$?; \
		echo "vuln: scanned against the offline Go vulnerability database snapshot of $$date ($(GOVULNDB) unreachable): vulnerabilities published after $$date are not known to it"; \
		if [ $$rc -eq 0 ] && [ -n "$(VULN_REQUIRED)" ]; then \
			echo "vuln: VULN_REQUIRED is set and $(GOVULNDB) cannot be reached: failing"; exit 1; \
		fi; \
	fi; exit $$rc

# The snapshot is extracted into a temporary directory first, so that an
# interrupted extraction never passes for a complete database.
$(GOVULNDB_OFFLINE)/.verified: $(GOVULNDB_SNAPSHOT) $(GOVULNDB_SNAPSHOT).sha256
	$(if $(GOVULNDB_SNAPSHOT),,$(error no third_party/govulndb/govulndb-*.tar.gz: the offline vulnerability database is missing))
	cd $(dir $(GOVULNDB_SNAPSHOT)) && sha256sum --check --strict $(notdir $(GOVULNDB_SNAPSHOT)).sha256
	rm -rf '$(GOVULNDB_OFFLINE)' '$(GOVULNDB_OFFLINE).tmp'
	mkdir -p '$(GOVULNDB_OFFLINE).tmp'
	tar -xzf $(GOVULNDB_SNAPSHOT) -C '$(GOVULNDB_OFFLINE).tmp'
	mv '$(GOVULNDB_OFFLINE).tmp/$(notdir $(GOVULNDB_OFFLINE))' '$(GOVULNDB_OFFLINE)'
	rmdir '$(GOVULNDB_OFFLINE).tmp'
	touch $@

$(GOVULNCHECK):
	GOBIN=$(BIN) go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# --- Argo CD Config Management Plugin image (issue 14) ----------------------
# image-cmp builds CMP_IMAGE: confighash, a static helm and the plugin
# configurations of argocd-cmp/, FROM scratch, for a sidecar of Argo CD's
# repo-server (README, "Argo CD"). Staged and built as `make image` builds
# its image: the context is CMP_CONTEXT (bin/image-cmp-context) and nothing
# else. The helm of make tools links libc (go install with cgo), which
# FROM scratch has not: HELM_STATIC is the same Helm 3 built with
# CGO_ENABLED=0 (minutes, the first time), with the version Helm's own
# release build stamps in.
CMP_IMAGE ?= localhost/confighash-argocd-cmp:dev
CMP_CONTEXT := $(BIN)/image-cmp-context
HELM_STATIC = $(BIN)/linux_$(IMAGE_ARCH)/helm
# make tools builds it, so that the e2e tests' make image-cmp does not spend
# go test's time limit compiling Helm.
TOOLS += $(HELM_STATIC)

.PHONY: image-cmp image-cmp-context

$(BIN)/linux_%/helm:
	@set -e; gopath='$(BIN)/helm-static.gopath'; \
	echo "CGO_ENABLED=0 GOOS=linux GOARCH=$* go install helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION)"; \
	GOPATH="$$gopath" GOMODCACHE="$$(go env GOMODCACHE)" CGO_ENABLED=0 GOOS=linux GOARCH=$* \
		go install -trimpath -ldflags '-s -w -X helm.sh/helm/v3/internal/version.version=$(HELM3_VERSION)' helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION); \
	mkdir -p $(@D); \
	if [ -f "$$gopath/bin/linux_$*/helm" ]; then mv "$$gopath/bin/linux_$*/helm" $@; else mv "$$gopath/bin/helm" $@; fi; \
	chmod -R u+w "$$gopath" && rm -rf "$$gopath"

image-cmp-context: $(HELM_STATIC)
	$(MAKE) --no-print-directory image-binaries PLATFORMS=linux/$(IMAGE_ARCH)
	@set -e; rm -rf '$(CMP_CONTEXT)'; mkdir -p '$(CMP_CONTEXT)/linux_$(IMAGE_ARCH)' '$(CMP_CONTEXT)/helm' '$(CMP_CONTEXT)/directory'; \
	cp argocd-cmp/Dockerfile argocd-cmp/passwd argocd-cmp/group '$(CMP_CONTEXT)/'; \
	cp argocd-cmp/helm/plugin.yaml '$(CMP_CONTEXT)/helm/'; cp argocd-cmp/directory/plugin.yaml '$(CMP_CONTEXT)/directory/'; \
	cp $(BIN)/linux_$(IMAGE_ARCH)/confighash $(HELM_STATIC) '$(CMP_CONTEXT)/linux_$(IMAGE_ARCH)/'; \
	echo "staged the build context $(CMP_CONTEXT): $$(cd '$(CMP_CONTEXT)' && find . -type f | sort | tr '\n' ' ')"

image-cmp: image-cmp-context
	$(if $(DOCKER_ON_PODMAN),DOCKER_BUILDKIT=0 )$(CONTAINER_TOOL) build --build-arg TARGETARCH=$(IMAGE_ARCH) $(IMAGE_BUILD_FLAGS) -t $(CMP_IMAGE) $(CMP_CONTEXT)

# argocd-verify runs the Argo CD examples through Argo CD's own repo-server
# code and argocd-cmp-server (hack/argocd-verify.sh); it needs ARGOCD_SRC, a
# checkout of argoproj/argo-cd v3.5.1. Not part of make test.
.PHONY: argocd-verify
argocd-verify: $(KUSTOMIZE)
	$(MAKE) --no-print-directory image CONTAINER_TOOL=podman
	$(MAKE) --no-print-directory image-cmp CONTAINER_TOOL=podman
	eval "$$(hack/podman.sh env)" && ARGOCD_SRC='$(ARGOCD_SRC)' hack/argocd-verify.sh
