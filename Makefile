# scrutiny: every routine task is a target here; .ci/run calls the same ones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo
AS_OF ?= 2024-06-28

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

demo: install ## Show what exists so far: the standard's files and the Code clock on example complaints
	$(BIN)/scrutiny standard export $(DEMO_DIR)/standard
	$(BIN)/scrutiny clock examples/complaints.csv --as-of $(AS_OF) --output $(DEMO_DIR)/complaints_with_clock.csv
	@echo "The data standard is in $(DEMO_DIR)/standard (start with standard.md)."

bench: install ## Run the benchmarks and print their figures (takes a few minutes)
	taskset -c 0 $(BIN)/python benchmarks/clock.py
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/imports.py

clean: ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
