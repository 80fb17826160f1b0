# newsgraph: `make serve` and `make test` work on a fresh machine (they create .venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install vendor serve test bench clean

NODE_STAMP := explorer/node_modules/.installed
VENDOR_STAMP := api/static/vendor/.installed

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Browser assets for the explorer (GraphiQL, React, Cytoscape), pinned by
# explorer/package-lock.json, fetched once from the npm registry and copied into
# api/static/vendor/ (git-ignored). Nothing is fetched at run time.
$(NODE_STAMP): explorer/package.json explorer/package-lock.json
	npm ci --prefix explorer --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(VENDOR_STAMP): $(NODE_STAMP) $(STAMP) api/explorer.py
	$(PY) -m api.explorer vendor
	touch $(VENDOR_STAMP)

vendor: $(VENDOR_STAMP)

serve: $(STAMP) $(VENDOR_STAMP)
	$(VENV)/bin/newsgraph serve seeds --host $(HOST) --port $(PORT)

test: $(STAMP) $(VENDOR_STAMP)
	$(PY) -m pytest

# Benchmarks (never part of `make test`): `make bench`, or `make bench BENCH_ARGS=--quick`.
bench: $(STAMP)
	$(PY) tests/bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info test-artifacts explorer/node_modules api/static/vendor
