# vpp-rpc: `make run` starts the product, `make test` runs every test.
API_DIR ?= ../shared/vpp-api/26.06
ERRORS ?= ../shared/vpp-errors.json
GENERATE_ARGS = --api-dir $(API_DIR) $(if $(wildcard $(ERRORS)),--errors $(ERRORS))
NPM_STAMP := node_modules/.package-lock.json

.PHONY: help deps build system-deps generate check-generated client-ts lint format typecheck typecheck-client test test-unit test-sim test-vpp test-e2e fresh-runs sim run bench soak

help:
	@echo "make run              start gRPC server and REST gateway (simulator if no VPP socket)"
	@echo "make test             lint, type checks, generated-file check, unit and end-to-end tests"
	@echo "make test-unit        the tests beside the code, less their real-VPP suites (quick)"
	@echo "make test-sim         the end-to-end tests on the simulator (and those needing no VPP)"
	@echo "make test-vpp         every test suite that runs on the real VPP of ../shared"
	@echo "make fresh-runs N=3   make test N times, each on a fresh clone of HEAD as CI runs it"
	@echo "make generate         regenerate proto/ and openapi/ from API_DIR=$(API_DIR)"
	@echo "make sim              start the VPP simulator alone"
	@echo "make build            compile to JavaScript in dist/ (run, test, bench and sim do it when sources changed)"
	@echo "make soak             soak for SOAK_SECONDS (180) and a corpus of HOSTILE_REQUESTS (100000) bad requests"

# Install when package.json or the lock changed. `npm install` rather than `npm ci`:
# the registry lacks @bufbuild/buf's macOS/Windows packages, which npm then
# leaves out of the lock, and `npm ci` refuses such a lock. The make that node-gyp runs for
# native/statseg is no job of this one (MAKEFLAGS would hand it a job server it cannot reach).
$(NPM_STAMP): package.json package-lock.json native/statseg/binding.gyp native/statseg/statseg.c
	MAKEFLAGS= npm install --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP)

# the processes run as JavaScript bundles in dist/ (git-ignored, scripts/build.ts); tsx runs only
# tools (the tests: scripts/compile-tests.ts). Rebuilt when a bundled source changed (what lib/compiled.ts lists).
BUILD_STAMP := dist/.stamp
# The build also caches the services and model of proto/: rebuilt when proto/ changes.
BUILD_SOURCES := $(shell find cli lib vpp server gateway -name '*.ts' ! -name '*.test.ts') scripts/run.ts \
	scripts/build.ts tsconfig.json $(shell find proto -name '*.proto')
$(BUILD_STAMP): $(NPM_STAMP) $(BUILD_SOURCES)
	npm run build
	@touch $@

build: $(BUILD_STAMP)

# Debian packages the tests drive: grpcio for the Python client, Chromium for the docs page, etcd for the etcd client
system-deps:
	@scripts/system-deps.sh

generate: deps
	npm run generate -- $(GENERATE_ARGS)

check-generated: deps
	npm run generate -- $(GENERATE_ARGS) --check

lint: deps
	npm run lint

format: deps
	npm run format

# the typed TypeScript client, generated from proto/ with ts-proto (git-ignored)
CLIENT_TS := clients/typescript/generated/.stamp
$(CLIENT_TS): $(NPM_STAMP) $(wildcard proto/vpp/*.proto proto/vpprpc/*.proto)
	npm run generate:client
	@touch $@

client-ts: $(CLIENT_TS)

typecheck: deps $(CLIENT_TS)
	npm run typecheck

# ts-proto's TypeScript for every proto type-checks, under the client's own compiler options
typecheck-client: $(CLIENT_TS)
	npx tsc --noEmit -p clients/typescript/tsconfig.json

# the tiers of `make test` (scripts/run-tests.ts): unit, sim and vpp together are all of it
test-unit: deps
	npm test -- unit

# end-to-end tests start the compiled processes, as users run them
test-sim: deps system-deps build $(CLIENT_TS)
	npm test -- sim

test-vpp: deps system-deps build $(CLIENT_TS)
	npm test -- vpp

test-e2e: deps system-deps build $(CLIENT_TS)
	npm test -- e2e

# make test as CI runs it (.ci/run), N times, each on a fresh clone of the committed HEAD
N ?= 1
fresh-runs:
	@scripts/fresh-runs.sh $(N)

# Everything, in three phases: the dependencies; the checks and the build side by side, a job
# per core (the longest chain, client-ts then typecheck-client, first); then the tests. Each
# phase says how long it took.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PHASE = $(MAKE) --no-print-directory -j$(JOBS) --output-sync=target
timed = start=$$(date +%s); $(2) && echo "make test: $(1) took $$(( $$(date +%s) - start )) s"
test:
	@$(call timed,dependencies,$(PHASE) deps system-deps)
	@$(call timed,checks and build,$(PHASE) typecheck-client lint typecheck build check-generated)
	@$(call timed,tests,npm test)

sim: build
	npm run sim

run: build
	npm run run

# benchmarks of every hop (simulator, or VPP at VPP_API_SOCKET); writes bench/RESULTS.md
bench: build
	npm run bench

# long load and hostile-input runs; they print their figures (duration, calls, memory, outcomes)
SOAK_SECONDS ?= 180
HOSTILE_REQUESTS ?= 100000
soak: build $(CLIENT_TS)
	SOAK_SECONDS=$(SOAK_SECONDS) HOSTILE_REQUESTS=$(HOSTILE_REQUESTS) npm run soak
