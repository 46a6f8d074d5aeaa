"""Measures: indicators, headlines, benchmarking, funnel plots, SPC, one council's figures.

May import core, settings, reference, standard, store and returns (all scrutiny.*). The
layers are checked by import-linter (docs/architecture.md).
"""
