"""The demo: a synthetic nation and the demo database. Never imported by the web service.

May import core, settings, reference, standard, store, returns, measures, recommendations,
warning, councillor, publish and research (all scrutiny.*). Only the CLI imports it. The
layers are checked by import-linter (docs/architecture.md).
"""
