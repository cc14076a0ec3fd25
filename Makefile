# acr-doctor: `make install` puts the plugin where Docker finds it; `make test` is what CI runs.
SHELL := /bin/bash
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# Static, as Docker's own plugins are: no dynamic loader at each start (the
# helper starts at every pull and push), and Go's resolver, as Docker's.
STATIC   := CGO_ENABLED=0
BIN      := bin
FUZZTIME ?= 5000x

.PHONY: all build install uninstall test prereqs tests testbin testbin-mutate test-unit test-e2e test-hostile fuzz fuzz-smoke fuzz-long mutate bench lint clean demo

all: lint build test ## everything CI does

build: ## build bin/docker-acrdoctor and bin/docker-credential-acrdoctor
	$(STATIC) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/docker-acrdoctor ./plugin
	$(STATIC) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/docker-credential-acrdoctor ./credhelper

install: ## build and install the plugin into ~/.docker/cli-plugins (or $DOCKER_CONFIG/cli-plugins)
	./install.sh

uninstall: ## remove what install put in place
	./install.sh --uninstall

# The three run side by side: the e2e tests spend much of their time
# waiting on docker, gpg and deliberately slow servers, which the other two
# fill.
test: prereqs lint ## unit tests with -race, e2e through the real docker client and a fuzz smoke, side by side
	@$(MAKE) --no-print-directory -j3 -O tests

prereqs: ## say what make test needs and this machine lacks
	@scripts/prereqs.sh

tests: test-unit test-e2e fuzz-smoke

# The programs the tests run as processes (internal/testbin), built once
# for both: linking the plugin is the costly part, and three packages run it.
# The version is testbin.Version.
TESTBIN  := $(CURDIR)/$(BIN)/test
TESTPROG ?= ./plugin ./credhelper ./credhelper/wrapper/testdata/fake
testbin:
	@rm -rf $(TESTBIN)
	$(STATIC) $(GO) build -ldflags '-s -w -X main.version=v0.0.0-test' -o $(TESTBIN)/ $(TESTPROG)

# The helper's mutants are built into it by its tests.
testbin-mutate:
	@$(MAKE) --no-print-directory testbin TESTPROG='./plugin ./credhelper/wrapper/testdata/fake'

# -p 4 on any machine: several packages mostly wait on servers that are
# slow on purpose.
test-unit: testbin ## unit tests, with the race detector
	ACRDOCTOR_TESTBIN=$(TESTBIN) $(GO) test -race -count=1 -p 4 -ldflags="-s -w" $$($(GO) list ./... | grep -v /e2e)

test-e2e: testbin ## end-to-end tests through the real docker client, pass and gpg
	ACRDOCTOR_TESTBIN=$(TESTBIN) $(GO) test -count=1 -parallel 8 -ldflags="-s -w" ./e2e/

test-hostile: ## unit and e2e tests on a machine made hostile to them (scripts/hostile.sh; Linux, unshare)
	scripts/hostile.sh

# A count, not a duration: a duration's deadline can end a run mid-input,
# which go test reports as "context deadline exceeded", a failure. The
# targets are found in the sources, not by compiling each package to ask.
fuzz: ## run every fuzz target FUZZTIME (default 5000x) times past its seed corpus, two packages at a time
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# What make test runs: the seed corpus and 1,000 new inputs a target, a
# new input kept as found (minimising it, and building on what earlier
# runs found, is for the longer runs).
fuzz-smoke: ## the fuzz smoke of make test
	@GO=$(GO) FUZZTIME=1000x FUZZMIN=0s FUZZFRESH=1 scripts/fuzz.sh

fuzz-long: ## the long fuzz run: 200,000 inputs per target
	$(MAKE) fuzz FUZZTIME=200000x

# The packages that hold credentials, configs and the protocol.
MUTATE   ?= ./diagnose/credstore ./diagnose/token ./diagnose/challenge ./diagnose/loginserver ./diagnose/journal \
            ./diagnose/atomicfile ./diagnose/configedit ./diagnose/statedir ./diagnose/probe ./diagnose/classify ./credhelper/wrapper
GREMLINS ?= $(shell $(GO) env GOPATH)/bin/gremlins

# -count=1: gremlins times each mutant's tests by the coverage run, which a
# cached result would make far too short.
mutate: testbin-mutate ## mutation testing (gremlins) of MUTATE: at least 90% efficacy and 90% mutant coverage each
	@test -x $(GREMLINS) || $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
	@set -eo pipefail; for p in $(MUTATE); do echo "mutate $$p"; \
	  ACRDOCTOR_TESTBIN=$(TESTBIN) GOFLAGS=-count=1 $(GREMLINS) unleash --workers 1 --timeout-coefficient 5 --threshold-efficacy 90 --threshold-mcover 90 -E '(^|/)testdata/' $$p | tail -6; \
	done

bench: ## Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./diagnose/... ./credhelper/wrapper

lint: ## gofmt and go vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then printf '%s\ngofmt needed\n' "$$out"; false; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN)

demo: ## a full diagnosis against the ACR emulator, with the real docker login (no Azure account)
	$(GO) run ./scripts/demo
