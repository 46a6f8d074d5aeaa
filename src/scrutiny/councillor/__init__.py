"""For councillors: scrutiny questions and the self-assessment against the Code.

May import core, settings, reference, standard, store, returns, measures, recommendations
and warning (all scrutiny.*). The layers are checked by import-linter
(docs/architecture.md).
"""
