# cogito-edge — build, test, lab and bench. Every target installs what it needs
# on a fresh Debian machine (as root), so `make lab` and `make test` are the
# only set-up steps.

SHELL        := /bin/bash
GO           ?= go
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE         ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS      := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
STATICCHECK  := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TEST_TIMEOUT ?= 30m

.PHONY: all build deps lint test test-short lab bench fuzz clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/cogito-edge ./cmd/cogito-edge
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/cogito-lab ./cmd/cogito-lab

# deps installs the real peers the tests and the lab drive (SIPp).
deps:
	@./scripts/deps.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

test: deps lint
	$(GO) test -race -timeout $(TEST_TIMEOUT) ./...

test-short:
	$(GO) test -short -race ./...

# lab: the appliance binary on free loopback ports, two SIPp calls and an SRTP
# callgen call, every recording checked (~20 s). Artefacts: --keep DIR.
lab: deps build
	./bin/cogito-lab lab --edge ./bin/cogito-edge --scenarios lab/sipp

# bench: the hot-path benchmarks (~1 min), then the system ramp (~4-6 min: steps
# of 400 active calls up to 2400, stopping at the first step that loses packets).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./appliance/... ./lab/...
	./bin/cogito-lab bench --edge ./bin/cogito-edge --start 400 --step 400 --max 2400 --hold 15s --window 8s --baseline-window 4s

fuzz:
	@for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' appliance | sed 's/func //'); do \
	  pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' appliance | head -1 | xargs dirname); \
	  echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $${FUZZTIME:-30s} ./$$pkg || exit 1; \
	done

clean:
	rm -rf bin dist
