# confighash: build, test and tools. Tools are installed into ./bin at pinned
# versions so that a fresh machine and CI run exactly what the tests expect.

SHELL := /bin/bash
export GOTOOLCHAIN ?= local

BIN := $(CURDIR)/bin
KUSTOMIZE_VERSION := v5.8.2
KUSTOMIZE := $(BIN)/kustomize
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X confighash.dev/confighash/fn.Version=$(VERSION)

.PHONY: all build test check unit golden example tools clean

all: build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/confighash .

# test is what README.md and .ci/run name: static checks, then every test.
test: tools check
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./...

check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

# unit runs the tests that need no external tool.
unit:
	go test -count=1 ./...

# golden regenerates expected files from the current behaviour; review the diff.
golden: tools
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./fn -run 'Golden|Corpus' -update

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
