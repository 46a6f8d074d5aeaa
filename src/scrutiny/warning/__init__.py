"""Early warning: the signals, the watchlist, their evaluation and national data quality.

May import core, settings, reference, standard, store, returns, measures and recommendations
(all scrutiny.*). The layers are checked by import-linter (docs/architecture.md).
"""
