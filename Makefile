# scrutiny: every routine task is a target here; .ci/run calls the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo

.DEFAULT_GOAL := help
VENDOR := src/scrutiny/web/static/vendor
.PHONY: help install assets lint format test demo bench standard clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/scrutiny: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/scrutiny $(VENDOR)/.built ## Create .venv, install scrutiny with its development tools and the web assets

# GOV.UK Frontend, Vega and axe-core, pinned in package.json and package-lock.json.
# vega-interpreter is an ES module importing vega-util; the app loads Vega as a script, so
# the import is pointed at the global it makes.
$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/assets
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	sed "1s|^import {\(.*\)} from 'vega-util';|const {\1} = window.vega;|" node_modules/vega-interpreter/build/vega-interpreter.js > $(VENDOR)/vega-interpreter.mjs
	touch $@

assets: $(VENDOR)/.built ## Install the pinned front-end assets (GOV.UK Frontend, Vega) from npm

lint: install ## ruff (lint and format check), mypy --strict on the library and the import-linter layers contract
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

test: lint ## Lint, then run the whole test suite
	$(BIN)/pytest

.PHONY: test-fast
test-fast: install ## The inner loop: SQLite only, no browser, no slow tests
	$(BIN)/pytest -m "not slow and not browser and not postgres"

standard: install ## Write the data standard's published files into docs/standard/
	$(BIN)/scrutiny standard export docs/standard

demo: install ## Build the demo database (real councils and Ombudsman decisions, a synthetic nation)
	$(BIN)/scrutiny standard export $(DEMO_DIR)/standard
	$(BIN)/scrutiny demo $(DEMO_DIR)
	SCRUTINY_DATABASE_URL=sqlite:///$(DEMO_DIR)/scrutiny.db $(BIN)/scrutiny submissions list --authority E06000047
	@echo "Demo database: $(DEMO_DIR)/scrutiny.db. Data standard: $(DEMO_DIR)/standard/standard.md."
	@echo "Demo accounts (password demo-password): admin@, analyst@, officer@, councillor@demo.scrutiny"
	SCRUTINY_DATABASE_URL=sqlite:///$(DEMO_DIR)/scrutiny.db $(BIN)/scrutiny serve --port 8000

bench: install ## Run the benchmarks and print their figures (takes a few minutes)
	taskset -c 0 $(BIN)/python benchmarks/clock.py
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/imports.py
	$(BIN)/python benchmarks/synth.py
	taskset -c 0 $(BIN)/python benchmarks/funnel.py
	taskset -c 0 $(BIN)/python benchmarks/spc.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/housing_evaluation.py
	$(BIN)/python benchmarks/early_warning.py
	$(BIN)/python benchmarks/web_load.py
	$(BIN)/python benchmarks/reports.py
	$(BIN)/python benchmarks/impact_validation.py

clean: ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
