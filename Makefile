# acr-doctor: `make install` puts the plugin where Docker finds it; `make test` is what CI runs.
SHELL := /bin/bash
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin
FUZZTIME ?= 200000x

.PHONY: all build install uninstall test test-unit test-e2e fuzz bench lint clean demo

all: lint build test ## everything CI does

build: ## build bin/docker-acrdoctor and bin/docker-credential-acrdoctor
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/docker-acrdoctor ./plugin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/docker-credential-acrdoctor ./credhelper

install: ## build and install the plugin into ~/.docker/cli-plugins (or $DOCKER_CONFIG/cli-plugins)
	./install.sh

uninstall: ## remove what install put in place
	./install.sh --uninstall

test: lint test-unit test-e2e fuzz ## unit tests with -race, e2e through the real docker client, a short fuzz run

test-unit: ## unit tests, with the race detector
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /e2e)

test-e2e: ## end-to-end tests through the real docker client, pass and gpg
	$(GO) test -count=1 -parallel 8 ./e2e/

# A count, not a duration: a duration's deadline can end a run mid-input,
# which go test reports as "context deadline exceeded", a failure.
fuzz: ## run every fuzz target FUZZTIME (default 200000x) times
	@set -e; for pkg in $$($(GO) list ./diagnose/... ./credhelper); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg; \
	  done; \
	done

bench: ## Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./diagnose/... ./credhelper

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed" && false)
	$(GO) vet ./...

clean:
	rm -rf $(BIN)

demo: ## a full diagnosis against the ACR emulator, with the real docker login (no Azure account)
	$(GO) run ./scripts/demo
