"""The write path: read a council's file, validate it, clock it, count it and store it.

May import core, settings, reference, standard and store (all scrutiny.*). The layers are
checked by import-linter (docs/architecture.md).
"""
