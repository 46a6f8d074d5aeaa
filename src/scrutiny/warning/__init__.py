"""Early warning: the signals, the watchlist, their evaluation and national data quality.

May import everything up to scrutiny.measures.
"""
