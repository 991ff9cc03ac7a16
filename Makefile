# make run: start web, worker and scheduler (Procfile, honcho); embedded Redis unless REDIS_URL;
# the vendor sandbox (handlers/sandbox/run.py) for vendors without credentials;
# their Prometheus counters share var/prometheus (emptied at each start).
# make test: the test suite against a real Redis and a real Celery worker (and Chromium for
# the console's browser tests, installed with apt when missing and possible).
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow bench install clean chromium

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# VENDOR_SANDBOX defaults to true here only: vendors without credentials get a sandbox server.
run: $(STAMP)
	$(BIN)/python -m handlers.dotenv_init
	$(BIN)/python -m handlers.banner
	rm -rf var/prometheus && mkdir -p var/prometheus
	VENDOR_SANDBOX="$${VENDOR_SANDBOX:-true}" PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/var/prometheus" PATH="$(BIN):$$PATH" \
		$(BIN)/python -m handlers.embedded_redis $(BIN)/python -m handlers.sandbox.run $(BIN)/python -m handlers.procfile

test: $(STAMP) chromium
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

# The console's browser tests drive Debian's Chromium: installed with apt when missing and
# this is root; otherwise they skip with the reason (and fail when CI=true).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& (apt-get update && apt-get install -y chromium); } \
		|| echo "chromium is not installed (apt-get install chromium): tests/test_console_browser.py will skip, or fail with CI=true"

test-slow: $(STAMP)
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest -m slow -rP $(PYTEST_ARGS)

# make bench: the benchmarks under bench/ (figures, commands and machine in docs/benchmarks.md).
# Each starts its own Redis (embedded, unless REDIS_URL is set), servers, workers and simulators.
bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk >/dev/null 2>&1 \
		|| { echo "bench/ingest needs wrk (Debian/Ubuntu: apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.ingest_profile
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.ratelimit
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.isolation
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.console

clean:
	rm -rf $(VENV) var .pytest_cache
