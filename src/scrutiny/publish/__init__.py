"""Publishing: charts declared once, rendering, open data and reports.

May import core, settings, reference, standard, store, returns, measures, recommendations,
warning and councillor (all scrutiny.*). The layers are checked by import-linter
(docs/architecture.md).
"""
