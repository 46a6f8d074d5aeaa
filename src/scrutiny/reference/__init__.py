"""Reference data: councils, their names and peers, working days and due dates.

May import core and settings (all scrutiny.*). The layers are checked by import-linter
(docs/architecture.md).
"""
