"""Research on what happens after councils comply with Ombudsman recommendations.

May import core, settings, reference, standard, store, returns, measures, recommendations,
warning, councillor and publish (all scrutiny.*). The layers are checked by import-linter
(docs/architecture.md).
"""
