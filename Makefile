# scrutiny: every routine task is a target here; .ci/run calls the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo
# uv installs the Python dependencies from uv.lock; this pinned copy lives in .tools/.
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
# uv finds Python on the machine and never downloads one.
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
VENDOR := src/scrutiny/web/static/vendor
.PHONY: help install assets lint format test demo bench standard clean
.PHONY: audit lock wheel-smoke

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Exactly the versions in uv.lock (--locked fails if pyproject.toml has moved on from it),
# scrutiny itself editable, and the dev dependency group (the test, lint and bench groups).
$(BIN)/scrutiny: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON) --quiet
	touch $@

install: $(BIN)/scrutiny $(VENDOR)/.built ## Create .venv from uv.lock (scrutiny, its development tools) and the web assets

lock: | $(UV) ## Update uv.lock after changing dependencies in pyproject.toml (newest versions: `make lock UPGRADE=1`)
	$(UV) lock $(if $(UPGRADE),--upgrade)

# GOV.UK Frontend and Vega, pinned in package.json and package-lock.json (axe-core too, for
# the browser tests only, and sass to build the stylesheet), with the licence of every npm
# package the copied files bundle. GOV.UK Frontend's stylesheet is built from its Sass with
# scrutiny's settings (sass/govuk.scss: the system font, as the Design System asks of
# services not on GOV.UK); its fonts and crown images are not copied.
# vega-interpreter is an ES module importing vega-util; the app loads Vega as a script, so
# the import is pointed at the global it makes.
SASS := sass/govuk.scss
$(VENDOR)/.built: package.json package-lock.json scripts/vendor_licences.py $(wildcard licences/*) $(SASS)
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk
	node_modules/.bin/sass --style=compressed --no-source-map --load-path=node_modules --quiet-deps \
		$(SASS) $(VENDOR)/govuk/govuk-frontend.min.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	sed "1s|^import {\(.*\)} from 'vega-util';|const {\1} = window.vega;|" node_modules/vega-interpreter/build/vega-interpreter.js > $(VENDOR)/vega-interpreter.mjs
	$(PYTHON) scripts/vendor_licences.py
	touch $@

assets: $(VENDOR)/.built ## Install the pinned front-end assets (GOV.UK Frontend built from its Sass, Vega) and their licences from npm

# The tests, benchmarks and scripts are type-checked too, less strictly than src/: their
# functions need no annotations (their bodies are still checked), and they may use an Optional
# or a polars scalar without narrowing it first, as a None there fails the run on the spot.
# What this catches is code that has drifted from the library: a renamed function, a
# removed argument, a wrong type passed in.
MYPY_TESTS := --config-file= --python-version 3.11 --ignore-missing-imports --check-untyped-defs \
	--warn-unused-ignores --disable-error-code operator --disable-error-code union-attr \
	--disable-error-code index

lint: install ## ruff (lint and format check), mypy (strict on src/, lighter on tests), the import-linter contracts, the dependency audit
	$(BIN)/ruff check src tests benchmarks scripts setup.py
	$(BIN)/ruff format --check src tests benchmarks scripts setup.py
	$(BIN)/mypy
	$(BIN)/mypy $(MYPY_TESTS) tests benchmarks scripts setup.py
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory audit

# pip-audit checks every locked package (runtime and development) against the Python
# Packaging Advisory Database through PyPI's JSON API. A known vulnerability fails; packages
# it could not look up are reported in capitals (see scripts/audit_dependencies.py) and fail
# only with AUDIT_REQUIRED=1, since the development machines' network serves PyPI's index
# but not its per-release JSON.
audit: install ## Check every package in uv.lock for known vulnerabilities (pip-audit)
	@mkdir -p build
	$(UV) export --locked --all-groups --no-emit-project --quiet --output-file build/requirements.lock.txt
	$(BIN)/python scripts/audit_dependencies.py build/requirements.lock.txt $(if $(AUDIT_REQUIRED),--required)

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix src tests benchmarks scripts setup.py
	$(BIN)/ruff format src tests benchmarks scripts setup.py

test: lint ## Lint, then run the whole test suite
	$(BIN)/pytest

.PHONY: test-fast
test-fast: install ## The inner loop: SQLite only, no browser, no slow tests
	$(BIN)/pytest -m "not slow and not browser and not postgres"

standard: install ## Write the data standard's published files into docs/standard/, the signals page, and the documents the site publishes at /docs/
	$(BIN)/scrutiny standard export docs/standard
	$(BIN)/python -m scrutiny.warning.signals.docs docs/early-warning-signals.md
	$(BIN)/python -m scrutiny.publish.documents docs

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
	$(BIN)/python benchmarks/demo_build.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/soak.py
	$(BIN)/python benchmarks/backup_restore.py
	$(BIN)/python benchmarks/reports.py
	$(BIN)/python benchmarks/impact_validation.py

wheel-smoke: install ## Build the wheel, install it from uv.lock in a fresh virtualenv and try it as users would
	$(BIN)/python scripts/smoke_wheel.py --uv $(UV)

clean: ## Remove build outputs (keeps .venv)
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
