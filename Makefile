# flume: `make setup` once, then `make test`.
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec
UNIT := $(wildcard test/unit/*.test.ts)
INTEGRATION := $(wildcard test/integration/*.test.ts)
SERVICES := $(filter-out lib run,$(basename $(notdir $(wildcard scripts/services/*.sh))))

.PHONY: setup build unit integration test bench coverage docs typecheck clean services-up services-down

setup:
	npm install --no-audit --no-fund
	@# The REPL tests drive a real terminal through tmux.
	@command -v tmux >/dev/null || (command -v apt-get >/dev/null && (apt-get install -y tmux || (apt-get update && apt-get install -y tmux))) || echo "note: install tmux for the REPL tests"
	@# The chart tests open html charts in Debian's headless chromium (nothing downloads a browser of its own).
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && (apt-get install -y chromium || (apt-get update && apt-get install -y chromium))) || echo "note: install chromium for the chart tests"
	@# The listener tests send with util-linux logger (Debian bsdutils) and curl.
	@scripts/services/netclients.sh install || echo "note: install bsdutils and curl for the listener tests"
	$(MAKE) build

build:
	npx tsc -p tsconfig.json && node scripts/bundle.mjs

# Sources, tests and scripts (tsx runs the tests without checking types).
typecheck:
	npx tsc -p tsconfig.test.json

unit:
	$(NODE_TEST) $(UNIT)

# The CLI as a user runs it: spawned processes on the built dist/, against real
# services that scripts/services/ starts first and stops afterwards (even on failure).
integration: build
	scripts/services/run.sh -- $(NODE_TEST) --test-concurrency=2 $(INTEGRATION)

# Start or stop every service by hand (for running single integration tests).
services-up:
	@for s in $(SERVICES); do scripts/services/$$s.sh install && scripts/services/$$s.sh start; done

services-down:
	@for s in $(SERVICES); do scripts/services/$$s.sh stop; done

test: typecheck unit integration

bench: build
	@test -f bench/run.mjs || { echo "make bench: the benchmark suite (issue 7) is not written yet"; exit 1; }
	node bench/run.mjs $(BENCH_ARGS)

coverage:
	scripts/services/run.sh -- npx c8 --include 'src/**' --reporter=text-summary --reporter=text --check-coverage --lines 90 $(NODE_TEST) $(UNIT) $(INTEGRATION)

docs: build
	node --import tsx scripts/gen-docs.ts

clean:
	rm -rf dist coverage
