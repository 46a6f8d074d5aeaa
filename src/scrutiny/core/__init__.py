"""The shared words of scrutiny: periods, typed domain terms, errors and formatting.

Imports nothing else of scrutiny.
"""
