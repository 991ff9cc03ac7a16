# make run: start web, worker and scheduler (Procfile, honcho); embedded Redis unless REDIS_URL;
# their Prometheus counters share var/prometheus (emptied at each start).
# make test: the test suite against a real Redis and a real Celery worker.
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow bench install clean

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m handlers.dotenv_init
	rm -rf var/prometheus && mkdir -p var/prometheus
	PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/var/prometheus" PATH="$(BIN):$$PATH" $(BIN)/python -m handlers.embedded_redis honcho start

test: $(STAMP)
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) var .pytest_cache
