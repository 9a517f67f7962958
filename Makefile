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
# Packages: a version Debian and RPM both accept, from git describe.
PKG_VERSION  ?= $(shell packaging/version.sh '$(VERSION)')
STAGE        := dist/stage
NFPM         := $(GO) -C packaging tool nfpm
DEB          := dist/cogito-edge_$(PKG_VERSION)-1_amd64.deb
RPM          := dist/cogito-edge-$(PKG_VERSION)-1.x86_64.rpm

.PHONY: all build deps lint test test-short lab bench fuzz clean deb rpm stage package-test

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
	$(MAKE) package-test

test-short:
	$(GO) test -short -race ./...

# lab: the appliance binary on free loopback ports, two SIPp calls and an SRTP
# callgen call; then the whole system with nothing injected by hand (Genesys
# and the Cogito cloud simulated, the cloud's tracker following the agents, a
# second appliance with cti.source cloud and sink both behind the tunnel): two
# SIPp calls and an AudioHook call, each activated by the Genesys call placed
# with its keys; every recording checked, then a short report (~30 s).
# Artefacts: --keep DIR.
lab: deps build
	./bin/cogito-lab lab --edge ./bin/cogito-edge --scenarios lab/sipp

# bench: the hot-path benchmarks (~1 min; the tunnel alone and the relay
# through it among them), then the system ramp (~4-6 min: steps
# of 400 active calls up to 2400, stopping at the first step that loses packets).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./appliance/... ./tunnel/... ./lab/...
	./bin/cogito-lab bench --edge ./bin/cogito-edge --start 400 --step 400 --max 2400 --hold 15s --window 8s --baseline-window 4s

fuzz:
	@for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' appliance | sed 's/func //'); do \
	  pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' appliance | head -1 | xargs dirname); \
	  echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $${FUZZTIME:-30s} ./$$pkg || exit 1; \
	done

# deb, rpm: dist/cogito-edge_<version>_amd64.deb (xz) and
# dist/cogito-edge-<version>-1.x86_64.rpm, with nfpm pinned in packaging/go.mod.
# The binary is static (CGO_ENABLED=0) and stripped (-s -w); "cogito-edge
# version" prints the version, commit and date set here.
deb: $(DEB)
rpm: $(RPM)

stage:
	@rm -rf $(STAGE) && mkdir -p $(STAGE)
	CGO_ENABLED=0 $(GO) build -buildmode=pie -trimpath -ldflags '$(LDFLAGS)' -o $(STAGE)/cogito-edge ./cmd/cogito-edge
	packaging/stage.sh $(STAGE) '$(PKG_VERSION)'

$(DEB): stage
	PKG_VERSION='$(PKG_VERSION)' $(NFPM) pkg --packager deb --config nfpm.yaml --target ../$@
	@echo "built $@"

$(RPM): stage
	PKG_VERSION='$(PKG_VERSION)' $(NFPM) pkg --packager rpm --config nfpm.yaml --target ../$@
	@echo "built $@"

# package-test: installs the .deb in a booted Debian 12 container (systemd-nspawn)
# and proves the service's life cycle; checks the .rpm (scripts/package-test.sh).
package-test: deps
	./scripts/package-test.sh

clean:
	rm -rf bin dist
