# scrutiny: every routine task is a target here; .ci/run calls the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo

.DEFAULT_GOAL := help
.PHONY: help install lint format test demo bench standard clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/scrutiny: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/scrutiny ## Create .venv and install scrutiny with its development tools

lint: install ## ruff (lint and format check) and mypy on the library
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

test: lint ## Lint, then run the whole test suite
	$(BIN)/pytest

standard: install ## Write the data standard's published files into docs/standard/
	$(BIN)/scrutiny standard export docs/standard

demo: install ## Build the demo database (real councils and Ombudsman decisions, a synthetic nation)
	$(BIN)/scrutiny standard export $(DEMO_DIR)/standard
	$(BIN)/scrutiny demo $(DEMO_DIR)
	SCRUTINY_DATABASE_URL=sqlite:///$(DEMO_DIR)/scrutiny.db $(BIN)/scrutiny submissions list --authority E06000047
	@echo "Demo database: $(DEMO_DIR)/scrutiny.db. Data standard: $(DEMO_DIR)/standard/standard.md."
	@echo "There is no web service to start yet: it arrives with issue 8."

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

clean: ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
