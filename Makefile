# The two commands of the README:
#   make demo   set everything up and start the demo (hub + worker + emulated stores)
#   make test   set up the test environment and run the whole suite (lint included)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PLUGINS = plugins/connect-shopify plugins/connect-magento plugins/connect-prestashop \
          plugins/connect-woocommerce
# each connector's store emulator, a distribution of its own: the demo's stores (entry points
# "connect_hub.demo_stores"), the connectors' test fixtures and the benchmarks' stores
EMULATORS = plugins/connect-shopify-emulator plugins/connect-magento-emulator \
            plugins/connect-prestashop-emulator plugins/connect-woocommerce-emulator
# the public face that connectors build against, type-checked strictly ([tool.mypy])
MYPY_FILES = hub/__init__.py hub/records.py hub/hookspecs.py hub/context.py hub/errors.py \
             hub/outcomes.py hub/http.py hub/toolkit.py hub/bounds.py hub/testing
# pytest-xdist: one worker per core, the browser tests on one of them (xdist_group)
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: demo test lint format benchmark clean

demo: $(VENV)/.installed
	$(BIN)/hub demo

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(MYPY_FILES)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(MYPY_FILES)

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# merchant scale (issue 16) is opt-in: make benchmark BENCH_FIRST_IMPORT="--sizes 20000 100000"
# BENCH_ORDERS="--orders 10000" BENCH_STOCK_EXPORT="--skus 100000"
BENCH_FIRST_IMPORT ?= --sizes 20000
BENCH_ORDERS ?= --connector magento shopify --orders 2000 --products 20000
BENCH_STOCK_EXPORT ?= --skus 20000

benchmark: $(VENV)/.installed-test
	for c in shopify magento prestashop woocommerce; do $(BIN)/python benchmarks/bench_update.py $$c || exit 1; done
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_webhooks.py
	$(BIN)/python benchmarks/bench_first_import.py $(BENCH_FIRST_IMPORT)
	$(BIN)/python benchmarks/bench_orders.py $(BENCH_ORDERS)
	$(BIN)/python benchmarks/bench_stock_export.py $(BENCH_STOCK_EXPORT)
	$(BIN)/python benchmarks/bench_cycle.py

$(VENV)/.installed: pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS) $(EMULATORS))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e . $(addprefix -e ,$(PLUGINS) $(EMULATORS))
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed tests/testshop/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]' -e tests/testshop
	touch $@

clean:
	rm -rf $(VENV) instance build *.egg-info
