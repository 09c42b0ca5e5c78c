# pushbench: `make bench` compares the push transports, `make test` checks everything.
GO       ?= go
BIN      := bin/pushbench
# `make bench` runs scenarios/bench.yaml: 1,000 connections per transport, 10
# broadcasts/s, 64-byte payload, 2 s warm-up, 10 s measured. Copy the file to
# change the workload; `pushbench run --help` lists the flag equivalents.
BENCH_SCENARIO ?= scenarios/bench.yaml

.PHONY: build test test-short vet fmt-check bench publish smoke faults soak limits 45k fuzz clean compare-peers image

build:
	$(GO) build -buildvcs=auto -o $(BIN) .

## test: formatting, vet, and every test (unit, end-to-end, interop) under the race
## detector. Packages run one at a time (-p 1): the end-to-end and interop tests
## load the machine, and the official server's 200 ms pong deadline must not be
## missed because another package's load test holds both cores.
test: fmt-check vet interop/node_modules/.package-lock.json
	$(GO) test -race -count=1 -p 1 ./...

# The official Socket.IO packages, pinned by interop/package-lock.json.
interop/node_modules/.package-lock.json: interop/package.json interop/package-lock.json
	npm ci --prefix interop --no-audit --no-fund

## test-short: unit tests only, no end-to-end runs.
test-short:
	$(GO) test -short ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## bench: run the bench scenario against every transport, each against a fresh
## reference server in its own process; prints the table and writes
## results/runs/<time>-bench/ (result.json, summary.md/.csv, latency.svg, .hgrm).
bench: build
	./$(BIN) run --quiet $(BENCH_SCENARIO)

## smoke: the CI smoke scenario, whose thresholds must pass.
smoke: build
	./$(BIN) run --quiet scenarios/smoke.yaml

## faults: stall, delay, drop, kill and restart the server on every transport (about a minute).
faults: build
	./$(BIN) run --quiet scenarios/faults.yaml

## soak: 5,000 connections for 5 minutes per transport, then a leak check (about 12 minutes; not in CI).
soak: build
	./$(BIN) run scenarios/soak.yaml

## limits: 19,000 idle connections per transport (socketio-polling 9,500: two
## sockets each) from one generator process against one server process; prints
## server and generator memory per connection (a few minutes; not in CI).
limits: build
	./$(BIN) run --quiet scenarios/limits.yaml scenarios/limits-polling.yaml

## 45k: 45,000 WebSocket subscribers, more than one process may hold here: three
## reference server processes and three coordinated worker processes with one
## publisher (scenarios/45k.yaml); about a minute.
45k: build
	./$(BIN) run scenarios/45k.yaml

## compare-peers: the same WebSocket and Socket.IO echo workloads (500 clients x
## 100 sends at 10/s) under pushbench, Artillery (pinned by peers/package-lock.json)
## and Tsung (Debian's, installed when root), against Node echo servers on
## loopback; prints CPU seconds, peak RSS and what each recorded, and writes
## peers/last-run.md (a few minutes; not in CI). A tool that is missing is skipped.
compare-peers: build peers/node_modules/.package-lock.json
	@command -v tsung >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q tsung >/dev/null; } \
		|| echo "compare-peers: tsung not installed and not installable here: its rows are skipped"
	$(GO) run ./examples/peers --pushbench $(BIN) --peers peers --work peers/runs/last --out peers/last-run.md

# Artillery and the echo servers' packages; install scripts (a browser
# download for Artillery's Playwright engine) are not run.
peers/node_modules/.package-lock.json: peers/package.json peers/package-lock.json
	npm ci --prefix peers --ignore-scripts --no-audit --no-fund

## publish: the published page, results/README.md, from one run of everything on
## this machine (about 30 minutes; not in CI): the bench table, 10,000
## subscribers x 10/s per transport, the 19,000-connection hold, the saturation
## search and the peer comparison. A run whose thresholds fail is published as
## it came out ("-": make goes on), so a target missed on this box shows.
PUBLISH_RUNS := results/runs/publish
PUBLISH_SCENARIOS := $(BENCH_SCENARIO) scenarios/fanout-10k.yaml scenarios/limits.yaml scenarios/limits-polling.yaml scenarios/find-max.yaml
publish: build
	rm -rf $(PUBLISH_RUNS)
	@set -e; for s in $(PUBLISH_SCENARIOS); do \
		echo "== $$s"; ./$(BIN) run --quiet --out $(PUBLISH_RUNS) $$s || echo "publish: $$s exited $$? (thresholds failed or saturated); published as it is"; \
	done
	rm -f peers/last-run.md
	-$(MAKE) compare-peers
	set --; if test -s peers/last-run.md; then set -- --section "Peer comparison=peers/last-run.md"; fi; \
		./$(BIN) publish -o results "$$@" $$(ls -d $(PUBLISH_RUNS)/*/)

## fuzz: a short fuzzing pass over every fuzz target (wire codecs, client
## parsers, the scenario loader, the coordinator-worker protocol), FUZZTIME each, after its checked-in seed
## corpus (testdata/fuzz/FuzzXxx/). Targets are found in the *_test.go files,
## so a new fuzzer is fuzzed without editing this list. A crash is written to
## testdata/fuzz/ of its package: commit it with the fix as a regression seed.
## A run that fails only because the fuzzing engine missed its own -fuzztime
## deadline ("context deadline exceeded", no failing input; it happens on a
## busy machine) is run once more; a real failure is never retried.
FUZZTIME ?= 3s
fuzz:
	@set -e; grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sort | while IFS=: read -r file fn; do \
		name=$${fn#func }; pkg=$$(dirname "$$file"); \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test "$$pkg" -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) >/tmp/pushbench-fuzz.$$$$.log 2>&1 || \
		{ grep -q 'context deadline exceeded' /tmp/pushbench-fuzz.$$$$.log && ! grep -q 'Failing input written' /tmp/pushbench-fuzz.$$$$.log && \
		  echo "fuzz $$name: the fuzzing engine missed its own deadline (no failing input): once more" && \
		  $(GO) test "$$pkg" -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) >/tmp/pushbench-fuzz.$$$$.log 2>&1; } || \
		{ cat /tmp/pushbench-fuzz.$$$$.log; rm -f /tmp/pushbench-fuzz.$$$$.log; exit 1; }; \
		tail -n 1 /tmp/pushbench-fuzz.$$$$.log; rm -f /tmp/pushbench-fuzz.$$$$.log; \
	done

## image: the container image from the Dockerfile (a static binary on distroless),
## tagged $(IMAGE); deploy/k8s/ runs it. Built with docker when its daemon
## answers, else podman, else docker (whose error says why); ENGINE=podman
## (or any docker-compatible CLI) chooses.
IMAGE  ?= pushbench:dev
ENGINE ?=
image:
	@engine="$(ENGINE)"; \
	if [ -z "$$engine" ]; then \
		if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker; \
		elif command -v podman >/dev/null 2>&1; then engine=podman; \
		elif command -v docker >/dev/null 2>&1; then engine=docker; \
		else echo "make image: neither docker nor podman is installed: install one, or build the Dockerfile with another OCI builder (buildah, kaniko)" >&2; exit 1; fi; \
	fi; \
	echo "$$engine build -t $(IMAGE) ."; \
	$$engine build -t $(IMAGE) .

clean:
	rm -rf bin
