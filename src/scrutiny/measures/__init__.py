"""Measures: indicators, headlines, benchmarking, funnel plots, SPC and one council's figures.

May import core, reference, standard, store and returns.
"""
